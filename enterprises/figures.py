"""The register's figures: the market entities (市场主体) and the above-scale (四上) enterprises of a
division. Both are stocks, as registered now: the period does not bound them."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.figures import Figure, Where, register
from enterprises.models import Enterprise


def _division_code(where: Where) -> str:
    codes = [c for c in where.division_path.strip("/").split("/") if c]
    return codes[-1] if codes else ""


def _link(where: Where, **params: str) -> str:
    query = {**({"division": code} if (code := _division_code(where)) else {}), **params}
    return reverse("enterprises:register") + ("?" + urlencode(query) if query else "")


def _count(where: Where, **filters) -> int:
    return Enterprise.objects.filter(where.q(division="division__path"), **filters).count()


MARKET_ENTITIES = register(
    Figure(
        key="enterprises.market_entities",
        label=_("市场主体"),
        unit=_("户"),
        definition=_("登记在册的市场主体（存量，不按期间）。"),
        count=lambda where: _count(where),
        link=lambda where: _link(where),
        group=_("企业"),
        order=300,
    )
)
ABOVE_SCALE = register(
    Figure(
        key="enterprises.above_scale",
        label=_("四上企业"),
        unit=_("户"),
        definition=_("登记在册、标为四上企业的市场主体（存量，不按期间）。"),
        count=lambda where: _count(where, above_scale=True),
        link=lambda where: _link(where, above_scale="true"),
        group=_("企业"),
        order=301,
    )
)
