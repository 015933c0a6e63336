"""The GeoReport v2 endpoints through Django's test client: shapes (JSON Schemas, XML), the mapping
onto the ledger, the round trip through the loop, batch mode, the extensions and every bad input."""

import datetime as dt
from io import StringIO
from xml.etree import ElementTree as ET

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from ledger import services as ledger
from ledger.models import Channel, Item, ItemEvent, ResultKind, Satisfaction, Status
from open311 import services
from open311.models import ApiKey, ServiceRequest, ServiceRequestToken
from open311.selectors import key_digest
from open311.tests.helpers import make_client, make_services, post_body, validate
from org.actor import SYSTEM
from org.models import Division

V2 = "/open311/v2"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.fixture
def app(cast):
    make_services(cast)
    return make_client(cast)


def post(client, key, fmt="json", **overrides):
    return client.post(f"{V2}/requests.{fmt}", post_body(key, **overrides))


def errors_of(response, fmt="json"):
    if fmt == "json":
        body = response.json()
        assert isinstance(body, list) and set(body[0]) == {"code", "description"}
        return body[0]
    root = ET.fromstring(response.content)
    assert root.tag == "errors" and root[0].tag == "error"
    return {"code": int(root[0].findtext("code")), "description": root[0].findtext("description")}


def written():
    return (Item.objects.count(), ItemEvent.objects.count(), ServiceRequestToken.objects.count())


# ---------------------------------------------------------------------------------------------
# Services


def test_the_service_list_is_the_ledgers_categories_with_group_and_keywords(client, app):
    response = client.get(f"{V2}/services.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    validate(body, "services")
    by_code = {s["service_code"]: s for s in body}
    assert by_code["0101"] == {
        "service_code": "0101",
        "service_name": "道路维修",
        "description": None,
        "metadata": True,
        "type": "realtime",
        "keywords": None,
        "group": "城乡建设",
    }
    assert by_code["0201"]["type"] == "batch" and by_code["0201"]["keywords"] == "信访,请愿"


def test_the_service_list_in_xml_is_utf8_with_string_booleans(client, app):
    response = client.get(f"{V2}/services.xml")
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == "services"
    service = next(s for s in root.findall("service") if s.findtext("service_code") == "0101")
    assert service.findtext("service_name") == "道路维修" and service.findtext("metadata") == "true"


def test_the_service_definition_carries_the_categorys_extra_questions(client, app):
    body = client.get(f"{V2}/services/0101.json").json()
    validate(body, "service-definition")
    size = body["attributes"][0]
    assert size["code"] == "size" and size["required"] is True and size["datatype"] == "singlevaluelist"
    assert size["values"] == [{"key": "small", "name": "小于1平方米"}, {"key": "large", "name": "1平方米以上"}]
    root = ET.fromstring(client.get(f"{V2}/services/0101.xml").content)
    assert root.tag == "service_definition"
    assert [v.findtext("key") for v in root.find("attributes/attribute/values")] == ["small", "large"]


def test_discovery_lists_the_v2_endpoint_in_both_formats(client, app):
    body = client.get(f"{V2}/discovery.json").json()
    assert body["endpoints"][0]["url"].endswith("/open311/v2")
    assert (
        ET.fromstring(client.get(f"{V2}/discovery.xml").content).find("endpoints/endpoint/formats/format") is not None
    )


# ---------------------------------------------------------------------------------------------
# Filing a request


def test_a_post_opens_an_item_through_item_open_in_the_clients_channel(client, cast, app):
    api_client, key = app
    response = post(client, key)
    assert response.status_code == 201
    number = response.json()[0]["service_request_id"]
    item = Item.objects.get(number=number)
    assert item.channel == Channel.APP and item.first_receiver == api_client.user
    assert item.division == cast.village  # the address names the community
    assert item.address.startswith("泉州市鲤城区") and item.location_raw["address_string"].endswith("128号")
    assert item.submitter_name == "王小明" and item.submitter_phone == "13812345678"
    assert item.events.get().action == "open" and item.events.get().actor == api_client.user
    assert ServiceRequest.objects.get(item=item).attributes == {"size": "large"}


def test_lat_and_long_map_to_the_nearest_division_and_are_kept(client, cast, app):
    _c, key = app
    Division.objects.filter(pk=cast.village.pk).update(latitude="24.900000", longitude="118.580000")
    Division.objects.filter(pk=cast.other_village.pk).update(latitude="24.950000", longitude="118.650000")
    response = post(client, key, address_string=None, lat="24.9012", long="118.5811")
    item = Item.objects.get(number=response.json()[0]["service_request_id"])
    assert item.division == cast.village and (item.lat, item.long) == (24.9012, 118.5811)


def test_a_post_answers_in_xml_too(client, app):
    _c, key = app
    response = post(client, key, fmt="xml")
    root = ET.fromstring(response.content)
    assert response.status_code == 201 and root.tag == "service_requests"
    assert root.find("request/service_request_id").text.isdigit()


def test_an_empty_parameter_means_the_same_as_an_absent_one(client, app):
    _c, key = app
    response = post(client, key, lat="", long="", zipcode="", media_url="")
    assert response.status_code == 201
    assert client.get(f"{V2}/requests.json", {"status": "", "service_code": ""}).status_code == 200


# ---------------------------------------------------------------------------------------------
# The round trip through the loop


def test_round_trip_a_filed_request_is_taken_through_the_loop_and_the_client_sees_it_closed(client, cast, app):
    _c, key = app
    number = post(client, key).json()[0]["service_request_id"]
    item = Item.objects.get(number=number)
    seen = client.get(f"{V2}/requests/{number}.json").json()
    validate(seen, "requests")
    assert seen[0]["status"] == "open" and seen[0]["agency_responsible"] is None

    item = ledger.item_dispatch(item=item, actor=cast.call_taker, department=cast.department)
    item = ledger.item_acknowledge(item=item, actor=cast.handler)
    seen = client.get(f"{V2}/requests/{number}.json").json()[0]
    assert seen["agency_responsible"] == "鲤城区住建局"
    assert seen["expected_datetime"] == timezone.localtime(item.resolve_due).replace(microsecond=0).isoformat()
    item = ledger.item_resolve(item=item, actor=cast.handler, result_kind=ResultKind.SOLVED, result_text="已修复路面")
    assert client.get(f"{V2}/requests/{number}.json").json()[0]["status"] == "closed"  # resolved: closed
    item = ledger.item_callback(item=item, actor=cast.call_taker, satisfaction=Satisfaction.SATISFIED, solved=True)
    item = ledger.item_sign_off(item=item, actor=cast.call_taker, reason="群众满意，销号")

    seen = client.get(f"{V2}/requests/{number}.json", {"extensions": "true"}).json()
    validate(seen, "requests")
    seen = seen[0]
    assert seen["status"] == "closed" and seen["status_notes"] == "群众满意，销号"
    assert seen["updated_datetime"] == timezone.localtime(item.closed_at).replace(microsecond=0).isoformat()
    assert [n["type"] for n in seen["notes"]] == ["open", "dispatch", "acknowledge", "resolve", "callback", "sign_off"]
    assert seen["notes"][3]["description"] == "已修复路面" and seen["attributes"] == {"size": "large"}

    updates = client.get(f"{V2}/servicerequestupdates.json", {"api_key": key}).json()
    assert [(u["external_status_code"], u["status"]) for u in updates] == [
        ("dispatch", "open"),
        ("acknowledge", "in_progress"),
        ("resolve", "fixed"),
        ("callback", "fixed"),
        ("sign_off", "closed"),
    ]
    assert all(u["service_request_id"] == number for u in updates)
    xml = ET.fromstring(client.get(f"{V2}/servicerequestupdates.xml", {"api_key": key}).content)
    assert xml.tag == "service_request_updates" and len(xml.findall("request_update")) == 5


def test_a_request_merged_into_another_is_closed_and_names_the_item_it_joined(client, cast, app):
    _c, key = app
    first, repeat = (post(client, key).json()[0]["service_request_id"] for _ in range(2))
    into, item = Item.objects.get(number=first), Item.objects.get(number=repeat)
    ledger.item_merge(item=item, into=into, actor=cast.call_taker, reason="同一路段")
    seen = client.get(f"{V2}/requests/{repeat}.json").json()
    validate(seen, "requests")
    assert seen[0]["status"] == "closed" and seen[0]["service_notice"] == f"已合并：与事项 {first} 一并办理"
    assert client.get(f"{V2}/requests/{first}.json").json()[0]["status"] == "open"
    updates = client.get(f"{V2}/servicerequestupdates.json", {"api_key": key}).json()
    assert ("merge", "closed") in {(u["external_status_code"], u["status"]) for u in updates}


def test_a_client_posts_an_update_and_a_reopen(client, cast, app):
    _c, key = app
    number = post(client, key).json()[0]["service_request_id"]
    item = Item.objects.get(number=number)
    response = client.post(
        f"{V2}/servicerequestupdates.json",
        {"api_key": key, "service_request_id": number, "description": "塌陷扩大了", "status": "OPEN"},
    )
    assert response.status_code == 200 and response.json()[0]["update_id"]
    assert item.events.last().action == "note" and item.events.last().reason == "塌陷扩大了"

    item = ledger.item_dispatch(item=item, actor=cast.call_taker, department=cast.department)
    item = ledger.item_acknowledge(item=item, actor=cast.handler)
    item = ledger.item_resolve(item=item, actor=cast.handler, result_kind=ResultKind.SOLVED, result_text="已修复")
    response = client.post(
        f"{V2}/servicerequestupdates.xml",
        {"api_key": key, "service_request_id": number, "description": "还没修好", "status": "OPEN"},
    )
    assert ET.fromstring(response.content).find("request_update/update_id").text
    item.refresh_from_db()
    assert item.status == Status.REDO and item.redo_count == 1
    assert client.get(f"{V2}/requests/{number}.json").json()[0]["status"] == "open"
    # the client's own posts are not echoed back as updates
    updates = client.get(f"{V2}/servicerequestupdates.json", {"api_key": key}).json()
    assert "note" not in {u["external_status_code"] for u in updates}


# ---------------------------------------------------------------------------------------------
# The list


def test_the_list_filters_and_pages_and_never_returns_contact_details(client, cast, app, open_item):
    _c, key = app
    numbers = [post(client, key).json()[0]["service_request_id"] for _ in range(3)]
    hotline = open_item()  # a hotline item in the jurisdiction is listed too
    body = client.get(f"{V2}/requests.json").json()
    validate(body, "requests")
    assert {r["service_request_id"] for r in body} == {*numbers, hotline.number}
    text = client.get(f"{V2}/requests.xml", {"extensions": "true"}).content.decode()
    assert "13812345678" not in text and "王小明" not in text and "wang@example.test" not in text
    assert len(client.get(f"{V2}/requests.json", {"page_size": "2"}).json()) == 2
    assert len(client.get(f"{V2}/requests.json", {"page_size": "2", "page": "2"}).json()) == 2
    assert client.get(f"{V2}/requests.json", {"page_size": "2", "page": "3"}).json() == []
    assert len(client.get(f"{V2}/requests.json", {"service_request_id": ",".join(numbers[:2])}).json()) == 2
    assert client.get(f"{V2}/requests.json", {"status": "closed"}).json() == []
    assert len(client.get(f"{V2}/requests.json", {"status": "open", "service_code": "0101"}).json()) == 4
    week_ago = (timezone.now() - dt.timedelta(days=7)).isoformat()
    assert client.get(f"{V2}/requests.json", {"end_date": week_ago}).json() == []


def test_the_default_window_is_the_last_90_days(client, cast, app, open_item):
    old = open_item(opened_at=timezone.now() - dt.timedelta(days=100))
    new = open_item()
    listed = {r["service_request_id"] for r in client.get(f"{V2}/requests.json").json()}
    assert new.number in listed and old.number not in listed
    start = (timezone.now() - dt.timedelta(days=120)).strftime("%Y-%m-%dT%H:%M:%SZ")
    listed = {r["service_request_id"] for r in client.get(f"{V2}/requests.json", {"start_date": start}).json()}
    assert old.number in listed


# ---------------------------------------------------------------------------------------------
# Batch mode


def test_a_batch_service_gives_a_token_and_an_item_only_after_review(client, cast, app):
    _c, key = app
    response = post(client, key, service_code="0201", **{"attribute[size]": None})
    assert response.status_code == 201
    token = response.json()[0]["token"]
    assert Item.objects.count() == 0
    assert client.get(f"{V2}/tokens/{token}.json").json() == [{"service_request_id": None, "token": token}]
    services.token_accept(token=ServiceRequestToken.objects.get(token=token), reviewer=cast.admin)
    item = Item.objects.get()
    assert item.kind == "petition" and item.category.code == "0201"
    found = client.get(f"{V2}/tokens/{token}.xml")
    assert ET.fromstring(found.content).findtext("request/service_request_id") == item.number
    assert client.get(f"{V2}/requests/{item.number}.json").status_code == 200  # filed by the client: listed


# ---------------------------------------------------------------------------------------------
# Bad input: the spec's error body, nothing written


BAD_POSTS = {
    "missing service_code": ({"service_code": None}, 400),
    "unknown service_code": ({"service_code": "9999"}, 400),
    "missing required attribute": ({"attribute[size]": None}, 400),
    "attribute value not in its list": ({"attribute[size]": "huge"}, 400),
    "lat without long": ({"lat": "24.9"}, 400),
    "long without lat": ({"long": "118.5"}, 400),
    "no location": ({"address_string": None}, 400),
    "description over 4000 characters": ({"description": "路" * 4001}, 400),
    "missing api_key": ({"api_key": None}, 403),
    "unknown api_key": ({"api_key": "not-a-key"}, 403),
    "a bad phone number": ({"phone": "12"}, 400),
}


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("case", list(BAD_POSTS))
def test_a_bad_post_gets_the_spec_error_body_and_writes_nothing(client, app, case, fmt):
    _c, key = app
    overrides, status = BAD_POSTS[case]
    before = written()
    response = post(client, key, fmt=fmt, **overrides)
    assert response.status_code == status, response.content
    assert errors_of(response, fmt)["code"] == status
    assert written() == before


def test_a_revoked_key_is_refused(client, app):
    client_app, key = app
    services.key_revoke(key=ApiKey.objects.get(digest=key_digest(key)), actor=SYSTEM)
    response = post(client, key)
    assert response.status_code == 403 and "revoked" in errors_of(response)["description"]
    assert Item.objects.count() == 0


BAD_READS = {
    "malformed start_date": ("requests.json", {"start_date": "yesterday"}, 400),
    "malformed end_date": ("requests.xml", {"end_date": "2026-13-45"}, 400),
    "range over 90 days": ("requests.json", {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01"}, 400),
    "end before start": ("requests.json", {"start_date": "2026-06-01T00:00:00+08:00", "end_date": "2026-01-01"}, 400),
    "unknown status": ("requests.json", {"status": "pending"}, 400),
    "bad page_size": ("requests.json", {"page_size": "many"}, 400),
    "unknown request id": ("requests/20990101000001.json", {}, 404),
    "unknown request id in xml": ("requests/20990101000001.xml", {}, 404),
    "unknown token": ("tokens/00000000-0000-0000-0000-000000000000.json", {}, 404),
    "unknown service definition": ("services/9999.xml", {}, 404),
    "updates without api_key": ("servicerequestupdates.json", {}, 403),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD_READS))
def test_a_bad_read_gets_the_spec_error_body(client, app, case):
    path, params, status = BAD_READS[case]
    response = client.get(f"{V2}/{path}", params)
    assert response.status_code == status
    assert errors_of(response, "xml" if path.endswith(".xml") else "json")["code"] == status


def test_an_unknown_jurisdiction_is_404_only_when_more_than_one_is_served(client, app):
    assert client.get(f"{V2}/services.json", {"jurisdiction_id": "nowhere"}).status_code == 200
    Division.objects.create(code="350600", name="漳州市", level=Division.Level.CITY, path="350600/")
    response = client.get(f"{V2}/services.json", {"jurisdiction_id": "nowhere"})
    assert response.status_code == 404 and errors_of(response)["code"] == 404
    assert client.get(f"{V2}/services.json", {"jurisdiction_id": "350500"}).status_code == 200
    _c, key = app
    before = written()
    response = post(client, key, jurisdiction_id="350601")
    assert response.status_code == 404 and written() == before


def test_a_flood_of_posts_from_one_key_is_429(client, cast):
    make_services(cast)
    _c, key = make_client(cast, rate_limit=3)
    assert [post(client, key).status_code for _ in range(3)] == [201] * 3
    before = written()
    response = post(client, key, fmt="xml")
    assert response.status_code == 429 and errors_of(response, "xml")["code"] == 429
    assert written() == before
    _c2, other = make_client(cast, name="FixMyStreet")
    assert post(client, other).status_code == 201  # per key


def test_an_update_on_another_clients_request_is_refused(client, cast, app):
    _c, key = app
    number = post(client, key).json()[0]["service_request_id"]
    _o, other = make_client(cast, name="FixMyStreet")
    before = written()
    response = client.post(
        f"{V2}/servicerequestupdates.json", {"api_key": other, "service_request_id": number, "description": "x"}
    )
    assert response.status_code == 403 and written() == before


# ---------------------------------------------------------------------------------------------
# Keys


def test_open311_key_prints_only_a_new_key_that_works(client, cast, app):
    out = StringIO()
    call_command("open311_key", "市民App", stdout=out)
    raw = out.getvalue().strip()
    assert "\n" not in raw and len(raw) > 30
    assert ApiKey.objects.filter(digest=key_digest(raw), client__name="市民App").exists()
    assert post(client, raw).status_code == 201
    assert not ApiKey.objects.filter(prefix="").exists()


def test_the_admin_makes_a_key_for_a_new_client_and_revokes_it(client, cast):
    from open311.models import ApiClient

    client.force_login(cast.admin)
    response = client.post(
        "/admin/open311/apiclient/add/",
        {"name": "城市App", "channel": "app", "division": cast.city.pk, "rate_limit": 60, "active": "on",
         "keys-TOTAL_FORMS": 0, "keys-INITIAL_FORMS": 0},
    )  # fmt: skip
    assert response.status_code == 302, response.content[:2000]
    api_client = ApiClient.objects.get(name="城市App")
    assert api_client.user.person.role == "call_taker" and not api_client.user.has_usable_password()
    response = client.post(
        "/admin/open311/apiclient/", {"action": "make_key", "_selected_action": [api_client.pk]}, follow=True
    )
    assert response.status_code == 200 and api_client.keys.count() == 1
    key = api_client.keys.get()
    client.post("/admin/open311/apikey/", {"action": "revoke", "_selected_action": [key.pk]})
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_a_signed_off_request_takes_no_update_and_nothing_is_written(client, cast, app):
    _c, key = app
    number = post(client, key, first_name=None, last_name=None).json()[0]["service_request_id"]  # anonymous
    item = Item.objects.get(number=number)
    item = ledger.item_dispatch(item=item, actor=cast.call_taker, department=cast.department)
    item = ledger.item_acknowledge(item=item, actor=cast.handler)
    item = ledger.item_resolve(item=item, actor=cast.handler, result_kind=ResultKind.SOLVED, result_text="已修复")
    body = {"api_key": key, "service_request_id": number, "description": "还在漏", "status": "OPEN"}
    client.post(f"{V2}/servicerequestupdates.json", body)  # anonymous: cannot be called back, so a marked note
    assert item.events.last().action == "note" and item.events.last().reason.startswith(services.REOPEN_PREFIX)
    ledger.item_sign_off(item=item, actor=cast.call_taker)
    before = written()
    response = client.post(f"{V2}/servicerequestupdates.xml", body)
    assert response.status_code == 400 and errors_of(response, "xml")["code"] == 400
    assert written() == before


def test_a_rejected_batch_request_never_gets_an_id(client, cast, app):
    _c, key = app
    token = post(client, key, service_code="0201", **{"attribute[size]": None}).json()[0]["token"]
    services.token_reject(token=ServiceRequestToken.objects.get(token=token), reviewer=cast.admin, reason="重复")
    assert client.get(f"{V2}/tokens/{token}.json").json()[0]["service_request_id"] is None
    assert Item.objects.count() == 0


def test_the_admin_accepts_a_batch_request(client, cast, app):
    _c, key = app
    token = post(client, key, service_code="0201", **{"attribute[size]": None}).json()[0]["token"]
    pk = ServiceRequestToken.objects.get(token=token).pk
    client.force_login(cast.admin)
    client.post("/admin/open311/servicerequesttoken/", {"action": "accept", "_selected_action": [pk]})
    accepted = ServiceRequestToken.objects.get(pk=pk)
    assert accepted.status == "accepted" and accepted.decided_by == cast.admin and accepted.item.kind == "petition"


def test_a_client_may_put_its_api_key_in_the_query_string(client, app):
    _c, key = app
    body = post_body(key)
    del body["api_key"]
    response = client.post(f"{V2}/requests.json?api_key={key}", body)
    assert response.status_code == 201


def test_extensions_in_xml_carry_the_answers_and_the_notes(client, app):
    _c, key = app
    number = post(client, key).json()[0]["service_request_id"]
    root = ET.fromstring(client.get(f"{V2}/requests/{number}.xml", {"extensions": "true"}).content)
    request = root.find("request")
    assert request.findtext("service_request_id") == number and request.findtext("status") == "open"
    assert request.findtext("attributes/attribute/code") == "size"
    assert request.findtext("attributes/attribute/value") == "large"
    assert request.findtext("notes/note/type") == "open"


@pytest.mark.parametrize("status", ["INVESTIGATING", "IN_PROGRESS", "ACTION_SCHEDULED", "FIXED", "CLOSED"])
@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_fixmystreets_progress_statuses_are_recorded_as_notes(client, cast, app, status, fmt):
    _c, key = app
    number = post(client, key).json()[0]["service_request_id"]
    item = Item.objects.get(number=number)
    response = client.post(
        f"{V2}/servicerequestupdates.{fmt}",
        {"api_key": key, "service_request_id": number, "description": "已派人查看", "status": status},
    )
    assert response.status_code == 200, response.content
    item.refresh_from_db()
    assert item.events.last().action == "note" and item.events.last().reason == "已派人查看"
    assert item.status == Status.OPEN


@pytest.mark.parametrize(
    "status", ["DUPLICATE", "NOT_COUNCILS_RESPONSIBILITY", "NO_FURTHER_ACTION", "INTERNAL_REFERRAL", "WHATEVER"]
)
def test_statuses_a_client_cannot_apply_are_refused_with_the_specs_error(client, cast, app, status):
    _c, key = app
    number = post(client, key).json()[0]["service_request_id"]
    before = written()
    response = client.post(
        f"{V2}/servicerequestupdates.xml",
        {"api_key": key, "service_request_id": number, "description": "重复", "status": status},
    )
    assert response.status_code == 400
    error = errors_of(response, "xml")
    assert error["code"] == 400 and status in error["description"]
    assert written() == before
