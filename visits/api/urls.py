from rest_framework.routers import SimpleRouter

from visits.api import views

router = SimpleRouter()
router.register("visits", views.VisitViewSet, basename="visit")

urlpatterns = router.urls
