"""The three lists as spreadsheets (台账导出): .xlsx for Excel and CSV (UTF-8 with BOM).

Each list is a table of ``Column``s over a values() queryset read in chunks, so 100,000 rows stay
fast and small in memory. The querysets come from the selectors (the viewer's scope) and the
FilterSets (the page's filters); phone and ID numbers are masked by the same rules as the pages."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exports import (
    CHUNK,
    DATE,
    DATETIME,
    NUMBER,
    Column,
    Sheet,
    cell_datetime,
    cell_label,
    cell_value,
    cell_yes_no,
)
from core.forms import tidy_filter_form
from core.privacy import masked_contact
from ledger.filters import ItemFilterSet, MeasureFilterSet, ResultFilterSet
from ledger.machine import ACTIVE_STATUSES
from ledger.models import Channel, Kind, Priority, ResultKind, Satisfaction, Status, SubmitterType
from ledger.scope import contact_rule
from ledger.selectors import dispatch_departments, item_list, measure_list, result_list
from org.actor import actor_of, division_codes
from org.models import Division


def _division_names() -> dict[str, str]:
    levels = (Division.Level.CITY, Division.Level.COUNTY, Division.Level.ZONE, Division.Level.TOWNSHIP)
    return dict(Division.objects.filter(level__in=levels).values_list("code", "name"))


def _path_part(index: int, names: dict[str, str]) -> Callable[[dict], str]:
    def value(row):
        parts = row["division_path"].split("/")
        return names.get(parts[index], "") if len(parts) > index + 1 else ""

    return value


def _contact(user) -> tuple[Callable[[dict], str], Callable[[dict], str]]:
    """Phone and ID number as the viewer may see them: ``scope.contact_rule``, asked per row with
    the two fields it reads, so no query per row."""
    actor = actor_of(user)

    def shown(row) -> dict[str, str]:
        rule = contact_rule(actor, submitter_user_id=row["submitter_user_id"], department_id=row["department_id"])
        return masked_contact(row["submitter_phone"], row["submitter_id_number"], rule)

    return (lambda row: shown(row)["phone"]), (lambda row: shown(row)["id_number"])


ITEM_FIELDS = (
    "number",
    "title",
    "description",
    "kind",
    "channel",
    "category__name",
    "category__parent__name",
    "priority",
    "division__code",
    "division__name",
    "division_path",
    "address",
    "submitter_type",
    "submitter_name",
    "submitter_phone",
    "submitter_id_number",
    "submitter_user_id",
    "enterprise_name",
    "enterprise_credit_code",
    "first_receiver__person__name",
    "department_id",
    "department__name",
    "handler__person__name",
    "sponsor__person__name",
    "status",
    "merged_into__number",
    "opened_at",
    "dispatched_at",
    "acknowledged_at",
    "acknowledge_due",
    "resolve_due",
    "resolved_at",
    "closed_at",
    "is_overdue",
    "is_at_risk",
    "satisfaction",
    "redo_count",
    "supervised",
    "urge_count",
)


def item_sheet(*, qs: QuerySet, user) -> Sheet:
    """The problem list (调研问题清单). ``qs`` is item_list(user=…) filtered by the ItemFilterSet."""
    names = _division_names()
    phone, id_number = _contact(user)
    columns = [
        Column(_("编号"), 16, cell_value("number")),
        Column(_("标题"), 30, cell_value("title")),
        Column(_("诉求内容"), 50, cell_value("description")),
        Column(_("类型"), 8, cell_label("kind", Kind.choices)),
        Column(_("渠道"), 12, cell_label("channel", Channel.choices)),
        Column(_("大类"), 12, cell_value("category__parent__name")),
        Column(_("分类"), 14, cell_value("category__name")),
        Column(_("紧急程度"), 8, cell_label("priority", Priority.choices)),
        Column(_("县（市、区）"), 12, _path_part(1, names)),
        Column(_("乡镇（街道）"), 14, _path_part(2, names)),
        Column(_("所在区划"), 18, cell_value("division__name")),
        Column(_("区划代码"), 14, cell_value("division__code")),
        Column(_("地址"), 24, cell_value("address")),
        Column(_("诉求人类型"), 10, cell_label("submitter_type", SubmitterType.choices)),
        Column(_("诉求人"), 10, cell_value("submitter_name")),
        Column(_("联系电话"), 14, phone),
        Column(_("身份证号"), 20, id_number),
        Column(_("企业名称"), 24, cell_value("enterprise_name")),
        Column(_("统一社会信用代码"), 20, cell_value("enterprise_credit_code")),
        Column(_("首接人"), 10, cell_value("first_receiver__person__name")),
        Column(_("承办部门"), 18, cell_value("department__name")),
        Column(_("责任人"), 10, cell_value("handler__person__name")),
        Column(_("包保领导"), 10, cell_value("sponsor__person__name")),
        Column(_("状态"), 8, cell_label("status", Status.choices)),
        Column(_("合并至"), 16, cell_value("merged_into__number")),  # a repeat merged into another item
        Column(_("受理时间"), 17, cell_datetime("opened_at"), DATETIME),
        Column(_("派单时间"), 17, cell_datetime("dispatched_at"), DATETIME),
        Column(_("签收时间"), 17, cell_datetime("acknowledged_at"), DATETIME),
        Column(_("签收期限"), 17, cell_datetime("acknowledge_due"), DATETIME),
        Column(_("办结期限"), 17, cell_datetime("resolve_due"), DATETIME),
        Column(_("办结时间"), 17, cell_datetime("resolved_at"), DATETIME),
        Column(_("销号时间"), 17, cell_datetime("closed_at"), DATETIME),
        Column(_("已超期"), 7, cell_yes_no("is_overdue")),
        Column(_("即将到期"), 8, cell_yes_no("is_at_risk")),
        Column(_("满意度"), 9, cell_label("satisfaction", Satisfaction.choices)),
        Column(_("重办次数"), 8, cell_value("redo_count"), NUMBER),
        Column(_("督办"), 6, cell_yes_no("supervised")),
        Column(_("催办次数"), 8, cell_value("urge_count"), NUMBER),
    ]
    rows = qs.order_by("-opened_at", "-pk").values(*ITEM_FIELDS).iterator(chunk_size=CHUNK)
    return Sheet("items", _("问题清单"), columns, rows)


MEASURE_FIELDS = (
    "item__number",
    "item__title",
    "item__status",
    "item__department__name",
    "text",
    "owner__person__name",
    "due",
    "done_at",
    "created_at",
)


def measure_sheet(*, qs: QuerySet) -> Sheet:
    """The measure list (解决措施清单). ``qs`` is measure_list(user=…) filtered by the MeasureFilterSet."""
    today = timezone.localdate()
    active = set(ACTIVE_STATUSES)
    yes, no = _("是"), _("否")  # resolved now: a streamed CSV is written after the request's language is gone
    columns = [
        Column(_("事项编号"), 16, cell_value("item__number")),
        Column(_("事项标题"), 30, cell_value("item__title")),
        Column(_("承办部门"), 18, cell_value("item__department__name")),
        Column(_("事项状态"), 8, cell_label("item__status", Status.choices)),
        Column(_("措施"), 50, cell_value("text")),
        Column(_("责任人"), 10, cell_value("owner__person__name")),
        Column(_("完成期限"), 12, cell_value("due"), DATE),
        Column(_("完成时间"), 17, cell_datetime("done_at"), DATETIME),
        Column(_("已完成"), 7, lambda r: yes if r["done_at"] else no),
        Column(
            _("已超期"),
            7,
            lambda r: yes if not r["done_at"] and r["due"] < today and r["item__status"] in active else no,
        ),
        Column(_("创建时间"), 17, cell_datetime("created_at"), DATETIME),
    ]
    rows = qs.order_by("item__opened_at", "item_id", "pk").values(*MEASURE_FIELDS).iterator(chunk_size=CHUNK)
    return Sheet("measures", _("解决措施清单"), columns, rows)


RESULT_FIELDS = (
    "item__number",
    "item__title",
    "item__department__name",
    "kind",
    "text",
    "amount",
    "created_by__person__name",
    "created_at",
)


def result_sheet(*, qs: QuerySet) -> Sheet:
    """The result list (成果转化清单). ``qs`` is result_list(user=…) filtered by the ResultFilterSet."""
    columns = [
        Column(_("事项编号"), 16, cell_value("item__number")),
        Column(_("事项标题"), 30, cell_value("item__title")),
        Column(_("承办部门"), 18, cell_value("item__department__name")),
        Column(_("成果类型"), 14, cell_label("kind", ResultKind.choices)),
        Column(_("成果说明"), 50, cell_value("text")),
        Column(_("金额（元）"), 14, cell_value("amount"), NUMBER),
        Column(_("填报人"), 10, cell_value("created_by__person__name")),
        Column(_("填报时间"), 17, cell_datetime("created_at"), DATETIME),
    ]
    rows = qs.order_by("item__opened_at", "item_id", "pk").values(*RESULT_FIELDS).iterator(chunk_size=CHUNK)
    return Sheet("results", _("成果转化清单"), columns, rows)


# ---------------------------------------------------------------------------------------------
# The lists as the page filters them. The ledger page, the export and the background export job
# all build their queryset with list_filterset, so a file holds exactly the rows the page lists.


@dataclass(frozen=True)
class LedgerList:
    title: Any
    filterset: type
    rows: Callable[[Any], QuerySet]
    sheet: Callable[[QuerySet, Any], Sheet]


LISTS = {
    "items": LedgerList(
        gettext_lazy("问题清单"),
        ItemFilterSet,
        lambda user: item_list(user=user),
        lambda qs, user: item_sheet(qs=qs, user=user),
    ),
    "measures": LedgerList(
        gettext_lazy("解决措施清单"),
        MeasureFilterSet,
        lambda user: measure_list(user=user).select_related("item__department"),
        lambda qs, user: measure_sheet(qs=qs),
    ),
    "results": LedgerList(
        gettext_lazy("成果转化清单"),
        ResultFilterSet,
        lambda user: result_list(user=user).select_related("item__department"),
        lambda qs, user: result_sheet(qs=qs),
    ),
}
_NOT_FILTERS = ("page", "tab")


def filter_query(data: QueryDict) -> str:
    """The page's filters as a query string, without the page number and the tab."""
    data = data.copy()
    for key in _NOT_FILTERS:
        data.pop(key, None)
    return data.urlencode()


def list_filterset(*, user, name: str, data: QueryDict, strict: bool = False):
    """The list's FilterSet over ``user``'s scope, bound to the page's filters in ``data``. Its
    form offers the departments and leaders of the user's own area (and above) only. ``strict``
    (the exports): a filter that does not validate raises ValidationError by field, instead of being
    dropped, so that a file never holds the whole scope when a narrower list was asked for."""
    spec = LISTS[name]
    data = data.copy()
    for key in _NOT_FILTERS:
        data.pop(key, None)
    filterset = spec.filterset(data or None, queryset=spec.rows(user))
    form = tidy_filter_form(filterset.form)
    scope = actor_of(user).division
    if scope is not None:
        if "department" in form.fields:
            form.fields["department"].queryset = dispatch_departments(scope)
        if "sponsor" in form.fields:
            near = Q(division__path__startswith=scope.path) | Q(division__code__in=division_codes(scope))
            form.fields["sponsor"].queryset = form.fields["sponsor"].queryset.filter(near)
    if strict and form.is_bound and not form.is_valid():
        raise ValidationError({field: list(messages) for field, messages in form.errors.items()})
    return filterset


def filename(name: str, fmt: str, day: dt.date) -> str:
    """What the downloaded file is called, e.g. 问题清单_20261125.xlsx."""
    return f"{LISTS[name].title}_{day:%Y%m%d}.{fmt}"


# ---------------------------------------------------------------------------------------------
# Writers
