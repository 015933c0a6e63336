from django.urls import path
from rest_framework.routers import SimpleRouter

from policies.api import delivery, views

router = SimpleRouter()
router.register("policies", views.PolicyViewSet, basename="policy")
router.register("policy-clauses", views.ClauseViewSet, basename="policy-clause")
router.register("policy-matches", views.MatchViewSet, basename="policy-match")

# -- delivery: policies for me, notifications, applications and decisions, grant batches
router.register("policy-notifications", delivery.NotificationViewSet, basename="policy-notification")
router.register("policy-applications", delivery.ApplicationViewSet, basename="policy-application")
router.register("grant-batches", delivery.GrantBatchViewSet, basename="grant-batch")

urlpatterns = [
    path("policies-for-me/", delivery.PoliciesForMeView.as_view(), name="policies-for-me"),
    *router.urls,
]
