"""The attribute catalogue: every name a condition or a formula may read with ``{"var": NAME}``.

The names are the register snapshot's columns (enterprises' Polars contract). Yearly figures exist
per calendar year (``revenue_2025``) and relative to the reference date's year (``revenue_y1`` is
the year before the reference year, 上年度; ``revenue_y2`` the one before, 前年度; ``revenue_y0``
the reference year itself). Relative names are resolved to a column once per evaluation, so a
clause written as "上年度营业收入" keeps meaning the previous year as time passes.
"""

import dataclasses
import datetime as dt
import re

NUMBER, BOOLEAN, STRING, DATE, LIST = "number", "boolean", "string", "date", "list"

SIZE_CLASSES = {"micro": "微型", "small": "小型", "medium": "中型", "large": "大型"}


@dataclasses.dataclass(frozen=True)
class Attribute:
    name: str
    type: str
    label: str  # Simplified Chinese; rendered in both scripts
    unit: str = ""
    choices: dict[str, str] | None = None
    column: str | None = None  # the snapshot column; resolved per reference year for yearly figures
    year_offset: int | None = None  # relative yearly figures: reference year − offset
    metric: str | None = None  # revenue / exports / tax for yearly figures


BASE = [
    Attribute("credit_code", STRING, "统一社会信用代码"),
    Attribute("name", STRING, "企业名称"),
    Attribute("industry_code", STRING, "国民经济行业代码"),
    Attribute("division_code", STRING, "所在行政区划代码"),
    Attribute("division_path", STRING, "所在行政区划路径"),
    Attribute("founded_on", DATE, "成立日期"),
    Attribute("size_class", STRING, "企业规模", choices=SIZE_CLASSES),
    Attribute("employees", NUMBER, "从业人数", unit="人"),
    Attribute("above_scale", BOOLEAN, "规模以上（四上）企业"),
    Attribute("high_tech", BOOLEAN, "高新技术企业"),
    Attribute("srdi", BOOLEAN, "专精特新中小企业"),
    Attribute("little_giant", BOOLEAN, "专精特新“小巨人”企业"),
    Attribute("tags", LIST, "企业标签"),
]
CERTIFICATIONS = ("above_scale", "high_tech", "srdi", "little_giant")
METRICS = {"revenue": "营业收入", "exports": "出口额", "tax": "纳税额"}
RELATIVE_YEARS = {0: "本年度", 1: "上年度", 2: "前年度", 3: "三年前"}
MIN_YEAR, MAX_YEAR = 1990, 2100

_BY_NAME = {a.name: a for a in BASE}
_YEARLY = re.compile(r"^(revenue|exports|tax)_(?:y([0-3])|(\d{4}))$")


def year_label(offset: int | None, year: int | None) -> str:
    return RELATIVE_YEARS[offset] if offset is not None else f"{year}年"


def get(name: str) -> Attribute | None:
    """The attribute called ``name``, or None when there is none."""
    if not isinstance(name, str):
        return None
    if name in _BY_NAME:
        return _BY_NAME[name]
    m = _YEARLY.match(name)
    if not m:
        return None
    metric, rel, year = m.group(1), m.group(2), m.group(3)
    if rel is not None:
        offset = int(rel)
        return Attribute(
            name, NUMBER, f"{RELATIVE_YEARS[offset]}{METRICS[metric]}", "元", year_offset=offset, metric=metric
        )
    if not MIN_YEAR <= int(year) <= MAX_YEAR:
        return None
    return Attribute(name, NUMBER, f"{year}年{METRICS[metric]}", "元", column=name, metric=metric)


def column(name: str, reference_date: dt.date) -> str:
    """The snapshot column holding attribute ``name`` for this reference date."""
    attr = get(name)
    if attr is None:
        raise KeyError(name)
    if attr.year_offset is not None:
        return f"{attr.metric}_{reference_date.year - attr.year_offset}"
    return attr.column or attr.name


def metric_year_column(metric: str, year: int, reference_date: dt.date) -> str:
    """``growth`` names years either absolutely (2024) or relative to the reference year (−1)."""
    return f"{metric}_{year if year >= MIN_YEAR else reference_date.year + year}"


def catalogue() -> list[Attribute]:
    """Every fixed attribute, and the relative yearly ones (absolute years follow the same pattern)."""
    yearly = [get(f"{m}_y{o}") for m in METRICS for o in RELATIVE_YEARS]
    return BASE + yearly


def years_ago(reference_date: dt.date, years: int) -> dt.date:
    """The same day ``years`` years earlier (29 February becomes 28 February)."""
    try:
        return reference_date.replace(year=reference_date.year - years)
    except ValueError:
        return reference_date.replace(year=reference_date.year - years, day=28)


def resolve(name: str, reference_date: dt.date) -> str:
    """The column read for ``{"var": name}``: catalogue names are resolved, other names (tests) are columns."""
    return column(name, reference_date) if get(name) else name
