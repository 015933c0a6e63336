"""How the policies react to the floors below them (connected in ``PoliciesConfig.ready``)."""

from django.dispatch import receiver

from enterprises.signals import register_changed
from policies.tasks import recompute_enqueue


@receiver(register_changed, dispatch_uid="policies.recompute_on_register_changed")
def recompute_on_register_changed(sender, *, credit_codes: list[str] | None, **kwargs) -> None:
    """The register changed (sent on commit): recompute the matches of those enterprises (None: all)."""
    recompute_enqueue(credit_codes=None if credit_codes is None else sorted(set(credit_codes)))
