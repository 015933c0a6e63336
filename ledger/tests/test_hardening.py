"""What issue 17's probes found in the ledger: a sponsor from another county widened the scope, the
API took what the page refuses (a top-level category, a far deadline, an invalid export filter), and
a merge across counties stranded the first receiver."""

from ledger.models import Item, ItemEvent
from ledger.tests.factories import api_client


def _counts():
    return Item.objects.count(), ItemEvent.objects.count()


def test_a_sponsor_of_another_county_is_refused_and_gains_no_access(cast, open_item):
    item = open_item()
    before, version = _counts(), item.version
    response = api_client(cast.call_taker).post(
        f"/api/items/{item.pk}/dispatch/",
        {"department": "350502-ZJ", "sponsor": "other_leader", "version": 1},
        format="json",
    )
    assert response.status_code == 400, response.json()
    assert "sponsor" in response.json()["errors"] and "包保领导" in response.json()["errors"]["sponsor"][0]
    assert _counts() == before
    item.refresh_from_db()
    assert item.version == version and item.sponsor_id is None
    leader = api_client(cast.other_leader)
    assert leader.get(f"/api/items/{item.pk}/").status_code == 404
    assert leader.post(f"/api/items/{item.pk}/supervise/", {"reason": "督办"}, format="json").status_code == 403


def test_a_sponsor_of_the_items_division_chain_is_accepted(cast, open_item):
    item = open_item()
    response = api_client(cast.call_taker).post(
        f"/api/items/{item.pk}/dispatch/", {"department": "350502-ZJ", "sponsor": "leader", "version": 1}, format="json"
    )
    assert response.status_code == 200 and response.json()["sponsor"] == "leader"
