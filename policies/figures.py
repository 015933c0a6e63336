"""The policies' figures (``core.figures``): policies in force and their clauses (the catalogue, city
wide), and by period and division the enterprises notified of an eligible match, the applications and
the grants made (count and amount). Each links to exactly the records it counts."""

from django.db.models import Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.figures import Figure, Where, register
from policies.models import PolicyClause, PolicyStatus
from policies.selectors import figure_records, policies_in_force

GROUP = _("政策找企")


def _records_link(what: str):
    def link(where: Where) -> str:
        query = where.query(start="start", end="end")
        if where.division_path:
            query += "&division=" + where.division_path.strip("/").split("/")[-1]  # the division's own code
        return reverse("policies:figure-records", args=[what]) + "?" + query

    return link


def _catalogue_link(where: Where) -> str:
    return reverse("policies:catalogue") + f"?status={PolicyStatus.PUBLISHED}"


register(Figure(
    key="policies.in_force", label=_("在施政策"), unit=_("项"), group=GROUP, order=400,
    definition=_("已发布、尚未失效的政策（全市）。"),
    count=lambda where: policies_in_force().count(), link=_catalogue_link,
))  # fmt: skip
register(Figure(
    key="policies.clauses", label=_("在施政策条款"), unit=_("条"), group=GROUP, order=401,
    definition=_("在施政策的条款（全市）。"),
    count=lambda where: PolicyClause.objects.filter(policy__in=policies_in_force()).count(), link=_catalogue_link,
))  # fmt: skip
register(Figure(
    key="policies.notified", label=_("推送符合条件企业"), unit=_("家"), group=GROUP, order=410,
    definition=_("期间内收到政策推送（符合条件）的企业，每家计一次。"),
    count=lambda where: figure_records(what="notified", where=where).count(), link=_records_link("notified"),
))  # fmt: skip
register(Figure(
    key="policies.applications", label=_("政策兑现申请"), unit=_("件"), group=GROUP, order=420,
    definition=_("期间内企业提交的依申请条款兑现申请。"),
    count=lambda where: figure_records(what="applications", where=where).count(),
    link=_records_link("applications"),
))  # fmt: skip
register(Figure(
    key="policies.grants", label=_("政策兑现"), unit=_("笔"), group=GROUP, order=430,
    definition=_("期间内审批兑现的资金（免申即享批次与依申请）。"),
    count=lambda where: figure_records(what="grants", where=where).count(), link=_records_link("grants"),
))  # fmt: skip
register(Figure(
    key="policies.grants_amount", label=_("政策兑现金额"), unit=_("元"), group=GROUP, order=431,
    definition=_("期间内审批兑现的金额合计。"),
    count=lambda where: float(figure_records(what="grants", where=where).aggregate(s=Sum("amount"))["s"] or 0),
    link=_records_link("grants"),
))  # fmt: skip
