"""Scope through the API: officials of another county find none of the first county's items in any
list (their 404s and 403s are in test_permissions); phone and ID numbers are masked for roles that
do not need them, in the item and in its timeline."""

import pytest
from django.utils import timezone

from core.testing import api_client
from ledger import services
from ledger.models import ResultKind
from ledger.tests.factories import bring

OUTSIDERS = ["other_call_taker", "other_handler", "other_leader"]


@pytest.fixture
def item(cast, open_item):
    """An item of 鲤城区, in progress with a measure, sponsored by 鲤城区's leader."""
    item = open_item(submitter_id_number="11010519491231002X")
    item = services.item_dispatch(item=item, actor=cast.call_taker, department=cast.department, sponsor=cast.leader)
    item = services.item_acknowledge(item=item, actor=cast.handler)
    services.item_add_measure(item=item, actor=cast.handler, text="安排施工队", due=timezone.localdate())
    item.refresh_from_db()
    return item


@pytest.fixture
def resolved(cast, open_item):
    """A second item of 鲤城区, resolved, so that the result list has a row."""
    return bring(cast, open_item(title="金山社区路灯不亮"), "resolved")


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_an_official_of_another_county_cannot_read_the_item(cast, item, resolved, outsider):
    client = api_client(getattr(cast, outsider))
    for params in (
        {},
        {"division": "350502"},
        {"division": "350502001001"},
        {"department": "350502-ZJ"},
        {"q": "金山"},
        {"q": item.number},
        {"status": ["in_progress", "resolved"]},
        {"kind": "problem"},
    ):
        listed = client.get("/api/items/", params).json()
        assert listed["count"] == 0 and listed["results"] == [], params
    assert client.get("/api/measures/").json()["count"] == 0
    assert client.get("/api/measures/", {"department": "350502-ZJ"}).json()["count"] == 0
    assert client.get("/api/results/").json()["count"] == 0
    assert client.get("/api/results/", {"kind": ResultKind.SOLVED}).json()["count"] == 0


def test_the_first_county_sees_what_the_other_does_not(cast, item, resolved):
    # The counterpart of the test above, so that an empty list there means scope and not a broken filter.
    client = api_client(cast.leader)
    assert client.get("/api/items/", {"division": "350502", "q": "金山"}).json()["count"] == 2
    assert client.get("/api/measures/", {"department": "350502-ZJ"}).json()["count"] == 2
    assert client.get("/api/results/", {"kind": ResultKind.SOLVED}).json()["count"] == 1


@pytest.mark.parametrize(
    "actor,phone,id_number",
    [
        ("call_taker", "13812345678", "11010519491231002X"),
        ("admin", "13812345678", "11010519491231002X"),
        ("handler", "13812345678", "110105********002X"),
        ("leader", "138****5678", "110105********002X"),
        ("auditor", "138****5678", "110105********002X"),
    ],
)
def test_the_submitters_phone_and_id_number_are_masked_by_role(cast, item, actor, phone, id_number):
    client = api_client(getattr(cast, actor))
    detail = client.get(f"/api/items/{item.pk}/").json()
    assert (detail["submitter_phone"], detail["submitter_id_number"]) == (phone, id_number)
    row = next(i for i in client.get("/api/items/").json()["results"] if i["id"] == item.pk)
    assert (row["submitter_phone"], row["submitter_id_number"]) == (phone, id_number)
    opened = client.get(f"/api/items/{item.pk}/timeline/").json()[0]
    assert opened["action"] == "open"
    assert opened["changes"]["submitter_phone"] == [None, phone]
    assert opened["changes"]["submitter_id_number"] == [None, id_number]
