"""A large register file is imported by the task worker: the page shows the run's progress, then
its report; the import checks every row before writing, in two passes."""

import io

import pytest
from django.urls import reverse

from enterprises.models import Enterprise, ImportRun
from enterprises.services import register_import
from enterprises.tests.conftest import code
from enterprises.tests.test_import import B, csv_bytes, row

pytestmark = pytest.mark.django_db

A = code("350502", "11111111X")


def _upload(data: bytes, name="名录.csv"):
    upload = io.BytesIO(data)
    upload.name = name
    return upload


def test_a_large_file_is_imported_in_the_background_and_its_page_follows_it(
    client, register, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.REGISTER_IMPORT_SYNC_MAX_BYTES = 10
    settings.MEDIA_ROOT = tmp_path
    client.force_login(register.admin)
    data = csv_bytes([row(A), row(B, name="豐澤區瑞信茶業有限公司", industry="C1530", division="350503001"),
                      row(code("350502", "4444444XX"), industry="X9")])  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("enterprises:import"), {"file": _upload(data)})
    run = ImportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("enterprises:import_run", args=[run.pk])
    assert callbacks  # the task was enqueued after commit (the tests' backend runs it at once)
    run.refresh_from_db()
    assert (run.status, run.created, run.error_rows, run.checked_rows, run.written_rows) == ("done", 2, 1, 3, 2)
    assert run.actor == register.admin and not run.file and not list(tmp_path.rglob("*.csv"))  # the upload is gone
    assert Enterprise.objects.count() == 2
    poll = client.get(reverse("enterprises:import_run", args=[run.pk]) + "?status=1", headers={"HX-Request": "true"})
    assert poll.headers.get("HX-Refresh") == "true"  # done: the whole page again, with the report
    page = client.get(response["Location"])
    assert "行业代码" in page.text or "X9" in page.text


def test_a_queued_run_shows_its_progress_and_polls(client, register):
    run = ImportRun.objects.create(filename="big.csv", file_format="csv", status=ImportRun.Status.RUNNING,
                                   checked_rows=5000, written_rows=2000, actor=register.admin)  # fmt: skip
    client.force_login(register.admin)
    page = client.get(reverse("enterprises:import_run", args=[run.pk]))
    assert 'hx-trigger="every 2s"' in page.text and "5000" in page.text and "2000" in page.text
    poll = client.get(reverse("enterprises:import_run", args=[run.pk]) + "?status=1", headers={"HX-Request": "true"})
    assert poll.status_code == 200 and "import-status" in poll.text and "<html" not in poll.text


def test_a_failed_background_import_says_why(register, settings, tmp_path):
    from django.core.files.base import ContentFile

    from enterprises.services import register_import_run

    settings.MEDIA_ROOT = tmp_path
    run = ImportRun(filename="x.csv", file_format="csv", status=ImportRun.Status.QUEUED)
    run.file.save("x.csv", ContentFile(b"\xff\xfe\x00bad"), save=False)
    run.save()
    run = register_import_run(run_id=run.pk)
    assert run.status == "done" and run.error_rows == 1 and "编码" in run.report[0]["reasons"][0]
    assert register_import_run(run_id=run.pk).pk == run.pk  # a task run twice does nothing twice


def test_conflicting_duplicates_found_in_the_first_pass_are_reported_with_the_first_rows_name(register):
    b = row(B, name="乙公司", industry="C1530", division="350503001")
    data = csv_bytes([row(A, name="甲公司"), b, row(A, name="丙公司"), b])
    run = register_import(file=data, filename="dups.csv")
    assert (run.created, run.error_rows) == (1, 2)
    assert {(r["row"], r["name"]) for r in run.report} == {(2, "甲公司"), (4, "甲公司")}
    assert Enterprise.objects.get().credit_code == B


@pytest.mark.postgres
def test_the_name_search_uses_the_trigram_index_on_postgresql(register):
    from django.db import connection

    from enterprises.filters import EnterpriseFilterSet

    assert connection.vendor == "postgresql"
    register_import(file=csv_bytes([row(A)]), filename="a.csv")
    qs = EnterpriseFilterSet({"q": "鸿达鞋业"}, queryset=Enterprise.objects.all()).qs
    with connection.cursor() as cursor:  # a tiny table: leave the planner only index-qualified scans
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = qs.explain()
    assert "Bitmap Index Scan on enterprise_name_search_trgm" in plan
    assert [e.credit_code for e in qs] == [A]
