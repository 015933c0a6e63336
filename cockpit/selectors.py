"""Reads of the cockpit: the figures of the registry (``core.figures``) for a period and a part of
the user's scope. Every app declares its own figures in its ``figures.py``; nothing here counts."""

from dataclasses import dataclass
from typing import Any

from core.figures import Where, evaluate
from org.actor import actor_of


@dataclass(frozen=True)
class FigureRow:
    key: str
    group: Any
    label: Any
    unit: Any
    definition: Any
    value: int | float
    link: str


def may_see_figures(user) -> bool:
    return actor_of(user).is_staff_role


def figure_rows(*, where: Where) -> list[FigureRow]:
    return [FigureRow(f.key, f.group, f.label, f.unit, f.definition, value, link) for f, value, link in evaluate(where)]
