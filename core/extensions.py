"""Page slots: how an app on a higher floor adds a panel to a lower app's page without that page
importing it (NetBox's template extensions). The lower page names a slot and renders what is there;
the higher app registers into the slot in its ``AppConfig.ready()``:

    # insight/apps.py
    slots.register("ledger.item_detail", template="insight/_item.html", context=item_context)

    # ledger/views.py
    context["panels"] = slots.render("ledger.item_detail", request, item=item)

    # templates/ledger/item_detail.html
    {% for panel in panels %}{{ panel }}{% endfor %}

A panel that fails is logged and left out: a higher app never breaks a lower app's page."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Panel:
    template: str
    context: Callable[..., dict[str, Any]] | None = None
    order: int = 100


class Slots:
    def __init__(self) -> None:
        self._panels: dict[str, list[Panel]] = {}

    def register(self, slot: str, *, template: str, context: Callable[..., dict[str, Any]] | None = None,
                 order: int = 100) -> None:  # fmt: skip
        panels = self._panels.setdefault(slot, [])
        if not any(p.template == template for p in panels):
            panels.append(Panel(template, context, order))
            panels.sort(key=lambda p: p.order)

    def render(self, slot: str, request, **kwargs: Any) -> list[SafeString]:
        """The slot's panels as HTML, each rendered with the page's ``kwargs`` and its own context."""
        out = []
        for panel in self._panels.get(slot, []):
            try:
                extra = panel.context(request.user, **kwargs) if panel.context else {}
                out.append(mark_safe(render_to_string(panel.template, {**kwargs, **extra}, request=request)))
            except Exception:  # a panel of a higher app never breaks the page
                logger.exception("panel %s in slot %s", panel.template, slot)
        return out


slots = Slots()
