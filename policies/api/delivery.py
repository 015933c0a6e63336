"""The delivery API (政策找企 · 兑现): policies for me, notifications, applications and their
decisions, grant batches. Thin, as the ledger's: reads go through ``policies.selectors`` (scope
first: out of scope is 404), every action parses its input with an Input serializer and calls its
service in ``policies.services`` (which checks the role: 403, the state, the budget and the
policy's dates: 409). Errors take the shape of ``core.api``: {"detail", "code", "errors"}."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ErrorOutput
from policies import selectors
from policies.api.serializers import ExplanationOutput
from policies.models import Application, GrantBatch, GrantBatchStatus, Notification, PolicyClause
from policies.services import delivery

TAGS = ["policy-delivery"]


def _error(description):
    return OpenApiResponse(ErrorOutput, description=description)


READ_ERRORS = {403: _error("只有企业用户（或工作人员）可以查看"), 404: _error("不存在，或不在您的范围内")}
ACTION_ERRORS = {
    400: _error("输入有误：errors 中按字段列出"),
    403: _error("您的角色或管辖范围不能执行此操作（越权操作会被记录）"),
    404: _error("不存在，或不在您的范围内"),
    409: _error("状态、预算或政策有效期不允许（code=action_refused），或已被他人处理（code=conflict）；未写入任何数据"),
}
ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)


def _staff_only(user, message):
    if not selectors.is_staff_user(user):
        raise PermissionDenied(message)


# ---------------------------------------------------------------------------------------------
# Output


class DeliveryClauseRef(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    policy = serializers.CharField(source="policy.title", read_only=True)
    mode = serializers.CharField(read_only=True, help_text="apply 依申请 / auto 免申即享")
    department = serializers.CharField(
        source="department.code", read_only=True, allow_null=True, help_text="兑现部门 (its code)"
    )


class DeliveryEnterpriseRef(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    credit_code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class DecisionOutput(serializers.Serializer):
    approved = serializers.BooleanField(read_only=True)
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True, allow_null=True)
    reason = serializers.CharField(read_only=True)
    by_name = serializers.CharField(read_only=True, help_text="审批人")
    at = serializers.DateTimeField(read_only=True)
    recorded_as = serializers.ChoiceField(choices=["resolve", "note"], read_only=True,
                                          help_text="写入台账事项的方式：办结（成果）或进展说明")  # fmt: skip


class ApplicationOutput(serializers.ModelSerializer):
    clause = DeliveryClauseRef(read_only=True)
    enterprise = DeliveryEnterpriseRef(read_only=True)
    item = serializers.IntegerField(source="item_id", read_only=True, help_text="台账事项 ID（/api/items/{id}/）")
    item_number = serializers.CharField(source="item.number", read_only=True)
    item_status = serializers.CharField(source="item.status", read_only=True)
    item_version = serializers.IntegerField(source="item.version", read_only=True,
                                            help_text="台账事项版本：决定时作为 version 传回")  # fmt: skip
    decision = serializers.SerializerMethodField()
    granted_amount = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = ["id", "clause", "enterprise", "amount", "rule_version", "submitted_at", "item", "item_number",
                  "item_status", "item_version", "decision", "granted_amount"]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(DecisionOutput(allow_null=True))
    def get_decision(self, obj) -> dict | None:
        decision = selectors.application_decision(obj)
        return None if decision is None else DecisionOutput(decision).data

    @extend_schema_field(OpenApiTypes.DECIMAL)
    def get_granted_amount(self, obj) -> str | None:
        grant = getattr(obj, "grant", None)
        return None if grant is None else f"{grant.amount:.2f}"


class PoliciesForMeClauseOutput(serializers.Serializer):
    clause = DeliveryClauseRef(read_only=True)
    result = serializers.ChoiceField(choices=["eligible", "unknown"], read_only=True)
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True, allow_null=True,
                                      help_text="测算金额（元）")  # fmt: skip
    condition_text = serializers.CharField(read_only=True, help_text="申报条件（当前语言的文字）")
    missing = serializers.ListField(child=serializers.CharField(), read_only=True, help_text="缺失的数据（名称）")
    explanation = ExplanationOutput(read_only=True)
    application = serializers.IntegerField(read_only=True, allow_null=True, help_text="已提交的申请 ID")
    granted_amount = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True, allow_null=True)
    pending_batch = serializers.BooleanField(read_only=True, help_text="已在待审核的兑现批次中（免申即享）")


class PoliciesForMeOutput(serializers.Serializer):
    enterprise = DeliveryEnterpriseRef(read_only=True)
    total = serializers.DecimalField(max_digits=18, decimal_places=2, read_only=True, help_text="符合条款测算金额合计")
    eligible = PoliciesForMeClauseOutput(many=True, read_only=True)
    unknown = PoliciesForMeClauseOutput(many=True, read_only=True)


class NotificationOutput(serializers.ModelSerializer):
    clause = DeliveryClauseRef(read_only=True)
    enterprise = DeliveryEnterpriseRef(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "clause", "enterprise", "rule_version", "amount", "created_at", "read_at"]
        read_only_fields = fields


class NotificationReadOutput(serializers.Serializer):
    marked = serializers.IntegerField(read_only=True, help_text="本次标为已读的条数")


class GrantBatchOutput(serializers.ModelSerializer):
    clause = DeliveryClauseRef(read_only=True)
    line_count = serializers.IntegerField(read_only=True, help_text="批次企业数")
    total = serializers.DecimalField(max_digits=18, decimal_places=2, read_only=True, help_text="批次金额（元）")
    granted_count = serializers.IntegerField(read_only=True, help_text="已兑现企业数")

    class Meta:
        model = GrantBatch
        fields = ["id", "clause", "status", "rule_version", "line_count", "total", "granted_count", "created_at",
                  "reviewed_at", "note", "version"]  # fmt: skip
        read_only_fields = fields


# ---------------------------------------------------------------------------------------------
# Input


def _clause_field(**kwargs):
    message = _("未知的条款编号或条款未发布：{value}")
    return serializers.SlugRelatedField(
        slug_field="code",
        queryset=PolicyClause.objects.none(),  # set per request: published clauses only
        error_messages={"does_not_exist": message, "invalid": message},
        help_text="条款编号（如 wgy-03）",
        **kwargs,
    )


class _ClauseInput(serializers.Serializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clause"].queryset = selectors.clause_list(published_only=True)


class ApplicationInput(_ClauseInput):
    clause = _clause_field()
    enterprise = serializers.IntegerField(required=False, help_text="企业 ID（关联多家企业时必填，默认第一家）")
    contact_name = serializers.CharField(max_length=32, required=False, help_text="联系人（默认取名录）")
    contact_phone = serializers.CharField(max_length=20, required=False, help_text="联系电话（默认取名录）")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class DecideInput(serializers.Serializer):
    approve = serializers.BooleanField(help_text="true 同意兑现，false 不予兑现")
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, required=False, allow_null=True,
                                      default=None, help_text="兑现金额（元），默认测算金额")  # fmt: skip
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="",
                                   help_text="理由或说明（不予兑现时必填）")  # fmt: skip
    version = serializers.IntegerField(required=False, allow_null=True, default=None,
                                       help_text="台账事项版本（item_version）；已被他人修改时返回 409")  # fmt: skip


class BatchCreateInput(_ClauseInput):
    clause = _clause_field()


class BatchApproveInput(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text="客户端看到的批次版本；已被他人处理时返回 409")


class BatchRejectInput(BatchApproveInput):
    note = serializers.CharField(max_length=500, help_text="退回理由")


def _parse(input_class, request) -> dict:
    serializer = input_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# ---------------------------------------------------------------------------------------------
# Policies for me


def _mine(enterprise) -> dict:
    overview = selectors.mine_overview(enterprise=enterprise)
    row = selectors.enterprise_row(enterprise=enterprise)
    today = timezone.localdate()

    def entry(e, result):
        clause, match = e["clause"], e["match"]
        return {
            "clause": clause,
            "result": result,
            "amount": match.amount,
            "condition_text": e["condition_text"],
            "missing": e.get("missing_labels", []),
            "explanation": selectors.clause_explain(row=row, clause=clause, reference_date=today),
            "application": e["application"].pk if e["application"] else None,
            "granted_amount": e["grant"].amount if e["grant"] else None,
            "pending_batch": e["pending_batch"],
        }

    return {
        "enterprise": enterprise,
        "total": overview["total"],
        "eligible": [entry(e, "eligible") for e in overview["eligible"]],
        "unknown": [entry(e, "unknown") for e in overview["unknown"]],
    }


class PoliciesForMeView(APIView):
    @extend_schema(
        operation_id="policies_for_me",
        summary="我的政策：本企业符合及数据缺失的条款，含测算金额和逐条说明",
        tags=TAGS,
        parameters=[OpenApiParameter("enterprise", OpenApiTypes.INT, description="企业 ID（关联多家企业时选择）")],
        responses={200: PoliciesForMeOutput, **READ_ERRORS},
    )
    def get(self, request):
        raw = request.query_params.get("enterprise", "")
        if raw and not raw.isdigit():
            raise Http404
        enterprise = selectors.my_enterprise(user=request.user, pk=int(raw) if raw else None)
        if enterprise is None:
            raise PermissionDenied(_("您的账号尚未关联企业，只有企业用户可以查看“我的政策”。"))
        return Response(PoliciesForMeOutput(_mine(enterprise)).data)


# ---------------------------------------------------------------------------------------------
# Notifications


@extend_schema_view(
    list=extend_schema(operation_id="policy_notification_list", summary="政策推送（本人关联企业的）", tags=TAGS),
)
class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = NotificationOutput
    queryset = Notification.objects.none()
    filter_backends: list = []
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return selectors.notification_list(user=self.request.user)

    @extend_schema(operation_id="policy_notification_read", summary="标为已读", tags=TAGS, request=None,
                   parameters=[ID], responses={200: NotificationReadOutput, **READ_ERRORS})  # fmt: skip
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = self.get_queryset().filter(pk=pk).first()
        if notification is None:
            raise Http404
        return Response({"marked": delivery.notification_read(user=request.user, notification=notification)})

    @extend_schema(operation_id="policy_notification_read_all", summary="全部标为已读", tags=TAGS, request=None,
                   responses={200: NotificationReadOutput})  # fmt: skip
    @action(detail=False, methods=["post"], url_path="read-all", url_name="read-all")
    def read_all(self, request):
        return Response({"marked": delivery.notification_read(user=request.user)})


# ---------------------------------------------------------------------------------------------
# Applications (依申请) and their decisions


@extend_schema_view(
    list=extend_schema(operation_id="policy_application_list", summary="政策兑现申请（本人范围内的）", tags=TAGS),
    retrieve=extend_schema(operation_id="policy_application_get", summary="申请详情（含兑现决定）", tags=TAGS,
                           responses={200: ApplicationOutput, **READ_ERRORS}),
)  # fmt: skip
class ApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ApplicationOutput
    queryset = Application.objects.none()
    filter_backends: list = []
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return selectors.application_list(user=self.request.user)

    @extend_schema(
        operation_id="policy_application_submit",
        summary="一键申请（依申请条款，信息取自市场主体名录）",
        description="企业用户为本企业申请；不符合条件、数据缺失、已申请、免申即享条款或政策失效时返回 409。",
        tags=TAGS,
        request=ApplicationInput,
        responses={201: ApplicationOutput, **ACTION_ERRORS},
    )
    def create(self, request):
        data = _parse(ApplicationInput, request)
        enterprise = selectors.my_enterprise(user=request.user, pk=data.pop("enterprise", None))
        if enterprise is None:
            raise PermissionDenied(_("您的账号尚未关联企业，只有企业用户可以申请。"))
        application = delivery.application_submit(actor=request.user, enterprise=enterprise, **data)
        application = selectors.application_get(user=request.user, pk=application.pk)
        return Response(ApplicationOutput(application).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="policy_application_decide",
        summary="兑现决定：同意（记录兑现，受预算和政策有效期约束）或不予兑现（须说明理由）",
        description="兑现部门的承办人、领导或管理员；决定写入台账事项的办理日志。重复决定返回 409。",
        tags=TAGS,
        parameters=[ID],
        request=DecideInput,
        responses={200: ApplicationOutput, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        application = selectors.application_get(user=request.user, pk=pk)
        delivery.application_decide(actor=request.user, application=application, **_parse(DecideInput, request))
        return Response(ApplicationOutput(selectors.application_get(user=request.user, pk=pk)).data)


# ---------------------------------------------------------------------------------------------
# Grant batches (免申即享)


@extend_schema_view(
    list=extend_schema(
        operation_id="grant_batch_list",
        summary="兑现批次（工作人员）",
        tags=TAGS,
        parameters=[
            OpenApiParameter("clause", OpenApiTypes.STR, description="条款编号"),
            OpenApiParameter("status", OpenApiTypes.STR, enum=GrantBatchStatus.values, description="状态"),
        ],
        responses={200: GrantBatchOutput(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(operation_id="grant_batch_get", summary="兑现批次详情", tags=TAGS,
                           responses={200: GrantBatchOutput, **READ_ERRORS}),
)  # fmt: skip
class GrantBatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = GrantBatchOutput
    queryset = GrantBatch.objects.none()
    filter_backends: list = []
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        _staff_only(self.request.user, _("只有工作人员可以查看兑现批次。"))
        qs = selectors.batch_list()
        params = self.request.query_params
        if params.get("clause"):
            qs = qs.filter(clause__code=params["clause"])
        if params.get("status"):
            qs = qs.filter(status=params["status"])
        return qs

    def _batch(self, pk) -> GrantBatch:
        batch = self.get_queryset().filter(pk=pk).first()
        if batch is None:
            raise Http404
        return batch

    @extend_schema(
        operation_id="grant_batch_create",
        summary="生成兑现批次（免申即享条款的待兑现企业）",
        tags=TAGS,
        request=BatchCreateInput,
        responses={201: GrantBatchOutput, **ACTION_ERRORS},
    )
    def create(self, request):
        _staff_only(request.user, _("只有工作人员可以生成兑现批次。"))
        batch = delivery.grant_batch_create(actor=request.user, **_parse(BatchCreateInput, request))
        return Response(GrantBatchOutput(self._batch(batch.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="grant_batch_approve",
        summary="审批兑现批次（超预算或政策失效时拒绝；重复审批只兑现一次）",
        tags=TAGS,
        parameters=[ID],
        request=BatchApproveInput,
        responses={200: GrantBatchOutput, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        batch = self._batch(pk)
        delivery.grant_batch_approve(batch=batch, actor=request.user, **_parse(BatchApproveInput, request))
        return Response(GrantBatchOutput(self._batch(pk)).data)

    @extend_schema(
        operation_id="grant_batch_reject",
        summary="退回兑现批次（须说明理由）",
        tags=TAGS,
        parameters=[ID],
        request=BatchRejectInput,
        responses={200: GrantBatchOutput, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        batch = self._batch(pk)
        delivery.grant_batch_reject(batch=batch, actor=request.user, **_parse(BatchRejectInput, request))
        return Response(GrantBatchOutput(self._batch(pk)).data)
