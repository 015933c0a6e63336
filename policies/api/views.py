"""API of the policy catalogue and the matches. Conditions are JSON Logic, with their Chinese rendering
beside them. Drafters (administrators, leaders, handlers) create and change draft clauses here, and
leaders and administrators amend the clauses of a policy in force (with a reason), through the same
service as the editor; explanations and near misses come from the same selectors as the pages."""

import polars as pl
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from enterprises.selectors import enterprise_list, register_snapshot
from org.models import Division
from policies import selectors
from policies.api.serializers import (
    ClauseCreateInput,
    ClauseSerializer,
    ClauseUpdateInput,
    ExplanationOutput,
    MatchSerializer,
    NearMissOutput,
    PolicySerializer,
)
from policies.models import Match
from policies.services import catalogue

_ERRORS = {
    400: OpenApiResponse(description="invalid input: {detail, code, errors: {field: [messages]}}"),
    403: OpenApiResponse(description="not allowed for this role"),
    404: OpenApiResponse(description="not found, or not visible to this user"),
    409: OpenApiResponse(
        description="stale version, or the policy has expired (or is not a draft, for handlers); nothing written"
    ),
}


class PolicyViewSet(viewsets.ReadOnlyModelViewSet):
    """Policies: published and expired ones for everyone, drafts for the drafters too."""

    serializer_class = PolicySerializer
    lookup_field = "code"

    def get_queryset(self):
        return selectors.policies_visible(user=self.request.user).prefetch_related("clauses")


@extend_schema_view(
    create=extend_schema(request=ClauseCreateInput, responses={201: ClauseSerializer, **_ERRORS},
                         summary="新增条款（JSON Logic）"),
    partial_update=extend_schema(request=ClauseUpdateInput, responses={200: ClauseSerializer, **_ERRORS},
                                 summary="修改条款（JSON Logic，带版本号；已发布政策须说明原因）"),
)  # fmt: skip
class ClauseViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):  # fmt: skip
    serializer_class = ClauseSerializer
    lookup_field = "code"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.clauses_visible(user=self.request.user)

    def _drafter(self):
        if not selectors.may_draft(self.request.user):
            raise PermissionDenied(_("您的角色不能起草或修改政策条款。"))

    def create(self, request, *args, **kwargs):
        self._drafter()
        data = ClauseCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = dict(data.validated_data)
        policy = selectors.policies_visible(user=request.user).filter(code=d.pop("policy")).first()
        if policy is None:
            raise Http404
        clause = catalogue.clause_save(policy=policy, actor=request.user, create=True, **d)
        return Response(ClauseSerializer(clause).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        clause = self.get_object()
        self._drafter()
        data = ClauseUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = dict(data.validated_data)
        fields = ("number", "title", "condition", "benefit", "cap", "mode", "budget", "department")
        values = {f: d.get(f, getattr(clause, f)) for f in fields}
        clause = catalogue.clause_save(policy=clause.policy, code=clause.code, actor=request.user,
                                      version=d["version"], reason=d["reason"], **values)  # fmt: skip
        return Response(ClauseSerializer(clause).data)

    @extend_schema(
        summary="某企业对该条款的逐条解释",
        parameters=[OpenApiParameter("credit_code", str, description="统一社会信用代码", required=True)],
        responses={200: ExplanationOutput, **_ERRORS},
    )
    @action(detail=True, methods=["get"])
    def explain(self, request, code=None):
        """Each condition of the clause with the enterprise's actual values, pass / fail / unknown.
        Enterprise users see only their own enterprises; staff those in their scope."""
        clause = self.get_object()
        credit_code = request.query_params.get("credit_code", "").strip().upper()
        enterprise = enterprise_list(user=request.user).filter(credit_code=credit_code).first()
        if enterprise is None:
            raise Http404
        row = selectors.enterprise_row(enterprise=enterprise)
        body = selectors.clause_explain(row=row, clause=clause, reference_date=timezone.localdate())
        return Response(ExplanationOutput(body).data)

    @extend_schema(
        summary="差一个条件即符合的企业（供工作人员跟进）", responses={200: NearMissOutput(many=True), **_ERRORS}
    )
    @action(detail=True, methods=["get"], url_path="near-misses")
    def near_misses(self, request, code=None):
        """Enterprises in the user's scope that meet every condition of the clause but one (staff only)."""
        clause = self.get_object()
        if not selectors.is_staff_user(request.user):
            raise PermissionDenied(_("只有工作人员可以查看差一个条件的企业。"))
        frame = register_snapshot()
        root = selectors.scope_root(user=request.user)  # the actor's working division
        if root is not None and root.level != Division.Level.CITY:
            frame = frame.filter(pl.col("division_path").str.starts_with(root.path))
        misses = selectors.near_misses(frame=frame, clause=clause, reference_date=timezone.localdate())
        rows = misses.sort("credit_code").to_dicts()
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(NearMissOutput(page, many=True).data)


@extend_schema(parameters=[OpenApiParameter("credit_code", str, description="统一社会信用代码", required=True)])
class MatchViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The stored matches of one enterprise (eligible and unknown; no row means not eligible)."""

    serializer_class = MatchSerializer
    filter_backends: list = []

    def get_queryset(self):
        code = self.request.query_params.get("credit_code", "").strip().upper()
        if not code:
            return Match.objects.none()
        user = self.request.user
        if not selectors.is_staff_user(user) and not enterprise_list(user=user).filter(credit_code=code).exists():
            return Match.objects.none()  # an enterprise user sees their own enterprises' matches only
        return selectors.matches_for_enterprise(credit_code=code)
