"""Large exports (导出任务): above LEDGER_EXPORT_SYNC_MAX_ROWS the export is written by the task
worker (the immediate backend in tests) and downloaded from the job's page, by its requester only."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from core import exports as sheets
from ledger import export_jobs, services
from ledger.models import ExportJob

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.LEDGER_EXPORT_SYNC_MAX_ROWS = 2
    return tmp_path


@pytest.fixture
def three_items(cast, open_item):
    """Three items in 鲤城区 (two of them dispatched) and one in 丰泽区, out of the call-taker's scope."""
    items = [open_item(title=f"鲤城区的事{n}") for n in range(3)]
    for item in items[:2]:
        services.item_dispatch(item=item, actor=cast.call_taker, department=cast.department)
    open_item(title="丰泽区的事", actor=cast.other_call_taker, division=cast.other_village)
    return items


def export(client, name, fmt, **params):
    return client.get(reverse("ledger:export", args=[name, fmt]), params)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def column(rows, header):
    index = list(rows[0]).index(header)
    return [row[index] for row in rows[1:]]


def test_an_export_above_the_limit_becomes_a_job_whose_file_holds_the_scoped_rows(
    client, cast, three_items, django_capture_on_commit_callbacks
):
    client.force_login(cast.call_taker)
    with django_capture_on_commit_callbacks(execute=True):
        response = export(client, "items", "xlsx")
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("ledger:export_job", args=[job.pk])
    assert job.requester == cast.call_taker and (job.list_name, job.fmt, job.query) == ("items", "xlsx", "")
    assert job.status == ExportJob.Status.DONE and job.rows == 3 and job.finished_at is not None

    page = client.get(response.url)
    download = reverse("ledger:export_download", args=[job.pk])
    assert page.status_code == 200 and download in page.text and 'hx-trigger="every 2s"' not in page.text

    response = client.get(download)
    assert response.status_code == 200
    assert response["Content-Type"] == sheets.CONTENT_TYPES["xlsx"]
    assert "attachment" in response["Content-Disposition"]
    assert f"{timezone.localdate():%Y%m%d}.xlsx" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(body(response))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert sheet.title == "问题清单" and rows[0][:2] == ("编号", "标题")
    assert sorted(column(rows, "标题")) == ["鲤城区的事0", "鲤城区的事1", "鲤城区的事2"]


def test_the_job_applies_the_pages_filters_again(client, cast, three_items, django_capture_on_commit_callbacks):
    services.item_dispatch(item=three_items[2], actor=cast.call_taker, department=cast.department)
    client.force_login(cast.call_taker)
    with django_capture_on_commit_callbacks(execute=True):
        response = export(client, "items", "csv", status="dispatched", page="2", tab="items")
    job = ExportJob.objects.get()
    assert response.status_code == 302 and job.query == "status=dispatched" and job.rows == 3
    response = client.get(reverse("ledger:export_download", args=[job.pk]))
    assert response["Content-Type"].startswith("text/csv")
    content = body(response)
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert sorted(column(rows, "标题")) == ["鲤城区的事0", "鲤城区的事1", "鲤城区的事2"]
    assert set(column(rows, "状态")) == {"已派单"}


def test_the_job_runs_within_the_requesters_scope_and_masking(client, cast, three_items):
    job = export_jobs.export_request(user=cast.leader, list_name="items", fmt="csv", query="")
    job = export_jobs.export_run(job_id=job.pk)
    client.force_login(cast.leader)
    rows = list(csv.reader(io.StringIO(body(client.get(reverse("ledger:export_download", args=[job.pk]))).decode())))
    assert len(rows) == 4 and set(column(rows, "联系电话")) == {"138****5678"}


def test_while_queued_the_page_shows_the_row_count_and_polls_itself(client, cast, three_items):
    job = export_jobs.export_request(user=cast.call_taker, list_name="items", fmt="xlsx", query="")
    assert job.status == ExportJob.Status.QUEUED  # the task waits for the commit, which never comes here
    client.force_login(cast.call_taker)
    url = reverse("ledger:export_job", args=[job.pk])
    page = client.get(url)
    assert "正在生成…（共 3 行）" in page.text and "我的导出" in page.text
    assert f'hx-get="{url}" hx-trigger="every 2s"' in page.text
    assert reverse("ledger:export_download", args=[job.pk]) not in page.text
    partial = client.get(url, headers={"HX-Request": "true"})
    assert 'id="export-status"' in partial.text and "<html" not in partial.text and "我的导出" not in partial.text
    assert client.get(reverse("ledger:export_download", args=[job.pk])).status_code == 404

    export_jobs.export_run(job_id=job.pk)
    partial = client.get(url, headers={"HX-Request": "true"})
    assert "hx-trigger" not in partial.text and reverse("ledger:export_download", args=[job.pk]) in partial.text


def test_asking_again_while_the_job_waits_returns_the_same_job(cast, three_items):
    first = export_jobs.export_request(user=cast.call_taker, list_name="items", fmt="xlsx", query="status=open")
    again = export_jobs.export_request(user=cast.call_taker, list_name="items", fmt="xlsx", query="status=open")
    other = export_jobs.export_request(user=cast.call_taker, list_name="items", fmt="csv", query="status=open")
    assert again.pk == first.pk and other.pk != first.pk


def test_another_user_can_neither_see_nor_download_the_job(client, cast, three_items):
    job = export_jobs.export_run(
        job_id=export_jobs.export_request(user=cast.call_taker, list_name="items", fmt="xlsx", query="").pk
    )
    assert job.status == ExportJob.Status.DONE
    for user in (cast.other_call_taker, cast.leader):
        client.force_login(user)
        assert client.get(reverse("ledger:export_job", args=[job.pk])).status_code == 404
        assert client.get(reverse("ledger:export_download", args=[job.pk])).status_code == 404
    mine = export_jobs.export_request(user=cast.leader, list_name="results", fmt="csv", query="")
    page = client.get(reverse("ledger:export_job", args=[mine.pk]))
    assert reverse("ledger:export_job", args=[job.pk]) not in page.text  # not in 我的导出 either


def test_a_failing_export_marks_the_job_failed_and_the_page_shows_why(
    client, cast, three_items, monkeypatch, media, django_capture_on_commit_callbacks
):
    def broken(sheet, file):
        raise OSError("磁盘已满")

    monkeypatch.setattr(sheets, "write_xlsx", broken)
    client.force_login(cast.call_taker)
    with django_capture_on_commit_callbacks(execute=True):
        response = export(client, "items", "xlsx")
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.FAILED and job.error == "磁盘已满" and not job.file
    page = client.get(response.url)
    assert page.status_code == 200 and "导出失败：磁盘已满" in page.text and 'hx-trigger="every 2s"' not in page.text
    assert client.get(reverse("ledger:export_download", args=[job.pk])).status_code == 404
    assert not list(media.rglob("*.xlsx"))


def test_under_the_limit_the_export_is_answered_directly(client, cast, three_items):
    client.force_login(cast.call_taker)
    response = export(client, "items", "xlsx", status="dispatched")
    assert response.status_code == 200 and response["Content-Type"] == sheets.CONTENT_TYPES["xlsx"]
    assert load_workbook(io.BytesIO(body(response))).active.max_row == 3
    assert not ExportJob.objects.exists()


def test_running_a_job_again_changes_nothing(cast, three_items):
    job = export_jobs.export_request(user=cast.call_taker, list_name="items", fmt="csv", query="")
    done = export_jobs.export_run(job_id=job.pk)
    again = export_jobs.export_run(job_id=job.pk)
    assert again.file.name == done.file.name and again.finished_at == done.finished_at


def test_jobs_older_than_a_week_are_deleted_with_their_files(cast, three_items, media):
    old = export_jobs.export_run(
        job_id=export_jobs.export_request(user=cast.call_taker, list_name="items", fmt="csv", query="").pk
    )
    path = media / old.file.name
    assert path.exists()
    ExportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=8))
    export_jobs.export_run(
        job_id=export_jobs.export_request(user=cast.call_taker, list_name="items", fmt="xlsx", query="").pk
    )
    assert not ExportJob.objects.filter(pk=old.pk).exists() and not path.exists()
    assert ExportJob.objects.count() == 1


def test_the_ledger_page_says_when_an_export_will_be_written_in_the_background(client, cast, three_items):
    client.force_login(cast.call_taker)
    assert "将在后台生成" in client.get(reverse("ledger:ledger")).text
    assert "将在后台生成" not in client.get(reverse("ledger:ledger"), {"status": "open"}).text
