"""Background work: recomputing the stored matches (政策找企) and pushing the new ones.

``recompute`` is enqueued when a policy is published (policies.services.clauses_recompute_enqueue)
and when an import changed enterprises (enterprises.services.register_import); ``manage.py policies
recompute`` runs the same work in the foreground."""

from django_tasks import task


@task()
def recompute(
    clause_ids: list[int] | None = None, credit_code: str | None = None, credit_codes: list[str] | None = None
) -> dict:
    """Snapshot the register and recompute the matches: in full (no argument), of some clauses
    (``clause_ids``), or of some enterprises (``credit_code``, or ``credit_codes`` for an import);
    then notify the enterprises of their new eligible matches (of the clauses whose matches
    changed). Returns the counts."""
    from policies.services import matches_refresh, notify_matches

    codes = [credit_code] if credit_code is not None else credit_codes
    counts = matches_refresh(clause_ids=clause_ids, credit_codes=codes)
    changed = counts["changed_clause_ids"]
    counts["notified"] = notify_matches(clause_ids=changed) if changed else {}
    return counts


@task()
def expire(every_minutes: int = 0) -> int:
    """Expire the published policies whose expiry date has passed (policies.services.policies_expire);
    with ``every_minutes``, a recurring task that schedules its own next run (like
    ledger.tasks.reconcile; started by ``manage.py policies expire --every MINUTES``)."""
    import datetime as dt

    from django.utils import timezone

    from policies.services import policies_expire

    expired = policies_expire()
    if every_minutes > 0:
        expire.using(run_after=timezone.now() + dt.timedelta(minutes=every_minutes)).enqueue(every_minutes)
    return expired
