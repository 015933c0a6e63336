"""The figures kit: every count the city reports, declared once, read by the counts page and the cockpit.

An app declares its figures in its own ``figures.py``:

    from core.figures import Figure, Where, register

    register(Figure(
        key="ledger.items_opened",
        label=_("受理事项"),
        unit=_("件"),
        definition=_("期间内受理（立账）的事项，合并的重复件不计。"),
        count=lambda where: Item.objects.filter(where.q(division="division_path", at="opened_at")).count(),
        link=lambda where: reverse("ledger:list") + "?" + where.query(opened_after="from", opened_before="to"),
    ))

``Where`` is the filter every figure takes: a period (``start``/``end``, dates, inclusive), a division
path (its subtree) and optionally a department or a person. ``figures()`` lists the registered
figures (each app's ``figures`` module is imported once, in INSTALLED_APPS order); ``evaluate``
computes them. A figure's ``link`` is the URL of exactly the records behind it, filtered the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class Where:
    start: dt.date
    end: dt.date
    division_path: str = ""  # "" is everywhere
    department_id: int | None = None
    person_id: int | None = None  # a user id
    extra: dict[str, Any] = field(default_factory=dict)

    def q(
        self,
        *,
        division: str | None = None,
        at: str | None = None,
        department: str | None = None,
        person: str | None = None,
    ) -> Q:
        """The filter for a queryset, naming the lookups of its division path, its date or datetime,
        its department id and its person (user) id; lookups left out are not filtered."""
        q = Q()
        if division and self.division_path:
            q &= Q(**{f"{division}__startswith": self.division_path})
        if at:
            start, end = self.bounds()
            q &= Q(**{f"{at}__gte": start, f"{at}__lt": end})
        if department and self.department_id is not None:
            q &= Q(**{department: self.department_id})
        if person and self.person_id is not None:
            q &= Q(**{person: self.person_id})
        return q

    @property
    def division_code(self) -> str:
        """The code of the division whose subtree is counted ("" for everywhere)."""
        return self.division_path.strip("/").rsplit("/", 1)[-1] if self.division_path else ""

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The period as aware datetimes, [start 00:00, the day after end 00:00) in local time."""
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(self.start, dt.time.min, tz)
        end = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tz)
        return start, end

    def query(self, **names: str) -> str:
        """The period (and the division's code) as a list page's query string, e.g.
        ``query(start="opened_after", end="opened_before", division="division")`` →
        ``opened_after=2026-01-01&opened_before=2026-12-31&division=350502``."""
        values = {"start": self.start.isoformat(), "end": self.end.isoformat(), "division": self.division_code}
        return urlencode({param: values[name] for name, param in names.items() if values.get(name)})


@dataclass(frozen=True)
class Figure:
    key: str
    label: Any
    unit: Any
    definition: Any
    count: Callable[[Where], int | float]
    link: Callable[[Where], str] | None = None
    group: Any = ""
    order: int = 100


_registry: dict[str, Figure] = {}
_discovered = False


def register(figure: Figure) -> Figure:
    if figure.key in _registry and _registry[figure.key] is not figure:
        raise ValueError(f"figure {figure.key} is registered twice")
    _registry[figure.key] = figure
    return figure


def figures() -> list[Figure]:
    """Every registered figure, ordered by group and order."""
    global _discovered
    if not _discovered:
        autodiscover_modules("figures")
        _discovered = True
    return sorted(_registry.values(), key=lambda f: (f.order, f.key))


def figure(key: str) -> Figure:
    figures()
    return _registry[key]


def evaluate(where: Where, keys: list[str] | None = None) -> list[tuple[Figure, int | float, str]]:
    """Each figure with its value and the link to its records, for ``where``."""
    out = []
    for f in figures():
        if keys is not None and f.key not in keys:
            continue
        out.append((f, f.count(where), f.link(where) if f.link else ""))
    return out
