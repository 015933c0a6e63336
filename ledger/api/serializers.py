"""Serializers of the ledger API: Input serializers parse a request into the keyword arguments of a
service, Output serializers shape what a user may see. Neither holds business rules: services
validate and write, ``ledger.scope`` decides what is masked."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.privacy import masked_changes
from ledger.machine import SYSTEM_ACTIONS, Action
from ledger.models import (
    Callback,
    Category,
    Channel,
    Item,
    ItemEvent,
    Kind,
    Measure,
    Priority,
    Result,
    ResultKind,
    Satisfaction,
    Status,
    SubmitterType,
)
from ledger.scope import available_actions, item_contact_rule, submitter_contact
from ledger.selectors import item_submitters
from org.models import Department, Division

User = get_user_model()

# The actions users take (the reconcile run's events and a merge's survivor side are not among them).
USER_ACTIONS = [(value, label) for value, label in Action.choices if value not in SYSTEM_ACTIONS]


# ---------------------------------------------------------------------------------------------
# Fields: objects named by code or username


def _by_code(queryset, message):
    return dict(slug_field="code", queryset=queryset, error_messages={"does_not_exist": message, "invalid": message})


def CategoryCode(**kwargs):
    return serializers.SlugRelatedField(
        **_by_code(Category.objects.all(), _("未知的分类代码：{value}")), help_text=_("分类代码"), **kwargs
    )


def DivisionCode(**kwargs):
    return serializers.SlugRelatedField(
        **_by_code(Division.objects.all(), _("未知的区划代码：{value}")), help_text=_("区划代码"), **kwargs
    )


def DepartmentCode(**kwargs):
    return serializers.SlugRelatedField(
        **_by_code(Department.objects.all(), _("未知的部门代码：{value}")), help_text=_("部门代码"), **kwargs
    )


def Username(**kwargs):
    message = _("未知的用户：{value}")
    return serializers.SlugRelatedField(
        slug_field="username",
        queryset=User.objects.filter(is_active=True),
        error_messages={"does_not_exist": message, "invalid": message},
        **kwargs,
    )


def UsernameOut(help_text, **kwargs):
    return serializers.SlugRelatedField(slug_field="username", read_only=True, help_text=help_text, **kwargs)


# ---------------------------------------------------------------------------------------------
# Errors (core.api.exception_handler gives every error this shape)


# ---------------------------------------------------------------------------------------------
# Output


class MeasureOutput(serializers.ModelSerializer):
    owner = UsernameOut(_("责任人用户名"))
    owner_name = serializers.CharField(source="owner.person.name", read_only=True, allow_null=True)
    done = serializers.SerializerMethodField()

    class Meta:
        model = Measure
        fields = ["id", "text", "owner", "owner_name", "due", "done", "done_at", "created_at"]
        read_only_fields = fields

    def get_done(self, measure) -> bool:
        return measure.done_at is not None


class MeasureRowOutput(MeasureOutput):
    """A row of the measure list (解决措施清单): the measure and its item."""

    item = serializers.PrimaryKeyRelatedField(read_only=True)
    item_number = serializers.CharField(source="item.number", read_only=True)
    item_title = serializers.CharField(source="item.title", read_only=True)
    item_status = serializers.ChoiceField(source="item.status", choices=Status.choices, read_only=True)

    class Meta(MeasureOutput.Meta):
        fields = ["item", "item_number", "item_title", "item_status", *MeasureOutput.Meta.fields]
        read_only_fields = fields


class ResultOutput(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    created_by = UsernameOut(_("填报人用户名"))
    created_by_name = serializers.CharField(source="created_by.person.name", read_only=True, allow_null=True)

    class Meta:
        model = Result
        fields = ["id", "kind", "kind_display", "text", "amount", "created_by", "created_by_name", "created_at"]
        read_only_fields = fields


class ResultRowOutput(ResultOutput):
    """A row of the result list (成果转化清单): the result and its item."""

    item = serializers.PrimaryKeyRelatedField(read_only=True)
    item_number = serializers.CharField(source="item.number", read_only=True)
    item_title = serializers.CharField(source="item.title", read_only=True)

    class Meta(ResultOutput.Meta):
        fields = ["item", "item_number", "item_title", *ResultOutput.Meta.fields]
        read_only_fields = fields


class CallbackOutput(serializers.ModelSerializer):
    by = UsernameOut(_("回访人用户名"))
    by_name = serializers.CharField(source="by.person.name", read_only=True, allow_null=True)

    class Meta:
        model = Callback
        fields = ["id", "submitter", "satisfaction", "solved", "note", "by", "by_name", "at"]
        read_only_fields = fields
        extra_kwargs = {"submitter": {"help_text": _("回访对象：合并而来的诉求人 ID；为空时是事项本身的诉求人")}}


class SubmitterOutput(serializers.Serializer):
    """One submitter of the item: its own ("primary") or one of a repeat merged into it."""

    key = serializers.CharField(help_text=_("primary：事项本身的诉求人；否则为合并而来的诉求人 ID（回访时用）"))
    submitter_type = serializers.ChoiceField(choices=SubmitterType.choices)
    name = serializers.CharField()
    phone = serializers.CharField(help_text=_("按角色可能已脱敏"))
    id_number = serializers.CharField(help_text=_("按角色可能已脱敏"))
    enterprise_name = serializers.CharField()
    enterprise_credit_code = serializers.CharField()
    merged_from = serializers.IntegerField(allow_null=True, help_text=_("来自哪个重复件（事项 ID）"))
    called_back = serializers.BooleanField(help_text=_("本轮已回访"))


class ItemOutput(serializers.ModelSerializer):
    """An item as a row of the ledger. The submitter's phone and ID number are masked unless the
    user's role needs them (``scope.submitter_contact``)."""

    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    channel_display = serializers.CharField(source="get_channel_display", read_only=True)
    priority_display = serializers.CharField(source="get_priority_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    category_name = serializers.StringRelatedField(source="category", read_only=True)
    division = serializers.SlugRelatedField(slug_field="code", read_only=True)
    division_name = serializers.CharField(source="division.name", read_only=True)
    department = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    department_name = serializers.CharField(source="department.name", read_only=True, allow_null=True)
    first_receiver = UsernameOut(_("首接人用户名"))
    first_receiver_name = serializers.CharField(source="first_receiver.person.name", read_only=True, allow_null=True)
    handler = UsernameOut(_("责任人用户名"), allow_null=True)
    handler_name = serializers.CharField(source="handler.person.name", read_only=True, allow_null=True)
    sponsor = UsernameOut(_("包保领导用户名"), allow_null=True)
    sponsor_name = serializers.CharField(source="sponsor.person.name", read_only=True, allow_null=True)
    submitter_phone = serializers.CharField(read_only=True, help_text=_("按角色可能已脱敏，如 138****5678"))
    submitter_id_number = serializers.CharField(read_only=True, help_text=_("按角色可能已脱敏"))
    is_overdue = serializers.BooleanField(read_only=True, help_text=_("已超期"))
    is_at_risk = serializers.BooleanField(read_only=True, help_text=_("即将到期"))

    class Meta:
        model = Item
        fields = [
            "id",
            "number",
            "version",
            "title",
            "description",
            "kind",
            "kind_display",
            "channel",
            "channel_display",
            "category",
            "category_name",
            "priority",
            "priority_display",
            "status",
            "status_display",
            "submitter_type",
            "submitter_name",
            "submitter_phone",
            "submitter_id_number",
            "enterprise_name",
            "enterprise_credit_code",
            "division",
            "division_name",
            "address",
            "first_receiver",
            "first_receiver_name",
            "department",
            "department_name",
            "handler",
            "handler_name",
            "sponsor",
            "sponsor_name",
            "opened_at",
            "dispatched_at",
            "acknowledged_at",
            "resolved_at",
            "closed_at",
            "acknowledge_due",
            "resolve_due",
            "due_provisional",
            "pending_extension_due",
            "pending_extension_reason",
            "satisfaction",
            "redo_count",
            "supervised",
            "urge_count",
            "merged_into",
            "is_overdue",
            "is_at_risk",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, item):
        data = super().to_representation(item)
        contact = submitter_contact(self.context["request"].user, item)
        data["submitter_phone"] = contact["phone"]
        data["submitter_id_number"] = contact["id_number"]
        return data


class ItemDetailOutput(ItemOutput):
    """An item with its three lists and what the user may do with it now."""

    available_actions = serializers.SerializerMethodField(help_text=_("当前用户现在可以执行的操作"))
    measures = MeasureOutput(many=True, read_only=True)
    results = ResultOutput(many=True, read_only=True)
    callbacks = CallbackOutput(many=True, read_only=True)
    submitters = serializers.SerializerMethodField(help_text=_("全部诉求人：事项本身的和合并而来的，每人都须回访"))

    class Meta(ItemOutput.Meta):
        fields = [*ItemOutput.Meta.fields, "available_actions", "submitters", "measures", "results", "callbacks"]
        read_only_fields = fields

    @extend_schema_field(SubmitterOutput(many=True))
    def get_submitters(self, item) -> list[dict]:
        user = self.context["request"].user
        rows = [
            {
                "key": row.party.key,
                "submitter_type": row.party.submitter_type,
                "name": row.party.name,
                "phone": row.contact["phone"],
                "id_number": row.contact["id_number"],
                "enterprise_name": row.party.enterprise_name,
                "enterprise_credit_code": row.party.enterprise_credit_code,
                "merged_from": row.party.extra.merged_from_id if row.party.extra else None,
                "called_back": row.callback is not None,
            }
            for row in item_submitters(user=user, item=item, callbacks=item.callbacks.all())
        ]
        return SubmitterOutput(rows, many=True).data

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=USER_ACTIONS)))
    def get_available_actions(self, item) -> list[str]:
        return [str(a) for a in available_actions(self.context["request"].user, item)]


class EventOutput(serializers.ModelSerializer):
    """One row of the item's timeline. Phone and ID numbers in ``changes`` are masked like the item's."""

    action_display = serializers.SerializerMethodField()
    actor = UsernameOut(_("操作人用户名；为空时是系统（对账）"), allow_null=True)
    actor_name = serializers.CharField(source="actor.person.name", read_only=True, allow_null=True)
    changes = serializers.SerializerMethodField(help_text=_("变更的字段：{字段: [原值, 新值]}"))

    class Meta:
        model = ItemEvent
        fields = [
            "id",
            "action",
            "action_display",
            "from_status",
            "to_status",
            "actor",
            "actor_name",
            "at",
            "reason",
            "changes",
            "measure",
            "result",
            "request_id",
        ]
        read_only_fields = fields
        extra_kwargs = {"action": {"help_text": _("操作代码，见 Action")}}

    def get_action_display(self, event) -> str:
        return str(Action(event.action).label) if event.action in Action.values else event.action

    @extend_schema_field(serializers.DictField(child=serializers.ListField(child=serializers.JSONField())))
    def get_changes(self, event):
        rule = item_contact_rule(self.context["request"].user, self.context["item"])
        return masked_changes(event.changes, rule, phone="submitter_phone", id_number="submitter_id_number")


class CategoryOutput(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Category
        fields = ["code", "name", "parent", "keywords", "active"]
        read_only_fields = fields


class TokenOutput(serializers.Serializer):
    token = serializers.CharField(help_text=_("在请求头中使用：Authorization: Token <token>"))


# ---------------------------------------------------------------------------------------------
# Input


class ItemOpenInput(serializers.Serializer):
    """Open an item (受理立账). The actor becomes its first receiver (首接人)."""

    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=4000)
    kind = serializers.ChoiceField(choices=Kind.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    category = CategoryCode()
    division = DivisionCode()
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
    submitter_type = serializers.ChoiceField(choices=SubmitterType.choices)
    submitter_name = serializers.CharField(max_length=64, required=False, allow_blank=True)
    submitter_phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    submitter_id_number = serializers.CharField(max_length=32, required=False, allow_blank=True)
    enterprise_name = serializers.CharField(max_length=128, required=False, allow_blank=True)
    enterprise_credit_code = serializers.CharField(max_length=32, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ActionInput(serializers.Serializer):
    """What every action takes: the version the client saw (or an If-Match header)."""

    version = serializers.IntegerField(
        min_value=1, required=False, help_text=_("客户端看到的事项版本；已被他人修改时返回 409")
    )


def Reason(*, required=False, max_length=1000):
    if required:
        return serializers.CharField(max_length=max_length, allow_blank=True)
    return serializers.CharField(max_length=max_length, required=False, allow_blank=True, default="")


class ReasonInput(ActionInput):
    reason = Reason()


class RequiredReasonInput(ActionInput):
    reason = Reason(required=True)


class DispatchInput(ActionInput):
    department = DepartmentCode()
    handler = Username(required=False, allow_null=True, help_text=_("责任人用户名（承办部门的人员）"))
    sponsor = Username(required=False, allow_null=True, help_text=_("包保领导用户名"))
    resolve_by = serializers.DateField(
        required=False, allow_null=True, help_text=_("指定办结期限（日期）；不填则按办理时限计算")
    )
    reason = Reason()


class MeasureInput(ActionInput):
    text = serializers.CharField(max_length=500, allow_blank=True)
    due = serializers.DateField()
    owner = Username(required=False, allow_null=True, help_text=_("责任人用户名；不填则为操作人"))


class NoteInput(ActionInput):
    text = serializers.CharField(max_length=1000, allow_blank=True)


class ExtensionRequestInput(ActionInput):
    until = serializers.DateField(help_text=_("延期至（日期），须晚于当前办结期限"))
    reason = Reason(required=True)


class ResolveInput(ActionInput):
    result_kind = serializers.ChoiceField(choices=ResultKind.choices)
    result_text = serializers.CharField(max_length=1000, allow_blank=True)
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, help_text=_("金额（元），资金支持时必填")
    )
    reason = Reason()


class CallbackInput(ActionInput):
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)
    solved = serializers.BooleanField()
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    submitter = serializers.CharField(
        max_length=20,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("回访对象：submitters 中的 key；不填则为本轮尚未回访的第一位"),
    )


class MergeInput(ActionInput):
    """Merge this item, a repeat (重复件), into another item that is not closed."""

    into = serializers.PrimaryKeyRelatedField(
        queryset=Item.objects.all(),
        help_text=_("并入的事项 ID"),
        error_messages={"does_not_exist": _("事项 {pk_value} 不存在。"), "incorrect_type": _("事项 ID 须为整数。")},
    )
    into_version = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, default=None, help_text=_("客户端看到的并入事项版本")
    )
    reason = Reason(required=True)


class EditInput(ActionInput):
    """Correct an item before it is dispatched (again). Only the fields given change."""

    reason = Reason(required=True)
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(max_length=4000, required=False)
    kind = serializers.ChoiceField(choices=Kind.choices, required=False)
    category = CategoryCode(required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    division = DivisionCode(required=False)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)

    def validate(self, attrs):
        if not set(attrs) - {"version", "reason"}:
            raise serializers.ValidationError(_("请至少提供一个要修改的字段。"))
        return attrs
