"""The routing suggestions' figures: of the suggestions for items opened in the period (in the
division), how many the dispatcher followed and how many were overruled."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.figures import Figure, Where, register
from insight.models import Suggestion


def _count(overruled: bool):
    def count(where: Where) -> int:
        q = where.q(division="item__division_path", at="item__opened_at")
        return Suggestion.objects.filter(q, overruled=overruled).count()

    return count


for key, label, definition, overruled, order in (
    ("accepted", _("采纳的分拨建议"), _("期间内受理的事项中，派单与智能分拨建议一致的建议。"), False, 400),
    ("overruled", _("被改派的分拨建议"), _("期间内受理的事项中，派单未采纳智能分拨建议的建议。"), True, 401),
):
    register(
        Figure(
            key=f"insight.suggestions_{key}",
            label=label,
            unit=_("条"),
            definition=definition,
            count=_count(overruled),
            link=lambda where: reverse("insight:overview"),
            group=_("智能分拨"),
            order=order,
        )
    )
