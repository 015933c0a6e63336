from rest_framework.routers import SimpleRouter

from policies.api import views

router = SimpleRouter()
router.register("policies", views.PolicyViewSet, basename="policy")
router.register("policy-clauses", views.ClauseViewSet, basename="policy-clause")
router.register("policy-matches", views.MatchViewSet, basename="policy-match")

urlpatterns = router.urls
