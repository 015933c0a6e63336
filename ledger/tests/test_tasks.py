"""The reconcile task on each real queue: the database backend with its worker, and RQ on Redis."""

import datetime as dt

import django_rq
import django_tasks_rq
import pytest
from django.core.management import call_command
from django.test import override_settings
from rq import SimpleWorker

from ledger import services, tasks
from ledger.models import ReconcileNotice


@pytest.fixture
def overdue_item(cast, open_item):
    item = services.item_dispatch(item=open_item(), actor=cast.call_taker, department=cast.department)
    services.item_acknowledge(item=item, actor=cast.handler)
    ReconcileNotice.objects.all().delete()
    return item


def _overdue_now(item):
    return item.resolve_due + dt.timedelta(hours=1)


@pytest.mark.django_db(transaction=True)  # the worker commits and closes its connection, as in production
@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_the_database_worker_runs_an_enqueued_reconcile(overdue_item):
    from freezegun import freeze_time

    with freeze_time(_overdue_now(overdue_item)):
        result = tasks.reconcile.enqueue()
        call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)
    result.refresh()
    assert result.status == "SUCCESSFUL" and result.return_value["overdue"] == 1
    assert ReconcileNotice.objects.filter(item=overdue_item, kind="overdue").exists()


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}})
def test_an_rq_worker_on_redis_runs_an_enqueued_reconcile(overdue_item):
    from freezegun import freeze_time

    queue = django_rq.get_queue("default")
    queue.empty()
    with freeze_time(_overdue_now(overdue_item)):
        result = tasks.reconcile.enqueue()
        assert queue.count == 1  # it really sits in Redis
        # as `manage.py rqworker default --job-class django_tasks_rq.Job` runs it, without forking
        worker = django_rq.get_worker("default", worker_class=SimpleWorker, job_class=django_tasks_rq.Job)
        assert worker.work(burst=True)
    result.refresh()
    assert result.status == "SUCCESSFUL" and result.return_value["overdue"] == 1
    assert ReconcileNotice.objects.filter(item=overdue_item, kind="overdue").exists()
