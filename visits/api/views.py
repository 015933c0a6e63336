"""The visits API: thin — parse, resolve codes, call the service. Errors take core.api's shape."""

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core.api import ErrorOutput
from enterprises.models import Enterprise
from ledger.models import Category
from org.models import Division, Person
from visits import selectors, services
from visits.api import serializers as s
from visits.filters import VisitFilterSet
from visits.models import Finding, Pairing

ERRORS = {400: ErrorOutput, 403: ErrorOutput, 404: ErrorOutput, 409: ErrorOutput}


def _category(code: str | None, field: str) -> Category | None:
    if not code:
        return None
    category = Category.objects.filter(code=code, active=True, children__isnull=True).first()
    if category is None:
        raise ValidationError({field: [_("未知或不可选的分类代码：%(code)s") % {"code": code}]})
    return category


def _enterprise(user, credit_code: str | None) -> Enterprise | None:
    if not credit_code:
        return None
    enterprise = selectors.enterprise_by_code(user=user, credit_code=credit_code)
    if enterprise is None:
        message = _("在您的管辖范围内找不到该企业：%(value)s") % {"value": credit_code}
        raise ValidationError({"enterprise": [message]})
    return enterprise


def _division(code: str | None, field: str) -> Division | None:
    if not code:
        return None
    division = Division.objects.filter(code=code).first()
    if division is None:
        raise ValidationError({field: [_("未知的区划代码：%(code)s") % {"code": code}]})
    return division


@extend_schema_view(
    list=extend_schema(summary="走访记录（本人管辖范围内）", responses={200: s.VisitOutput(many=True)}),
    retrieve=extend_schema(summary="一次走访", responses={200: s.VisitOutput, 404: ErrorOutput}),
)
class VisitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.VisitOutput
    filterset_class = VisitFilterSet

    def get_queryset(self):
        return selectors.visit_list(user=self.request.user).prefetch_related("findings__item", "officials__user")

    @extend_schema(summary="录入走访（选了分类的问题立即转为事项）", request=s.VisitInput,
                   responses={201: s.VisitOutput, **ERRORS})  # fmt: skip
    def create(self, request):
        data = s.VisitInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        enterprise = _enterprise(request.user, v.get("enterprise"))
        division = _division(v.get("division"), "division")
        users = get_user_model().objects.filter(username__in=v["officials"])
        officials = list(Person.objects.filter(user__in=users).select_related("division"))
        unknown = sorted(set(v["officials"]) - {p.user.username for p in officials})
        if unknown:
            raise ValidationError({"officials": [_("未知的干部：%(names)s") % {"names": "、".join(unknown)}]})
        findings = [
            services.FindingInput(text=f["text"], kind=f["kind"], category=_category(f.get("category"), "findings"))
            for f in v.get("findings", [])
        ]
        visit = services.visit_record(actor=request.user, visited_on=v["visited_on"], officials=officials,
                                      enterprise=enterprise, division=division, place=v.get("place", ""),
                                      summary=v.get("summary", ""), findings=findings)  # fmt: skip
        visit = self.get_queryset().get(pk=visit.pk)
        return Response(s.VisitOutput(visit).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="把走访问题转为事项", request=s.OpenItemInput, responses={201: s.FindingOutput, **ERRORS})
    @action(detail=True, methods=["post"], url_path=r"findings/(?P<finding_id>\d+)/open-item")
    def open_item(self, request, pk=None, finding_id=None):
        # Found whatever the scope: the service refuses an outsider (403, logged), as every write does.
        finding = get_object_or_404(Finding.objects.select_related("visit"), pk=int(finding_id), visit_id=pk)
        data = s.OpenItemInput(data=request.data)
        data.is_valid(raise_exception=True)
        category = _category(data.validated_data["category"], "category")
        services.finding_open_item(actor=request.user, finding=finding, category=category,
                                   kind=data.validated_data.get("kind"))  # fmt: skip
        finding.refresh_from_db()
        return Response(s.FindingOutput(finding).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="挂钩关系（本人管辖范围内）", responses={200: s.PairingOutput(many=True)}),
    retrieve=extend_schema(summary="一个挂钩关系", responses={200: s.PairingOutput, 404: ErrorOutput}),
)
class PairingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.PairingOutput

    def get_queryset(self):
        return selectors.pairing_list(user=self.request.user).select_related("official__user").order_by("pk")

    @extend_schema(summary="设置挂钩（干部挂钩企业，或领导挂钩县域）", request=s.PairingInput,
                   responses={201: s.PairingOutput, **ERRORS})  # fmt: skip
    def create(self, request):
        data = s.PairingInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        official = Person.objects.filter(user__username=v["official"]).select_related("division").first()
        if official is None:
            raise ValidationError({"official": [_("未知的干部：%(names)s") % {"names": v["official"]}]})
        enterprise = _enterprise(request.user, v.get("enterprise"))
        county = _division(v.get("county"), "county")
        pairing = services.pairing_create(actor=request.user, official=official, enterprise=enterprise, county=county,
                                          starts_on=v["starts_on"], ends_on=v.get("ends_on"))  # fmt: skip
        return Response(s.PairingOutput(pairing).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="结束挂钩", request=s.PairingEndInput, responses={200: s.PairingOutput, **ERRORS})
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        pairing = get_object_or_404(Pairing, pk=pk)  # the service refuses an outsider (403, logged)
        data = s.PairingEndInput(data=request.data)
        data.is_valid(raise_exception=True)
        pairing = services.pairing_end(actor=request.user, pairing=pairing, **data.validated_data)
        return Response(s.PairingOutput(pairing).data)
