"""What the register tells the floors above it, sent once the writing transaction has committed.

``register_changed`` carries ``credit_codes``: the enterprises whose data changed, or ``None`` when
any may have (a whole import). The policy engine listens and recomputes its matches."""

from django.db import transaction
from django.dispatch import Signal

register_changed = Signal()


def send_register_changed(*, credit_codes: list[str] | None) -> None:
    transaction.on_commit(lambda: register_changed.send(sender=None, credit_codes=credit_codes))
