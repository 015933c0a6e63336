"""Background work: the reconcile run, as a task that schedules its own next run. (Large exports
run as ``ledger.export_jobs.export_task``.)"""

import datetime as dt

from django.utils import timezone
from django_tasks import task

from ledger.reconcile import ledger_reconcile


@task()
def reconcile(every_minutes: int = 0) -> dict[str, int]:
    counts = ledger_reconcile()
    if every_minutes > 0:
        later = timezone.now() + dt.timedelta(minutes=every_minutes)
        reconcile.using(run_after=later).enqueue(every_minutes)
    return counts
