"""The policies' spreadsheets, on the export kit (``core.exports``: formula escaping in .xlsx and CSV).

``eligible_sheet``: a clause's eligible (or unknown) enterprises in a division's subtree, as the
officials' list shows them. Enterprise names come from imported spreadsheets, so a name that starts
like a formula is written as text. The list carries no contact data (nothing to mask)."""

import decimal

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from core.exports import NUMBER, Column, Sheet, cell_value
from policies.models import MatchResult, PolicyClause
from policies.selectors import attribute_label

XLSX_MAX_ROWS = 100_000  # larger lists as CSV (streamed)
CENT = decimal.Decimal("0.01")


def _rows(enterprises: QuerySet, result: str):
    label = str(MatchResult(result).label)
    for e in enterprises.iterator(2000):
        yield {
            "credit_code": e.credit_code,
            "name": e.name,
            "division": e.division.name if e.division_id else "",
            "industry": e.industry.full_code if e.industry_id else "",
            "result": label,
            "amount": None if e.match_amount is None else decimal.Decimal(e.match_amount).quantize(CENT),
            "missing": "、".join(attribute_label(m) for m in (e.match_missing or "").split(";") if m),
        }


def eligible_sheet(*, clause: PolicyClause, enterprises: QuerySet, result: str) -> Sheet:
    """``enterprises``: ``selectors.clause_eligible_enterprises`` (annotated with the match's amount
    and missing data), already in the viewer's scope."""
    columns = [
        Column(_("统一社会信用代码"), 20, cell_value("credit_code")),
        Column(_("企业名称"), 30, cell_value("name")),
        Column(_("所在区划"), 16, cell_value("division")),
        Column(_("行业代码"), 9, cell_value("industry")),
        Column(_("结果"), 8, cell_value("result")),
        Column(_("测算金额（元）"), 14, cell_value("amount"), NUMBER),
        Column(_("缺失数据"), 30, cell_value("missing")),
    ]
    return Sheet(name="eligible", title=f"{clause.code} {MatchResult(result).label}", columns=columns,
                 rows=_rows(enterprises, result))  # fmt: skip
