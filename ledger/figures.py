"""The ledger's figures (core.figures): what the counts page and the cockpit read. Each links to
the problem list filtered the same way, so the number and the rows behind it never disagree."""

from urllib.parse import urlencode

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.figures import Figure, Where, register
from ledger.models import Item
from ledger.selectors import on_time_q, overdue_q, satisfied_q
from org.models import Department

GROUP = _("事项办理")
PIECES = _("件")


def _items(where: Where, at: str | None = None) -> QuerySet[Item]:
    return Item.objects.filter(where.q(division="division_path", at=at, department="department_id"))


def _link(where: Where, *, period: str | None = None, **params: str) -> str:
    """The problem list filtered as the figure counts: the division, the department, the period
    (``period``: the list's ``<period>_after``/``<period>_before``) and ``params``."""
    query = {}
    if where.division_path:
        query["division"] = where.division_path.strip("/").split("/")[-1]
    if where.department_id is not None:
        query["department"] = Department.objects.values_list("code", flat=True).get(pk=where.department_id)
    if period:
        query |= {f"{period}_after": where.start.isoformat(), f"{period}_before": where.end.isoformat()}
    return reverse("ledger:ledger") + "?" + urlencode(query | params)


def _figure(key: str, label, definition, order: int, count, link) -> None:
    register(Figure(f"ledger.{key}", label, PIECES, definition, count, link, group=GROUP, order=order))


def _dated(key: str, label, definition, at: str, order: int, *, also: Q | None = None, **params: str) -> None:
    """A count of the items whose ``at`` (``opened_at``…) falls in the period, linked to the list's
    period filter of the same name (``opened_after``/``opened_before``…)."""

    def count(where: Where) -> int:
        return _items(where, at).filter(also or Q()).count()

    _figure(key, label, definition, order, count, lambda w: _link(w, period=at.removesuffix("_at"), **params))


_dated("items_opened", _("受理事项"), _("期间内受理（立账）的事项，含后来合并的重复件。"), "opened_at", 10)
_dated(
    "items_dispatched",
    _("派单事项"),
    _("最近一次派单在期间内的事项（退单后重派的按最后一次计）。"),
    "dispatched_at",
    20,
)
_dated("items_resolved", _("办结事项"), _("办结时间在期间内的事项（重办的，按最后一次办结计）。"), "resolved_at", 30)
_dated(
    "items_resolved_on_time",
    _("按期办结事项"),
    _("期间内办结、且不晚于办结期限的事项。"),
    "resolved_at",
    40,
    also=on_time_q(),
    on_time="true",
)
_dated("items_closed", _("销号事项"), _("期间内销号（收账）的事项。"), "closed_at", 50)
_figure(
    "items_overdue",
    _("当前超期事项"),
    _("此刻已超过签收或办结期限、仍在办理的事项（不看期间）。"),
    60,
    lambda w: _items(w).filter(overdue_q(timezone.now())).count(),
    lambda w: _link(w, overdue="true"),
)
_figure(
    "callbacks_satisfied",
    _("回访满意事项"),
    _("期间内有诉求人回访“满意”的事项。"),
    70,
    lambda w: _items(w).filter(satisfied_q(w.q(at="at"))).count(),
    lambda w: _link(w, period="satisfied"),
)
