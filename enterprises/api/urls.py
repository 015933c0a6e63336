from django.urls import path
from rest_framework.routers import SimpleRouter

from enterprises.api import views

router = SimpleRouter()
router.register("enterprises", views.EnterpriseViewSet, basename="enterprise")
router.register("enterprise-imports", views.ImportRunViewSet, basename="enterprise-import")

urlpatterns = [
    path("enterprises/import/", views.ImportView.as_view(), name="enterprise-import-create"),
    *router.urls,
]
