"""What the ledger tells the floors above it, sent once the writing transaction has committed
(``transaction.on_commit``), so a receiver never sees a change that was rolled back. Each signal
carries ``item`` and ``actor``; receivers (insight's suggestions, the cockpit's figures…) connect in
their app's ``ready()`` and must not write to the ledger in the same breath."""

from django.db import transaction
from django.dispatch import Signal

item_opened = Signal()
item_dispatched = Signal()
item_resolved = Signal()
item_closed = Signal()  # signed off or merged into another item


def send_on_commit(signal: Signal, *, item, actor) -> None:
    transaction.on_commit(lambda: signal.send(sender=type(item), item=item, actor=actor))
