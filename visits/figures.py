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


register(
    Figure(
        key="visits.visits",
        group=GROUP,
        order=200,
        unit=_("次"),
        label=_("走访次数"),
        definition=_("期间内录入的走访记录（企业、村社区、中心），按走访日期、走访地点所在区划计。"),
        count=lambda where: _visits(where).count(),
        link=lambda where: _link("visits:list", where),
    )
)
register(
    Figure(
        key="visits.enterprises_county_level",
        group=GROUP,
        order=201,
        unit=_("家次"),
        label=_("县处级以上干部走访企业"),
        definition=_("有县处级以上干部参加的企业走访，一次走访一家企业计一家次。"),
        count=lambda where: _visits(where).filter(county_level=True, enterprise__isnull=False).count(),
        link=lambda where: _link("visits:list", where, county_level="true", enterprise="true"),
    )
)
register(
    Figure(
        key="visits.findings",
        group=GROUP,
        order=202,
        unit=_("条"),
        label=_("收集问题建议"),
        definition=_("期间内走访中记录的问题和建议。"),
        count=lambda where: _findings(where).count(),
        link=lambda where: _link("visits:findings", where),
    )
)
register(
    Figure(
        key="visits.findings_solved",
        group=GROUP,
        order=203,
        unit=_("条"),
        label=_("走访问题已解决"),
        definition=_("走访中记录、已转为事项且事项已办结（含已回访、已销号）的问题。"),
        count=lambda where: _findings(where).filter(item__status__in=SOLVED).count(),
        link=lambda where: _link("visits:findings", where, solved="true"),
    )
)
