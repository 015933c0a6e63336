"""The routing suggestions' figures: of the suggestions for items opened in the period (in the
division), how many the dispatcher followed and how many were overruled."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.figures import Figure, Where, register
from insight.models import Suggestion


def _count(where: Where, *, overruled: bool) -> int:
    q = where.q(division="item__division_path", at="item__opened_at")
    return Suggestion.objects.filter(q, overruled=overruled).count()


ACCEPTED = register(
    Figure(
        key="insight.suggestions_accepted",
        label=_("采纳的分拨建议"),
        unit=_("条"),
        definition=_("期间内受理的事项中，派单与智能分拨建议一致的建议。"),
        count=lambda where: _count(where, overruled=False),
        link=lambda where: reverse("insight:overview"),
        group=_("智能分拨"),
        order=400,
    )
)
OVERRULED = register(
    Figure(
        key="insight.suggestions_overruled",
        label=_("被改派的分拨建议"),
        unit=_("条"),
        definition=_("期间内受理的事项中，派单未采纳智能分拨建议的建议。"),
        count=lambda where: _count(where, overruled=True),
        link=lambda where: reverse("insight:overview"),
        group=_("智能分拨"),
        order=401,
    )
)
