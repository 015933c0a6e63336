"""The three lists as spreadsheets (台账导出): .xlsx for Excel and CSV (UTF-8 with BOM).

Each list is a table of ``Column``s over a values() queryset read in chunks, so 100,000 rows stay
fast and small in memory. The querysets come from the selectors (the viewer's scope) and the
FilterSets (the page's filters); phone and ID numbers are masked by the same rules as the pages."""

import csv
import datetime as dt
import re
import tempfile
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from core.privacy import mask_id_number, mask_phone
from ledger.filters import ItemFilterSet, MeasureFilterSet, ResultFilterSet
from ledger.forms import tidy_filter_form
from ledger.machine import ACTIVE_STATUSES
from ledger.models import Channel, Kind, Priority, ResultKind, Satisfaction, Status, SubmitterType
from ledger.scope import sees_id_number, sees_phone
from ledger.selectors import dispatch_departments, division_codes, item_list, measure_list, person_scope, result_list
from org.models import Division
from org.selectors import person_of

CHUNK = 2000
TEXT, DATETIME, DATE, NUMBER = "text", "datetime", "date", "number"
_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")  # control characters Excel refuses
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    header: str
    width: int
    value: Callable[[dict], Any]
    kind: str = TEXT


def _field(name: str) -> Callable[[dict], Any]:
    return lambda row: row[name]


def _label(name: str, choices) -> Callable[[dict], str]:
    labels = {value: str(label) for value, label in choices}
    return lambda row: labels.get(row[name], row[name] or "")


def _yes_no(name: str) -> Callable[[dict], str]:
    yes, no = _("是"), _("否")
    return lambda row: yes if row[name] else no


def _local(value: dt.datetime | None, tz=None) -> dt.datetime | None:
    """An aware datetime as a naive local one (Asia/Shanghai): what Excel understands."""
    if value is None:
        return None
    return value.astimezone(tz or zoneinfo.ZoneInfo(settings.TIME_ZONE)).replace(tzinfo=None, microsecond=0)


def _datetime(name: str) -> Callable[[dict], dt.datetime | None]:
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return lambda row: _local(row[name], tz)


@dataclass(frozen=True)
class Sheet:
    """One list ready to write: its title, columns and the rows (dicts from values())."""

    name: str
    title: str
    columns: list[Column]
    rows: Iterable[dict]

    def values(self) -> Iterator[list[Any]]:
        columns = self.columns
        for row in self.rows:
            yield [c.value(row) for c in columns]


# ---------------------------------------------------------------------------------------------
# The three lists


def _division_names() -> dict[str, str]:
    levels = (Division.Level.CITY, Division.Level.COUNTY, Division.Level.ZONE, Division.Level.TOWNSHIP)
    return dict(Division.objects.filter(level__in=levels).values_list("code", "name"))


def _path_part(index: int, names: dict[str, str]) -> Callable[[dict], str]:
    def value(row):
        parts = row["division_path"].split("/")
        return names.get(parts[index], "") if len(parts) > index + 1 else ""

    return value


def _contact(user) -> tuple[Callable[[dict], str], Callable[[dict], str]]:
    """Phone and ID number as the viewer may see them. The rules are scope.sees_phone and
    scope.sees_id_number, asked per row with the two fields they read, so no query per row."""
    person = person_of(user)

    def stand_in(row):
        return SimpleNamespace(submitter_user_id=row["submitter_user_id"], department_id=row["department_id"])

    def phone(row):
        value = row["submitter_phone"]
        return value if not value or sees_phone(person, stand_in(row)) else mask_phone(value)

    def id_number(row):
        value = row["submitter_id_number"]
        return value if not value or sees_id_number(person, stand_in(row)) else mask_id_number(value)

    return phone, id_number


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
        Column(_("编号"), 16, _field("number")),
        Column(_("标题"), 30, _field("title")),
        Column(_("诉求内容"), 50, _field("description")),
        Column(_("类型"), 8, _label("kind", Kind.choices)),
        Column(_("渠道"), 12, _label("channel", Channel.choices)),
        Column(_("大类"), 12, _field("category__parent__name")),
        Column(_("分类"), 14, _field("category__name")),
        Column(_("紧急程度"), 8, _label("priority", Priority.choices)),
        Column(_("县（市、区）"), 12, _path_part(1, names)),
        Column(_("乡镇（街道）"), 14, _path_part(2, names)),
        Column(_("所在区划"), 18, _field("division__name")),
        Column(_("区划代码"), 14, _field("division__code")),
        Column(_("地址"), 24, _field("address")),
        Column(_("诉求人类型"), 10, _label("submitter_type", SubmitterType.choices)),
        Column(_("诉求人"), 10, _field("submitter_name")),
        Column(_("联系电话"), 14, phone),
        Column(_("身份证号"), 20, id_number),
        Column(_("企业名称"), 24, _field("enterprise_name")),
        Column(_("统一社会信用代码"), 20, _field("enterprise_credit_code")),
        Column(_("首接人"), 10, _field("first_receiver__person__name")),
        Column(_("承办部门"), 18, _field("department__name")),
        Column(_("责任人"), 10, _field("handler__person__name")),
        Column(_("包保领导"), 10, _field("sponsor__person__name")),
        Column(_("状态"), 8, _label("status", Status.choices)),
        Column(_("合并至"), 16, _field("merged_into__number")),  # a repeat merged into another item
        Column(_("受理时间"), 17, _datetime("opened_at"), DATETIME),
        Column(_("派单时间"), 17, _datetime("dispatched_at"), DATETIME),
        Column(_("签收时间"), 17, _datetime("acknowledged_at"), DATETIME),
        Column(_("签收期限"), 17, _datetime("acknowledge_due"), DATETIME),
        Column(_("办结期限"), 17, _datetime("resolve_due"), DATETIME),
        Column(_("办结时间"), 17, _datetime("resolved_at"), DATETIME),
        Column(_("销号时间"), 17, _datetime("closed_at"), DATETIME),
        Column(_("已超期"), 7, _yes_no("is_overdue")),
        Column(_("即将到期"), 8, _yes_no("is_at_risk")),
        Column(_("满意度"), 9, _label("satisfaction", Satisfaction.choices)),
        Column(_("重办次数"), 8, _field("redo_count"), NUMBER),
        Column(_("督办"), 6, _yes_no("supervised")),
        Column(_("催办次数"), 8, _field("urge_count"), NUMBER),
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
        Column(_("事项编号"), 16, _field("item__number")),
        Column(_("事项标题"), 30, _field("item__title")),
        Column(_("承办部门"), 18, _field("item__department__name")),
        Column(_("事项状态"), 8, _label("item__status", Status.choices)),
        Column(_("措施"), 50, _field("text")),
        Column(_("责任人"), 10, _field("owner__person__name")),
        Column(_("完成期限"), 12, _field("due"), DATE),
        Column(_("完成时间"), 17, _datetime("done_at"), DATETIME),
        Column(_("已完成"), 7, lambda r: yes if r["done_at"] else no),
        Column(
            _("已超期"),
            7,
            lambda r: yes if not r["done_at"] and r["due"] < today and r["item__status"] in active else no,
        ),
        Column(_("创建时间"), 17, _datetime("created_at"), DATETIME),
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
        Column(_("事项编号"), 16, _field("item__number")),
        Column(_("事项标题"), 30, _field("item__title")),
        Column(_("承办部门"), 18, _field("item__department__name")),
        Column(_("成果类型"), 14, _label("kind", ResultKind.choices)),
        Column(_("成果说明"), 50, _field("text")),
        Column(_("金额（元）"), 14, _field("amount"), NUMBER),
        Column(_("填报人"), 10, _field("created_by__person__name")),
        Column(_("填报时间"), 17, _datetime("created_at"), DATETIME),
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
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
_NOT_FILTERS = ("page", "tab")


def filter_query(data: QueryDict) -> str:
    """The page's filters as a query string, without the page number and the tab."""
    data = data.copy()
    for key in _NOT_FILTERS:
        data.pop(key, None)
    return data.urlencode()


def list_filterset(*, user, name: str, data: QueryDict):
    """The list's FilterSet over ``user``'s scope, bound to the page's filters in ``data``. Its
    form offers the departments and leaders of the user's own area (and above) only."""
    spec = LISTS[name]
    data = data.copy()
    for key in _NOT_FILTERS:
        data.pop(key, None)
    filterset = spec.filterset(data or None, queryset=spec.rows(user))
    form = tidy_filter_form(filterset.form)
    person = person_of(user)
    if person is not None:
        scope = person_scope(person)
        if "department" in form.fields:
            form.fields["department"].queryset = dispatch_departments(scope)
        if "sponsor" in form.fields:
            near = Q(division__path__startswith=scope.path) | Q(division__code__in=division_codes(scope))
            form.fields["sponsor"].queryset = form.fields["sponsor"].queryset.filter(near)
    return filterset


def filename(name: str, fmt: str, day: dt.date) -> str:
    """What the downloaded file is called, e.g. 问题清单_20261125.xlsx."""
    return f"{LISTS[name].title}_{day:%Y%m%d}.{fmt}"


# ---------------------------------------------------------------------------------------------
# Writers


def write_xlsx(sheet: Sheet, file) -> None:
    """Write the sheet as .xlsx into ``file``: bold frozen header, widths, real Excel dates."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet.title[:31])
    for index, column in enumerate(sheet.columns, 1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.freeze_panes = "A2"
    font, fill = Font(bold=True), PatternFill("solid", start_color="DDE4EE")
    align = Alignment(vertical="center", wrap_text=True)
    header = []
    for column in sheet.columns:
        cell = WriteOnlyCell(ws, value=str(column.header))
        cell.font, cell.fill, cell.alignment = font, fill, align
        header.append(cell)
    ws.append(header)

    formats = {DATETIME: "yyyy-mm-dd hh:mm", DATE: "yyyy-mm-dd"}
    styled = [(i, formats[c.kind]) for i, c in enumerate(sheet.columns) if c.kind in formats]
    texts = [i for i, c in enumerate(sheet.columns) if c.kind == TEXT]
    for values in sheet.values():
        for i in texts:
            value = values[i]
            if value and isinstance(value, str):
                if _ILLEGAL.search(value):
                    value = values[i] = _ILLEGAL.sub("", value)
                if value.startswith("="):  # text, never a formula
                    cell = WriteOnlyCell(ws, value=value)
                    cell.data_type = "s"
                    values[i] = cell
        for i, number_format in styled:
            if values[i] is not None:
                cell = WriteOnlyCell(ws, value=values[i])
                cell.number_format = number_format
                values[i] = cell
        ws.append(values)
    wb.save(file)


def xlsx_file(sheet: Sheet):
    """The workbook in a temporary file (on disk once large), rewound for reading."""
    file = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    write_xlsx(sheet, file)
    file.seek(0)
    return file


class _Echo:
    def write(self, value):
        return value


def _csv_text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value  # keep spreadsheet programs from running it as a formula
    return value


def csv_chunks(sheet: Sheet, lines_per_chunk: int = 500) -> Iterator[str]:
    """The sheet as CSV text in chunks of lines, starting with the BOM that tells Excel it is UTF-8."""
    writer = csv.writer(_Echo())
    chunk = ["\ufeff" + writer.writerow([str(c.header) for c in sheet.columns])]
    for values in sheet.values():
        chunk.append(writer.writerow([_csv_text(v) for v in values]))
        if len(chunk) >= lines_per_chunk:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


def write(sheet: Sheet, fmt: str, file) -> None:
    """Write the sheet into the binary ``file`` as .xlsx or as CSV (UTF-8 with BOM)."""
    if fmt == "xlsx":
        write_xlsx(sheet, file)
    else:
        for chunk in csv_chunks(sheet):
            file.write(chunk.encode("utf-8"))
