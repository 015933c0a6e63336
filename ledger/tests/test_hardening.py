"""What issue 17's probes found in the ledger: a sponsor from another county widened the scope, the
API took what the page refuses (a top-level category, a far deadline, an invalid export filter), and
a merge across counties stranded the first receiver."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.exceptions import ActionRefused
from core.testing import api_client
from ledger import export_jobs, services
from ledger.models import Item, ItemEvent, Status
from ledger.tests.factories import open_body


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


def test_a_top_level_category_is_refused_through_the_api_as_on_the_page(cast, open_item):
    before = _counts()
    response = api_client(cast.call_taker).post("/api/items/", open_body(category="01"), format="json")
    assert response.status_code == 400, response.json()
    assert "category" in response.json()["errors"]
    assert _counts() == before
    item = open_item()
    with pytest.raises(ValidationError) as refused:
        services.item_edit(item=item, actor=cast.call_taker, reason="改分类", category=cast.category.parent)
    assert "category" in refused.value.message_dict


def test_a_resolve_by_beyond_the_horizon_is_refused(cast, open_item, settings):
    item = open_item()
    client = api_client(cast.call_taker)
    url = f"/api/items/{item.pk}/dispatch/"
    response = client.post(url, {"department": "350502-ZJ", "resolve_by": "9999-12-31", "version": 1}, format="json")
    assert response.status_code == 400 and "resolve_by" in response.json()["errors"]
    item.refresh_from_db()
    assert item.version == 1
    settings.LEDGER_MAX_RESOLVE_HORIZON_DAYS = 30
    late = (timezone.localdate() + dt.timedelta(days=31)).isoformat()
    response = client.post(url, {"department": "350502-ZJ", "resolve_by": late, "version": 1}, format="json")
    assert response.status_code == 400
    near = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    response = client.post(url, {"department": "350502-ZJ", "resolve_by": near, "version": 1}, format="json")
    assert response.status_code == 200


@pytest.mark.parametrize("query", ["opened_after=notadate", "status=nonsense", "department=999999"])
def test_an_export_with_an_invalid_filter_is_refused(cast, open_item, client, query):
    open_item()
    client.force_login(cast.call_taker)
    response = client.get(f"/ledger/export/items.csv?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.content.decode()
    assert client.get("/ledger/export/items.csv").status_code == 200
    with pytest.raises(ValidationError):
        export_jobs.export_request(user=cast.call_taker, list_name="items", fmt="csv", query=query)


def test_a_merge_into_an_item_the_first_receiver_cannot_see_is_refused(cast, open_item):
    repeat = open_item()  # opened in 鲤城 by the call-taker of 鲤城
    other = open_item(actor=cast.other_call_taker, division=cast.other_village, title="东海路路灯坏了")
    before = _counts(), repeat.version, other.version
    with pytest.raises(ActionRefused) as refused:
        services.item_merge(item=repeat, actor=cast.admin, into=other, reason="重复件")
    assert "首接" in str(refused.value)
    repeat.refresh_from_db()
    other.refresh_from_db()
    assert (_counts(), repeat.version, other.version) == before and repeat.status == Status.OPEN
    response = api_client(cast.admin).post(
        f"/api/items/{repeat.pk}/merge/", {"into": other.pk, "reason": "重复件"}, format="json"
    )
    assert response.status_code == 409 and _counts() == before[0]


def test_a_merge_within_the_first_receivers_scope_still_works(cast, open_item):
    repeat, survivor = open_item(), open_item(title="金山路路面塌陷（再次来电）")
    merged = services.item_merge(item=repeat, actor=cast.admin, into=survivor, reason="重复件")
    assert merged.status == Status.MERGED and merged.merged_into_id == survivor.pk
