"""Background work: recomputing the stored matches (政策找企) and pushing the new ones.

``recompute`` is enqueued through ``recompute_enqueue`` only: when a policy is published or
amended (policies.services.catalogue) and when the register changed (the receiver of
``enterprises.signals.register_changed``, policies.receivers); ``manage.py policies recompute``
runs the same work in the foreground."""

import datetime as dt

from django.utils import timezone
from django_tasks import task

from org.actor import SYSTEM
from policies.services.delivery import notify_matches
from policies.services.expiry import policies_expire
from policies.services.matching import matches_refresh


@task()
def recompute(clause_ids: list[int] | None = None, credit_codes: list[str] | None = None) -> dict:
    """Snapshot the register and recompute the matches: in full (no argument), of some clauses
    (``clause_ids``), or of some enterprises (``credit_codes``); then notify the enterprises of
    their new eligible matches (of the clauses whose matches changed). Returns the counts."""
    counts = matches_refresh(clause_ids=clause_ids, credit_codes=credit_codes)
    changed = counts["changed_clause_ids"]
    counts["notified"] = notify_matches(clause_ids=changed) if changed else {}
    return counts


def recompute_enqueue(*, clause_ids: list[int] | None = None, credit_codes: list[str] | None = None) -> None:
    """Recompute in the background: these clauses' matches (``clause_ids``), these enterprises'
    (``credit_codes``), or all of them (neither). Call it after commit."""
    kwargs = {}
    if clause_ids is not None:
        kwargs["clause_ids"] = list(clause_ids)
    if credit_codes is not None:
        kwargs["credit_codes"] = list(credit_codes)
    recompute.enqueue(**kwargs)


@task()
def expire(every_minutes: int = 0) -> int:
    """Expire the published policies whose expiry date has passed (policies.services.expiry.policies_expire);
    with ``every_minutes``, a recurring task that schedules its own next run (like
    ledger.tasks.reconcile; started by ``manage.py policies expire --every MINUTES``)."""
    expired = policies_expire(actor=SYSTEM)
    if every_minutes > 0:
        expire.using(run_after=timezone.now() + dt.timedelta(minutes=every_minutes)).enqueue(every_minutes)
    return expired
