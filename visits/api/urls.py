from rest_framework.routers import SimpleRouter

from visits.api import views

router = SimpleRouter()
router.register("visits", views.VisitViewSet, basename="visit")
router.register("pairings", views.PairingViewSet, basename="pairing")

urlpatterns = router.urls
