"""An item's submitters (诉求人): the one it was opened with, and those of the repeats merged into it
(``ItemSubmitter``). Each named submitter is called back (回访) once per round: a round starts when
the item is resolved, so a redo and a new resolution ask everyone again."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from ledger.models import Callback, Item, ItemSubmitter, Satisfaction, SubmitterType

PRIMARY = "primary"  # the key of the item's own submitter; the others are keyed by ItemSubmitter pk
# From worst to best: the item's satisfaction after a round is its worst answer.
SATISFACTION_ORDER = [Satisfaction.UNSATISFIED, Satisfaction.BASICALLY_SATISFIED, Satisfaction.SATISFIED]


@dataclass(frozen=True)
class Party:
    key: str
    submitter_type: str
    name: str
    phone: str
    id_number: str
    enterprise_name: str
    enterprise_credit_code: str
    submitter_user_id: int | None
    extra: ItemSubmitter | None = None  # None: the item's own submitter

    @property
    def callable(self) -> bool:
        """Anonymous submitters cannot be called back."""
        return self.submitter_type != SubmitterType.ANONYMOUS

    @property
    def label(self) -> str:
        if self.submitter_type == SubmitterType.ANONYMOUS:
            return _("匿名诉求人")
        if self.name and self.enterprise_name:
            return f"{self.name}（{self.enterprise_name}）"
        return self.name or self.enterprise_name

    @property
    def merged_from(self) -> Item | None:
        return self.extra.merged_from if self.extra is not None else None

    def identity(self) -> tuple:
        """Two entries with the same identity are the same person asking twice."""
        return (
            self.submitter_type,
            self.name,
            self.phone,
            self.id_number,
            self.enterprise_credit_code or self.enterprise_name,
            self.submitter_user_id,
        )


def _primary(item: Item) -> Party:
    return Party(
        key=PRIMARY,
        submitter_type=item.submitter_type,
        name=item.submitter_name,
        phone=item.submitter_phone,
        id_number=item.submitter_id_number,
        enterprise_name=item.enterprise_name,
        enterprise_credit_code=item.enterprise_credit_code,
        submitter_user_id=item.submitter_user_id,
    )


def _extra(row: ItemSubmitter) -> Party:
    return Party(
        key=str(row.pk),
        submitter_type=row.submitter_type,
        name=row.submitter_name,
        phone=row.submitter_phone,
        id_number=row.submitter_id_number,
        enterprise_name=row.enterprise_name,
        enterprise_credit_code=row.enterprise_credit_code,
        submitter_user_id=row.submitter_user_id,
        extra=row,
    )


def item_parties(item: Item) -> list[Party]:
    """Every submitter of the item: its own first, then the merged ones in the order they joined."""
    extras = ItemSubmitter.objects.filter(item_id=item.pk).select_related("merged_from").order_by("id")
    return [_primary(item), *(_extra(row) for row in extras)]


def round_callbacks(item: Item, callbacks: Iterable[Callback] | None = None) -> dict[str, Callback]:
    """The callbacks of the current round (since the item was last resolved), by submitter key:
    read from ``callbacks`` (the item's, by time) when the caller has them already."""
    if item.resolved_at is None:
        return {}
    if callbacks is None:
        rows = Callback.objects.filter(item_id=item.pk, at__gte=item.resolved_at).order_by("at", "id")
    else:
        rows = [c for c in callbacks if c.at >= item.resolved_at]
    return {(str(c.submitter_id) if c.submitter_id else PRIMARY): c for c in rows}


def pending_callbacks(item: Item, parties: list[Party] | None = None) -> list[Party]:
    """The named submitters not yet called back in this round."""
    done = round_callbacks(item)
    return [p for p in (parties or item_parties(item)) if p.callable and p.key not in done]


def has_callable_submitter(item: Item) -> bool:
    if item.submitter_type != SubmitterType.ANONYMOUS:
        return True
    return ItemSubmitter.objects.filter(item_id=item.pk).exclude(submitter_type=SubmitterType.ANONYMOUS).exists()


def worst(satisfactions) -> str:
    ranked = [s for s in SATISFACTION_ORDER if s in set(satisfactions)]
    return ranked[0] if ranked else ""
