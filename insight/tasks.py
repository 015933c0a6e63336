"""Background work: retraining the routing models from the ledger, as a task that schedules its
own next run (like ledger.tasks.reconcile)."""

import datetime as dt
import logging

from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def retrain(every_hours: int = 0) -> dict[str, int]:
    from insight.errors import InsightError
    from insight.services import routing_retrain
    from org.actor import SYSTEM

    versions = {}
    for target in ("category", "department"):
        try:
            versions[target] = routing_retrain(target=target, actor=SYSTEM).version
        except InsightError as e:
            logger.warning("routing retrain %s skipped: %s", target, e)
    if every_hours > 0:
        retrain.using(run_after=timezone.now() + dt.timedelta(hours=every_hours)).enqueue(every_hours)
    return versions
