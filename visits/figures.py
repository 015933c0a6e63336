"""The figures of field work that visits count (the text: 3.6万家次 enterprises visited by county-level
officials and above, 2,145 problems and suggestions collected…)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.figures import Figure, Where, register
from visits.filters import SOLVED
from visits.models import Finding, Visit

GROUP = _("走访企业")


def _visits(where: Where):
    return Visit.objects.filter(where.q(division="division_path", person="officials__user"),
                                visited_on__gte=where.start, visited_on__lte=where.end)  # fmt: skip


def _findings(where: Where):
    return Finding.objects.filter(visit__in=_visits(where).values("pk"))


def _link(name: str, where: Where, **extra: str) -> str:
    query = where.query(start="start", end="end", division="division")
    return reverse(name) + "?" + "&".join(filter(None, [query, *(f"{k}={v}" for k, v in extra.items())]))


# key, unit, label, definition, count, the list it links to and that list's extra filters
FIGURES = [
    ("visits.visits", _("次"), _("走访次数"),
     _("期间内录入的走访记录（企业、村社区、中心），按走访日期、走访地点所在区划计。"),
     lambda where: _visits(where).count(), "visits:list", {}),
    ("visits.enterprises_county_level", _("家次"), _("县处级以上干部走访企业"),
     _("有县处级以上干部参加的企业走访，一次走访一家企业计一家次。"),
     lambda where: _visits(where).filter(county_level=True, enterprise__isnull=False).count(),
     "visits:list", {"county_level": "true", "enterprise": "true"}),
    ("visits.findings", _("条"), _("收集问题建议"), _("期间内走访中记录的问题和建议。"),
     lambda where: _findings(where).count(), "visits:findings", {}),
    ("visits.above_scale_visited", _("家"), _("走访四上企业"),
     _("期间内至少走访过一次的四上企业（规模以上工业、有资质的建筑业、限额以上批零住餐、规模以上服务业），每家计一次。"),
     lambda where: _visits(where).filter(enterprise__above_scale=True).values("enterprise").distinct().count(),
     "visits:coverage", {}),
    ("visits.above_scale_findings_solved", _("条"), _("四上企业反映问题已解决"),
     _("期间内走访四上企业记录、已转为事项且已办结的问题。"),
     lambda where: _findings(where).filter(visit__enterprise__above_scale=True, item__status__in=SOLVED).count(),
     "visits:findings", {"solved": "true", "above_scale": "true"}),
    ("visits.findings_solved", _("条"), _("走访问题已解决"),
     _("走访中记录、已转为事项且事项已办结（含已回访、已销号）的问题。"),
     lambda where: _findings(where).filter(item__status__in=SOLVED).count(), "visits:findings", {"solved": "true"}),
]  # fmt: skip

for order, (key, unit, label, definition, count, name, extra) in enumerate(FIGURES, 200):
    register(Figure(key=key, group=GROUP, order=order, unit=unit, label=label, definition=definition, count=count,
                    link=lambda where, name=name, extra=extra: _link(name, where, **extra)))  # fmt: skip
