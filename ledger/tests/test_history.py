"""The item's history on the change-history kit (core.history): every write names its actor."""

import pytest

from core.models import Event
from ledger import services
from ledger.models import Item, ItemEvent


def test_an_item_event_is_a_row_of_the_history_kit(cast, open_item):
    item = open_item()
    event = item.events.get()
    assert isinstance(event, Event) and (event.action, event.actor) == ("open", cast.call_taker)
    assert event.changes["title"] == [None, "金山路路面塌陷"] and "version" not in event.changes


def test_opening_with_no_actor_is_refused_and_writes_nothing(cast, open_item):
    with pytest.raises(ValueError, match="actor"):
        open_item(actor=None)
    assert not Item.objects.exists()


def test_an_action_with_no_actor_is_refused_and_writes_nothing(cast, open_item):
    item = open_item()
    with pytest.raises(ValueError, match="actor"):
        services.item_note(item=item, actor=None, text="进展")
    assert ItemEvent.objects.filter(item=item).count() == 1
