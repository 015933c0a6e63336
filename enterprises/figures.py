"""The register's figures: the market entities (市场主体) and the above-scale (四上) enterprises of a
division. Both are stocks, as registered now: the period does not bound them."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.figures import Figure, Where, register
from enterprises.models import Enterprise


def _count(filters: dict):
    def count(where: Where) -> int:
        return Enterprise.objects.filter(where.q(division="division__path"), **filters).count()

    return count


def _link(params: dict):
    def link(where: Where) -> str:
        codes = [c for c in where.division_path.strip("/").split("/") if c]
        query = ({"division": codes[-1]} if codes else {}) | params
        return reverse("enterprises:register") + ("?" + urlencode(query) if query else "")

    return link


for key, label, definition, filters, params, order in (
    ("market_entities", _("市场主体"), _("登记在册的市场主体（存量，不按期间）。"), {}, {}, 300),
    ("above_scale", _("四上企业"), _("登记在册、标为四上企业的市场主体（存量，不按期间）。"),
     {"above_scale": True}, {"above_scale": "true"}, 301),
):  # fmt: skip
    register(
        Figure(
            key=f"enterprises.{key}",
            label=label,
            unit=_("户"),
            definition=definition,
            count=_count(filters),
            link=_link(params),
            group=_("企业"),
            order=order,
        )
    )
