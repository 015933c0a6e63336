"""Two people acting on one item at once, on PostgreSQL with two real connections:
one wins, the other gets a conflict that says so, and nothing of the winner is lost."""

import threading

import pytest
from django.db import connection, connections, transaction

from core.exceptions import VersionConflict
from ledger import services
from ledger.models import Item

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def in_thread(fn, results, key, barrier=None):
    def run():
        try:
            if barrier:
                barrier.wait(timeout=10)
            results[key] = fn()
        except Exception as e:  # the test inspects what each side got
            results[key] = e
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_two_dispatchers_at_once_one_wins_and_the_other_gets_a_conflict(cast, open_item):
    item = open_item()
    seen = item.version
    results = {}
    barrier = threading.Barrier(2)
    threads = [
        in_thread(
            lambda dept=dept: services.item_dispatch(
                item=Item.objects.get(pk=item.pk), actor=cast.call_taker, department=dept, version=seen
            ),
            results,
            dept.code,
            barrier,
        )
        for dept in (cast.department, cast.city_department)
    ]
    for t in threads:
        t.join(timeout=30)
    outcomes = sorted(type(r).__name__ for r in results.values())
    assert outcomes == ["Item", "VersionConflict"], results
    winner = next(r for r in results.values() if isinstance(r, Item))
    item.refresh_from_db()
    assert item.department_id == winner.department_id and item.version == seen + 1
    assert item.events.filter(action="dispatch").count() == 1


def test_a_writer_blocked_on_the_row_lock_sees_the_new_version_and_refuses(cast, open_item):
    assert connection.vendor == "postgresql"
    item = open_item()
    seen = item.version
    locked, release = threading.Event(), threading.Event()
    results = {}

    def hold_the_row():
        with transaction.atomic():
            row = Item.objects.select_for_update().get(pk=item.pk)
            locked.set()
            release.wait(timeout=10)
            Item.objects.filter(pk=row.pk).update(version=row.version + 1, title="他人已修改")
        return "committed"

    holder = in_thread(hold_the_row, results, "holder")
    assert locked.wait(timeout=10)
    writer = in_thread(
        lambda: services.item_dispatch(item=item, actor=cast.call_taker, department=cast.department, version=seen),
        results,
        "writer",
    )
    writer.join(timeout=1)
    assert writer.is_alive(), "the second writer should wait for the row lock"
    release.set()
    holder.join(timeout=10)
    writer.join(timeout=10)
    assert results["holder"] == "committed"
    assert isinstance(results["writer"], VersionConflict)
    item.refresh_from_db()
    assert item.title == "他人已修改" and item.department_id is None
