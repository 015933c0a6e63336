"""What the ledger tells the floors above (ledger.signals): sent by the services once the write has
committed, so every door (pages, API, Open311, policies, the demo) tells them alike. Before, only
the pages told insight of an opening or a dispatch."""

import pytest

from ledger import services, signals
from ledger.models import ResultKind, SubmitterType
from ledger.tests.test_api import api_client


@pytest.fixture
def heard():
    calls = []

    def receiver(signal):
        def hear(sender, item, actor, **kwargs):
            calls.append((signal, item.pk, actor))

        return hear

    receivers = {name: receiver(name) for name in ("opened", "dispatched", "resolved", "closed")}
    for name, hear in receivers.items():
        getattr(signals, f"item_{name}").connect(hear)
    yield calls
    for name, hear in receivers.items():
        getattr(signals, f"item_{name}").disconnect(hear)


def test_opening_and_dispatching_through_the_api_are_told_after_commit(cast, heard, django_capture_on_commit_callbacks):
    client = api_client(cast.call_taker)
    with django_capture_on_commit_callbacks(execute=True):
        item = services.item_open(
            actor=cast.call_taker, title="路灯不亮", description="金山路路灯不亮。", kind="problem",
            channel="hotline", category=cast.category, division=cast.village,
            submitter_type=SubmitterType.ANONYMOUS,
        )  # fmt: skip
        assert heard == []  # not before the commit
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/items/{item.pk}/dispatch/", {"department": "350502-ZJ"}, format="json")
    assert response.status_code == 200
    assert heard == [("opened", item.pk, cast.call_taker), ("dispatched", item.pk, cast.call_taker)]


def test_a_dispatch_after_a_return_is_told_again(cast, open_item, heard, django_capture_on_commit_callbacks):
    item = open_item()
    with django_capture_on_commit_callbacks(execute=True):
        item = services.item_dispatch(item=item, actor=cast.call_taker, department=cast.department)
        item = services.item_return(item=item, actor=cast.handler, reason="不属于本部门职责")
        services.item_dispatch(item=item, actor=cast.call_taker, department=cast.department)
    assert [name for name, *_ in heard] == ["dispatched", "dispatched"]


def test_resolving_signing_off_and_merging_are_told(cast, open_item, heard, django_capture_on_commit_callbacks):
    item = open_item(submitter_type=SubmitterType.ANONYMOUS)
    repeat = open_item()
    with django_capture_on_commit_callbacks(execute=True):
        item = services.item_dispatch(item=item, actor=cast.call_taker, department=cast.department)
        item = services.item_acknowledge(item=item, actor=cast.handler)
        item = services.item_resolve(item=item, actor=cast.handler, result_kind=ResultKind.SOLVED, result_text="已修复")
        services.item_sign_off(item=item, actor=cast.call_taker)
        other = open_item()
        services.item_merge(item=repeat, actor=cast.call_taker, into=other, reason="同一诉求")
    names = [(name, pk) for name, pk, _actor in heard]
    assert ("resolved", item.pk) in names and ("closed", item.pk) in names and ("closed", repeat.pk) in names
    assert ("closed", other.pk) not in names
