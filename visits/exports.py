"""The visits and their findings as spreadsheets, through the shared export kit."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from core.exports import CHUNK, DATE, Column, Sheet, cell_label, cell_value, cell_yes_no
from ledger.models import Kind, Status


def visit_sheet(*, qs: QuerySet) -> Sheet:
    columns = [
        Column(_("走访日期"), 12, cell_value("visited_on"), DATE),
        Column(_("企业名称"), 30, cell_value("enterprise__name")),
        Column(_("统一社会信用代码"), 20, cell_value("enterprise__credit_code")),
        Column(_("所在区划"), 16, cell_value("division__name")),
        Column(_("区划代码"), 14, cell_value("division__code")),
        Column(_("地点"), 20, cell_value("place")),
        Column(_("县处级以上干部参加"), 10, cell_yes_no("county_level")),
        Column(_("走访情况"), 40, cell_value("summary")),
        Column(_("录入人"), 10, cell_value("created_by__person__name")),
    ]
    fields = ("visited_on", "enterprise__name", "enterprise__credit_code", "division__name", "division__code",
              "place", "county_level", "summary", "created_by__person__name")  # fmt: skip
    rows = qs.order_by("-visited_on", "-pk").values(*fields).iterator(chunk_size=CHUNK)
    return Sheet("visits", _("走访记录"), columns, rows)


def finding_sheet(*, qs: QuerySet) -> Sheet:
    columns = [
        Column(_("走访日期"), 12, cell_value("visit__visited_on"), DATE),
        Column(_("企业名称"), 30, cell_value("visit__enterprise__name")),
        Column(_("所在区划"), 16, cell_value("visit__division__name")),
        Column(_("类型"), 8, cell_label("kind", Kind.choices)),
        Column(_("问题或建议"), 50, cell_value("text")),
        Column(_("事项编号"), 16, cell_value("item__number")),
        Column(_("事项状态"), 8, cell_label("item__status", Status.choices)),
    ]
    fields = ("visit__visited_on", "visit__enterprise__name", "visit__division__name", "kind", "text",
              "item__number", "item__status")  # fmt: skip
    rows = qs.order_by("-visit__visited_on", "pk").values(*fields).iterator(chunk_size=CHUNK)
    return Sheet("findings", _("走访问题清单"), columns, rows)


def not_visited_sheet(*, qs: QuerySet) -> Sheet:
    """The above-scale enterprises nobody has visited in the period."""
    columns = [
        Column(_("统一社会信用代码"), 20, cell_value("credit_code")),
        Column(_("企业名称"), 30, cell_value("name")),
        Column(_("所在区划"), 16, cell_value("division__name")),
        Column(_("区划代码"), 14, cell_value("division__code")),
        Column(_("地址"), 30, cell_value("address")),
    ]
    fields = ("credit_code", "name", "division__name", "division__code", "address")
    return Sheet("not_visited", _("未走访四上企业"), columns, qs.values(*fields).iterator(chunk_size=CHUNK))
