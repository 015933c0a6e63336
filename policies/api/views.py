"""Read-only API of the policy catalogue and the matches. Conditions are JSON Logic, with their
Chinese rendering beside them."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets

from policies import selectors
from policies.api.serializers import ClauseSerializer, MatchSerializer, PolicySerializer
from policies.models import Match


class PolicyViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PolicySerializer
    lookup_field = "code"

    def get_queryset(self):
        return selectors.policy_list()


class ClauseViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ClauseSerializer
    lookup_field = "code"

    def get_queryset(self):
        return selectors.clause_list()


@extend_schema(parameters=[OpenApiParameter("credit_code", str, description="统一社会信用代码", required=True)])
class MatchViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The stored matches of one enterprise (eligible and unknown; no row means not eligible)."""

    serializer_class = MatchSerializer
    filter_backends: list = []

    def get_queryset(self):
        code = self.request.query_params.get("credit_code", "").strip().upper()
        if not code:
            return Match.objects.none()
        return selectors.matches_for_enterprise(credit_code=code)
