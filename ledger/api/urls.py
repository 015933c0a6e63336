from django.urls import include, path
from rest_framework.routers import SimpleRouter

from ledger.api import views

router = SimpleRouter()
router.register("items", views.ItemViewSet, basename="item")
router.register("measures", views.MeasureViewSet, basename="measure")
router.register("results", views.ResultViewSet, basename="result")
router.register("categories", views.CategoryViewSet, basename="category")

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="auth-token"),
    path("", include("org.api.urls")),
    *router.urls,
]
