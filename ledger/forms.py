"""Forms of the ledger pages. They only parse what the user typed; the services validate it.

Each action on an item has its own small form. Every action form carries the item's ``version``
so that a page left open while someone else changed the item gets a conflict, not an overwrite."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from core.forms import date_input
from ledger.models import Category, Channel, Item, Kind, Priority, ResultKind, Satisfaction, SubmitterType
from ledger.selectors import item_list
from ledger.submitters import item_parties, pending_callbacks
from org.actor import division_codes
from org.models import Department, Division, Role
from org.selectors import departments_for_division

User = get_user_model()


def _required(widget: forms.Widget) -> forms.Widget:
    """Ask the browser to insist on a value the service will insist on anyway."""
    widget.attrs["required"] = True
    return widget


def category_choices() -> list:
    """Leaf categories grouped by their parent, for a select with <optgroup>s."""
    leaves = Category.objects.filter(active=True, children__isnull=True).select_related("parent")
    groups: dict[str, list] = {}
    for category in leaves.order_by("parent__code", "code"):
        group = category.parent.name if category.parent_id else str(_("其他"))
        groups.setdefault(group, []).append((category.pk, category.name))
    return [("", "—")] + list(groups.items())


class CategoryField(forms.TypedChoiceField):
    """A select of leaf categories grouped by parent that cleans to a Category."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("分类"))
        super().__init__(choices=category_choices, coerce=int, empty_value=None, **kwargs)

    def clean(self, value):
        pk = super().clean(value)
        if pk is None:
            return None
        category = Category.objects.filter(pk=pk).first()
        if category is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": pk}
            )
        return category


class PersonChoiceField(forms.ModelChoiceField):
    """Users shown by their person's name (and department)."""

    def label_from_instance(self, user):
        person = getattr(user, "person", None)
        if person is None:
            return user.get_username()
        if person.department_id:
            return _("%(name)s（%(unit)s）") % {"name": person.name, "unit": person.department.name}
        return _("%(name)s（%(unit)s）") % {"name": person.name, "unit": person.division.name}


def _users(**filters):
    return (
        User.objects.filter(**filters).select_related("person__department", "person__division").order_by("person__name")
    )


# ---------------------------------------------------------------------------------------------
# Actions on an item


class ActionForm(forms.Form):
    """The base of every action form: the version the user saw, and the item acted on."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, item: Item, user, **kwargs):
        self.item = item
        self.user = user
        kwargs.setdefault("initial", {}).setdefault("version", item.version)
        super().__init__(*args, **kwargs)

    def changes(self) -> dict:
        """The item's fields the action changes besides its own (only an edit has any)."""
        return {}


class ReasonForm(ActionForm):
    """Acknowledge, approve an extension, sign off: an optional remark. Each action names it its own
    way, so that every label on the page is distinct."""

    reason_label = _("说明")
    reason = forms.CharField(required=False, max_length=1000, widget=forms.TextInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = self.reason_label


class AcknowledgeForm(ReasonForm):
    reason_label = _("签收说明（可选）")


class ApproveExtensionForm(ReasonForm):
    reason_label = _("同意说明（可选）")


class SignOffForm(ReasonForm):
    reason_label = _("销号说明（可选）")


class RequiredReasonForm(ReasonForm):
    """Return, refuse an extension, supervise, urge: the service requires the reason."""

    reason_label = _("理由")
    reason = forms.CharField(required=False, max_length=1000, widget=_required(forms.Textarea(attrs={"rows": 2})))


class ReturnForm(RequiredReasonForm):
    reason_label = _("退单理由")


class RefuseExtensionForm(RequiredReasonForm):
    reason_label = _("不同意理由")


class SuperviseForm(RequiredReasonForm):
    reason_label = _("督办要求")


class UrgeForm(RequiredReasonForm):
    reason_label = _("催办内容")


class DispatchForm(ActionForm):
    department = forms.ModelChoiceField(
        label=_("承办部门"),
        queryset=Department.objects.none(),
        empty_label="—",
        error_messages={"required": _("请选择承办部门。")},
    )
    handler = PersonChoiceField(
        label=_("责任人（可选）"), queryset=User.objects.none(), required=False, empty_label="—"
    )
    sponsor = PersonChoiceField(
        label=_("包保领导（可选）"), queryset=User.objects.none(), required=False, empty_label="—"
    )
    resolve_by = forms.DateField(label=_("办结期限（可选）"), required=False, widget=date_input())
    reason = forms.CharField(label=_("派单说明"), required=False, max_length=1000, widget=forms.TextInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        division = self.item.division
        departments = departments_for_division(division=division).select_related("division")
        self.fields["department"].queryset = departments
        self.fields["handler"].queryset = _users(person__role=Role.HANDLER, person__department__in=departments)
        chain = division_codes(division)
        self.fields["sponsor"].queryset = _users(person__role=Role.LEADER, person__division__code__in=chain)
        if self.item.sponsor_id:
            self.fields["sponsor"].initial = self.item.sponsor_id


class AddMeasureForm(ActionForm):
    text = forms.CharField(
        label=_("措施内容"), required=False, max_length=500, widget=_required(forms.Textarea(attrs={"rows": 2}))
    )
    due = forms.DateField(label=_("完成期限"), required=False, widget=_required(date_input()))
    owner = PersonChoiceField(
        label=_("责任人（默认本人）"), queryset=User.objects.none(), required=False, empty_label="—"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.item.department_id:
            self.fields["owner"].queryset = _users(person__department_id=self.item.department_id)


class CompleteMeasureForm(ActionForm):
    measure = forms.ModelChoiceField(
        label=_("完成的措施"),
        queryset=None,
        empty_label=None,
        error_messages={"required": _("请选择措施。"), "invalid_choice": _("该措施不存在或已完成。")},
    )
    reason = forms.CharField(label=_("完成情况"), required=False, max_length=1000, widget=forms.TextInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure"].queryset = self.item.measures.filter(done_at__isnull=True).select_related("item")


class NoteForm(ActionForm):
    text = forms.CharField(
        label=_("进展情况"), required=False, max_length=1000, widget=_required(forms.Textarea(attrs={"rows": 2}))
    )


class RequestExtensionForm(ActionForm):
    until = forms.DateField(label=_("延期至"), required=False, widget=_required(date_input()))
    reason = forms.CharField(
        label=_("延期理由"), required=False, max_length=1000, widget=_required(forms.Textarea(attrs={"rows": 2}))
    )


class ResolveForm(ActionForm):
    result_kind = forms.ChoiceField(
        label=_("成果类型"), choices=[("", "—"), *ResultKind.choices], required=False, widget=_required(forms.Select())
    )
    result_text = forms.CharField(
        label=_("办理结果"), required=False, max_length=1000, widget=_required(forms.Textarea(attrs={"rows": 3}))
    )
    amount = forms.DecimalField(
        label=_("金额（元）"),
        required=False,
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput({"step": "0.01"}),
    )


class CallbackForm(ActionForm):
    """With several submitters (repeats merged into the item), the call-taker picks the one called:
    those not yet called back in this round are offered, the first of them by default."""

    submitter = forms.ChoiceField(label=_("回访对象"), required=False)
    satisfaction = forms.ChoiceField(
        label=_("满意度"), choices=Satisfaction.choices, required=False, widget=forms.RadioSelect
    )
    solved = forms.BooleanField(label=_("问题已解决"), required=False)
    note = forms.CharField(
        label=_("回访记录"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        parties = item_parties(self.item)
        pending = pending_callbacks(self.item, parties)
        if len([p for p in parties if p.callable]) > 1:
            self.fields["submitter"].choices = [(p.key, p.label) for p in pending]
            if pending:
                self.fields["submitter"].initial = pending[0].key
        else:  # one submitter: nothing to choose, as before merging existed
            self.fields["submitter"].widget = forms.HiddenInput()
            self.fields["submitter"].choices = [(p.key, p.label) for p in parties]

    def clean_submitter(self):
        return self.cleaned_data.get("submitter") or None


class MergeForm(ActionForm):
    """Merge this item, a repeat (重复件), into another: typed as the other's number, or sent by the
    repeats panel with its id and the version the user saw."""

    into = forms.CharField(
        label=_("并入事项（编号）"), required=False, max_length=20, widget=_required(forms.TextInput())
    )
    into_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    reason = forms.CharField(
        label=_("合并理由"), required=False, max_length=1000, widget=_required(forms.Textarea(attrs={"rows": 2}))
    )

    def clean_into(self):
        value = (self.cleaned_data.get("into") or "").strip().lstrip("#")
        if not value:
            raise forms.ValidationError(_("请填写要并入的事项编号。"))
        visible = item_list(user=self.user)
        found = visible.filter(number=value).first()
        if found is None and value.isdigit() and len(value) <= 10:
            found = visible.filter(pk=int(value)).first()
        if found is None:
            raise forms.ValidationError(_("找不到事项 %(number)s，或它不在您的管辖范围内。") % {"number": value})
        return found


class EditForm(ActionForm):
    title = forms.CharField(label=_("标题"), required=False, max_length=200)
    description = forms.CharField(
        label=_("诉求内容"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    kind = forms.ChoiceField(label=_("类型"), choices=Kind.choices)
    category = CategoryField()
    priority = forms.ChoiceField(label=_("紧急程度"), choices=Priority.choices)
    address = forms.CharField(label=_("地址"), required=False, max_length=200)
    reason = forms.CharField(label=_("修改理由"), required=False, max_length=1000, widget=_required(forms.TextInput()))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("title", "description", "kind", "priority", "address"):
            self.fields[name].initial = getattr(self.item, name)
        self.fields["category"].initial = self.item.category_id

    def changes(self) -> dict:
        """The editable fields the user actually changed."""
        fields = ("title", "description", "kind", "category", "priority", "address")
        return {f: self.cleaned_data[f] for f in fields if self.cleaned_data[f] != getattr(self.item, f)}


# ---------------------------------------------------------------------------------------------
# Intake (受理登记)


class DivisionCodeField(forms.CharField):
    """A division typed (or picked from a datalist) by its code; "350502001001 金山社区" also works."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        code = value.split()[0]
        division = Division.objects.filter(code=code).first()
        if division is None:
            raise forms.ValidationError(_("未知的区划代码：%(code)s"), code="unknown_division", params={"code": code})
        return division


class IntakeForm(forms.Form):
    title = forms.CharField(
        label=_("标题"), max_length=200, required=False, widget=_required(forms.TextInput(attrs={"autofocus": True}))
    )
    description = forms.CharField(
        label=_("诉求内容"), max_length=4000, required=False, widget=_required(forms.Textarea(attrs={"rows": 4}))
    )
    kind = forms.ChoiceField(label=_("类型"), choices=Kind.choices, initial=Kind.PROBLEM)
    channel = forms.ChoiceField(label=_("渠道"), choices=Channel.choices, initial=Channel.HOTLINE)
    category = CategoryField(required=True, error_messages={"required": _("请选择分类。")})
    division = DivisionCodeField(
        label=_("所在区划（代码）"),
        max_length=80,
        error_messages={"required": _("请填写所在区划。")},
        widget=forms.TextInput(attrs={"list": "division-options", "autocomplete": "off", "inputmode": "search"}),
        help_text=_("输入村（社区）或乡镇（街道）名称或代码，从列表中选择。"),
    )
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    priority = forms.ChoiceField(label=_("紧急程度"), choices=Priority.choices, initial=Priority.NORMAL)
    submitter_type = forms.ChoiceField(
        label=_("诉求人类型"), choices=SubmitterType.choices, initial=SubmitterType.RESIDENT, widget=forms.RadioSelect
    )
    submitter_name = forms.CharField(label=_("诉求人姓名"), max_length=64, required=False)
    submitter_phone = forms.CharField(
        label=_("联系电话"), max_length=32, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    submitter_id_number = forms.CharField(label=_("身份证号"), max_length=18, required=False)
    enterprise_name = forms.CharField(label=_("企业名称"), max_length=128, required=False)
    enterprise_credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=18, required=False)
    department = forms.ModelChoiceField(
        label=_("立即派单至（可选）"), queryset=Department.objects.none(), required=False, empty_label="—"
    )

    SUBMITTER_FIELDS = ("submitter_name", "submitter_phone", "submitter_id_number")
    ENTERPRISE_FIELDS = ("enterprise_name", "enterprise_credit_code")

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        if departments is None:
            del self.fields["department"]
        else:
            self.fields["department"].queryset = departments

    def open_kwargs(self) -> dict:
        """The keyword arguments for ``item_open``."""
        return {k: v for k, v in self.cleaned_data.items() if k != "department"}


# ---------------------------------------------------------------------------------------------
# The ledger's filter forms (the FilterSets live in ledger/filters.py; this only dresses them)
