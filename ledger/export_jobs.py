"""Export jobs (导出任务): a list too large to write within a request is written by the task worker.
The job keeps the page's filters; ``export_run`` applies them again, within the requester's scope,
through the same ``exports.list_filterset`` the page and the direct export use. The task that runs
a job lives here too, so the service that queues it and the task that runs it import nothing of
each other."""

import dataclasses
import datetime as dt
import logging
import secrets
import tempfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from core import exports as sheets
from ledger import exports
from ledger.models import ExportJob

logger = logging.getLogger(__name__)

EXPORT_KEEP_DAYS = 7


def export_request(*, user, list_name: str, fmt: str, query: str) -> ExportJob:
    """Queue an export of ``list_name`` as ``fmt`` with the filters in ``query`` (a query string).
    The same export still waiting or running for the same user is returned instead of a second one."""
    if list_name not in exports.LISTS:
        raise ValidationError({"list_name": _("没有这个清单。")})
    if fmt not in sheets.CONTENT_TYPES:
        raise ValidationError({"fmt": _("不支持这种格式。")})
    waiting = (
        ExportJob.objects.filter(requester=user, list_name=list_name, fmt=fmt, query=query)
        .filter(status__in=[ExportJob.Status.QUEUED, ExportJob.Status.RUNNING])
        .first()
    )
    if waiting is not None:
        return waiting
    rows = exports.list_filterset(user=user, name=list_name, data=QueryDict(query), strict=True).qs.count()
    job = ExportJob.objects.create(
        requester=user,
        list_name=list_name,
        fmt=fmt,
        query=query,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        rows=rows,
    )
    transaction.on_commit(lambda: export_task.enqueue(job.pk))
    return job


def export_run(*, job_id: int) -> ExportJob:
    """Write the job's file and mark it done, or failed with the error's message. A job that is
    no longer queued (a task delivered twice) is left as it is. Old jobs are pruned first."""
    export_prune()
    if not ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update(status=ExportJob.Status.RUNNING):
        return ExportJob.objects.get(pk=job_id)
    job = ExportJob.objects.select_related("requester").get(pk=job_id)
    try:
        with translation.override(job.language or settings.LANGUAGE_CODE):
            data = QueryDict(job.query)
            filterset = exports.list_filterset(user=job.requester, name=job.list_name, data=data)
            sheet = exports.LISTS[job.list_name].sheet(filterset.qs, job.requester)
            counted = [0]

            def rows():
                for row in sheet.rows:
                    counted[0] += 1
                    yield row

            with tempfile.TemporaryFile() as file:
                sheets.write(dataclasses.replace(sheet, rows=rows()), job.fmt, file)
                file.seek(0)
                job.file.save(f"{job.pk}-{secrets.token_hex(8)}.{job.fmt}", File(file, name="export"), save=False)
    except Exception as e:
        logger.exception("export job %s failed", job.pk)
        if job.file:
            job.file.delete(save=False)
        job.status, job.error = ExportJob.Status.FAILED, (str(e) or type(e).__name__)[:2000]
    else:
        job.status, job.rows = ExportJob.Status.DONE, counted[0]
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "rows", "file", "error", "finished_at"])
    return job


def export_prune(*, now: dt.datetime | None = None) -> int:
    """Delete export jobs older than EXPORT_KEEP_DAYS days with their files; the number deleted."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=EXPORT_KEEP_DAYS)
    old = list(ExportJob.objects.filter(created_at__lt=cutoff))
    for job in old:
        if job.file:
            job.file.delete(save=False)
    ExportJob.objects.filter(pk__in=[job.pk for job in old]).delete()
    return len(old)


@task()
def export_task(job_id: int) -> str:
    """Write one export job's file (``export_run``)."""
    return export_run(job_id=job_id).status
