"""How insight reacts to the ledger: every item opened gets its routing suggestion recorded, every
dispatch settles it (overruled or not), whichever door the item came through (page, API, Open311,
policy applications, the demo). Connected in ``InsightConfig.ready()``; the ledger sends the signals
once its transaction has committed. A suggestion never blocks intake nor a dispatch: failures are
logged."""

import logging

from insight import services
from ledger.models import Item

logger = logging.getLogger(__name__)


def on_item_opened(sender, *, item: Item, actor=None, **kwargs) -> None:
    try:
        services.suggestion_record(item=item)
    except Exception:  # a suggestion never blocks intake
        logger.exception("insight suggestion for item %s", item.pk)


def on_item_dispatched(sender, *, item: Item, actor=None, **kwargs) -> None:
    try:
        services.suggestion_settle(item=Item.objects.get(pk=item.pk))  # as dispatched, not as sent
    except Exception:  # nor a dispatch
        logger.exception("insight settle for item %s", item.pk)
