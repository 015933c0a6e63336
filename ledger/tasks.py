"""Background work: the reconcile run, as a task that schedules its own next run, and large exports."""

import datetime as dt

from django.utils import timezone
from django_tasks import task


@task()
def reconcile(every_minutes: int = 0) -> dict[str, int]:
    from ledger.services import ledger_reconcile

    counts = ledger_reconcile()
    if every_minutes > 0:
        later = timezone.now() + dt.timedelta(minutes=every_minutes)
        reconcile.using(run_after=later).enqueue(every_minutes)
    return counts


@task()
def export_task(job_id: int) -> str:
    """Write one export job's file (see ledger.services.export_run)."""
    from ledger.services import export_run

    return export_run(job_id=job_id).status
