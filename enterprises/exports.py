"""The register as a spreadsheet, written by the ledger's writers (ledger.exports: .xlsx and CSV with a
BOM). The rows come from the page's queryset (the viewer's scope and filters)."""

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _

from core.exports import CHUNK, DATE, NUMBER, Column, Sheet, cell_label, cell_value, cell_yes_no
from enterprises.models import EnterpriseYear, LittleGiantLevel, SizeClass

YEARS_IN_EXPORT = 3


def export_years(qs: QuerySet) -> list[int]:
    """The latest years with figures among the rows (at most three)."""
    years = (
        EnterpriseYear.objects.filter(enterprise__in=qs.values("pk"))
        .values_list("year", flat=True)
        .distinct()
        .order_by("-year")[:YEARS_IN_EXPORT]
    )
    return sorted(years)


def register_sheet(*, qs: QuerySet) -> Sheet:
    years = export_years(qs)
    annotations = {}
    year_columns = []
    labels = {"revenue": _("营业收入（元）"), "exports": _("出口额（元）"), "tax": _("纳税额（元）")}
    for year in years:
        for what, label in labels.items():
            key = f"{what}_{year}"
            figures = EnterpriseYear.objects.filter(enterprise=OuterRef("pk"), year=year).values(what)[:1]
            annotations[key] = Subquery(figures)
            year_columns.append(Column(f"{year}{label}", 16, cell_value(key), NUMBER))
    columns = [
        Column(_("统一社会信用代码"), 20, cell_value("credit_code")),
        Column(_("企业名称"), 30, cell_value("name")),
        Column(_("行业代码"), 9, cell_value("industry__full_code")),
        Column(_("行业"), 20, cell_value("industry__name")),
        Column(_("区划代码"), 12, cell_value("division__code")),
        Column(_("所在区划"), 16, cell_value("division__name")),
        Column(_("成立日期"), 12, cell_value("founded_on"), DATE),
        Column(_("企业规模"), 8, cell_label("size_class", SizeClass.choices)),
        Column(_("从业人数"), 9, cell_value("employees"), NUMBER),
        Column(_("四上企业"), 8, cell_yes_no("above_scale")),
        Column(_("高新技术企业"), 10, cell_yes_no("high_tech")),
        Column(_("专精特新"), 8, cell_yes_no("srdi")),
        Column(_("专精特新“小巨人”"), 12, cell_yes_no("little_giant")),
        Column(_("小巨人级别"), 10, cell_label("little_giant_level", LittleGiantLevel.choices)),
        Column(_("标签"), 20, lambda row: ";".join(row["tags"] or [])),
        Column(_("联系人"), 10, cell_value("contact_name")),
        Column(_("联系电话"), 14, cell_value("contact_phone")),
        Column(_("地址"), 30, cell_value("address")),
        *year_columns,
    ]
    fields = (
        "credit_code", "name", "industry__full_code", "industry__name", "division__code", "division__name",
        "founded_on", "size_class", "employees", "above_scale", "high_tech", "srdi", "little_giant",
        "little_giant_level", "tags", "contact_name", "contact_phone", "address",
    )  # fmt: skip
    rows = qs.annotate(**annotations).values(*fields, *annotations).iterator(chunk_size=CHUNK)
    return Sheet("enterprises", _("市场主体名录"), columns, rows)
