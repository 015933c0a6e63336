"""The REST API: the closed loop with token authentication, every action endpoint, input errors by
field with nothing written, versions, and the token endpoint under django-axes' lockout."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.testing import PASSWORD, api_client
from ledger import services
from ledger.machine import MACHINE
from ledger.models import Item, ItemEvent
from ledger.tests.factories import ENDPOINTS, bring, endpoint_body, endpoint_url, in_days, open_body


def test_there_is_one_endpoint_for_every_action_of_the_machine():
    assert {e[1] for e in ENDPOINTS.values()} == set(MACHINE)


# ---------------------------------------------------------------------------------------------
# The whole loop


def test_an_item_goes_round_the_whole_loop_through_the_api_with_token_auth(cast):
    response = APIClient().post("/api/auth/token/", {"username": "calltaker", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    call_taker = APIClient()
    call_taker.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    handler, leader = api_client(cast.handler), api_client(cast.leader)

    response = call_taker.post("/api/items/", open_body(), format="json")
    assert response.status_code == 201, response.json()
    item = response.json()
    assert item["status"] == "open" and item["version"] == 1 and item["number"]
    assert item["first_receiver"] == "calltaker" and item["division"] == "350502001001"
    assert item["submitter_phone"] == "13812345678" and item["priority"] == "urgent"
    assert set(item["available_actions"]) == {"dispatch", "note", "urge", "edit", "merge"}
    assert response["ETag"] == '"1"'
    url = f"/api/items/{item['id']}/"

    item = call_taker.post(
        url + "dispatch/", {"department": "350502-ZJ", "sponsor": "leader", "version": 1}, format="json"
    ).json()
    assert item["status"] == "dispatched" and item["department"] == "350502-ZJ" and item["sponsor"] == "leader"
    assert item["resolve_due"] and item["version"] == 2

    response = handler.post(url + "acknowledge/", {}, format="json", HTTP_IF_MATCH='"2"')
    assert response.status_code == 200 and response.json()["status"] == "in_progress"
    assert response.json()["handler"] == "handler"

    response = handler.post(url + "measures/", {"text": "安排施工队修复", "due": in_days(3)}, format="json")
    assert response.status_code == 201
    measure = response.json()
    assert measure["owner"] == "handler" and measure["done"] is False
    item = handler.post(url + f"measures/{measure['id']}/complete/", {}, format="json").json()
    assert item["measures"][0]["done"] is True

    until = (dt.date.fromisoformat(item["resolve_due"][:10]) + dt.timedelta(days=10)).isoformat()
    item = handler.post(url + "extension/request/", {"until": until, "reason": "需协调"}, format="json").json()
    assert item["pending_extension_due"]
    item = leader.post(url + "extension/approve/", {}, format="json").json()
    assert item["pending_extension_due"] is None and item["resolve_due"].startswith(until)

    assert handler.post(url + "notes/", {"text": "已进场施工"}, format="json").status_code == 200
    assert leader.post(url + "supervise/", {"reason": "请加快办理"}, format="json").json()["supervised"] is True
    assert call_taker.post(url + "urge/", {"reason": "诉求人来电催问"}, format="json").json()["urge_count"] == 1

    item = handler.post(
        url + "resolve/",
        {"result_kind": "funds_granted", "result_text": "补助修缮", "amount": "5000.00"},
        format="json",
    ).json()
    assert item["status"] == "resolved" and item["results"][0]["amount"] == "5000.00"
    item = call_taker.post(url + "callback/", {"satisfaction": "satisfied", "solved": True}, format="json").json()
    assert item["status"] == "called_back" and item["callbacks"][0]["satisfaction"] == "satisfied"
    item = call_taker.post(url + "sign-off/", {}, format="json").json()
    assert item["status"] == "closed" and item["closed_at"] and item["available_actions"] == []

    timeline = call_taker.get(url + "timeline/").json()
    assert [e["action"] for e in timeline] == [
        "open",
        "dispatch",
        "acknowledge",
        "add_measure",
        "complete_measure",
        "request_extension",
        "approve_extension",
        "note",
        "supervise",
        "urge",
        "resolve",
        "callback",
        "sign_off",
    ]
    assert timeline[1]["actor"] == "calltaker" and timeline[1]["changes"]["status"] == ["open", "dispatched"]
    assert timeline[1]["action_display"] == "派单"

    measures = call_taker.get("/api/measures/", {"done": "true"}).json()
    assert [m["id"] for m in measures["results"]] == [measure["id"]]
    results = call_taker.get("/api/results/", {"kind": "funds_granted"}).json()
    assert results["count"] == 1 and results["results"][0]["item"] == item["id"]
    listed = call_taker.get("/api/items/", {"status": "closed"}).json()
    assert [i["id"] for i in listed["results"]] == [item["id"]]


def test_the_detail_carries_the_version_the_flags_and_the_available_actions(cast, open_item):
    item = bring(cast, open_item(), "in_progress")
    data = api_client(cast.handler).get(f"/api/items/{item.pk}/").json()
    assert data["version"] == item.version and data["is_overdue"] is False and data["is_at_risk"] is False
    assert {"add_measure", "note", "request_extension", "resolve"} <= set(data["available_actions"])
    assert "acknowledge" not in data["available_actions"]
    Item.objects.filter(pk=item.pk).update(resolve_due=timezone.now() - dt.timedelta(hours=1))
    data = api_client(cast.handler).get(f"/api/items/{item.pk}/").json()
    assert data["is_overdue"] is True
    assert api_client(cast.handler).get("/api/items/", {"overdue": "true"}).json()["count"] == 1


def test_the_lists_do_not_query_once_per_row(cast, open_item, django_assert_max_num_queries):
    for _ in range(5):
        bring(cast, open_item(), "resolved")
    client = api_client(cast.leader)
    for url in ("/api/items/", "/api/measures/", "/api/results/"):
        with django_assert_max_num_queries(8):
            assert client.get(url).json()["count"] == 5


# ---------------------------------------------------------------------------------------------
# Every action endpoint: its happy path, and 409 in a wrong state


@pytest.mark.parametrize("name", ENDPOINTS)
def test_each_action_endpoint_does_its_work_and_writes_its_event(cast, open_item, name):
    _, action, state, actor, _, _ = ENDPOINTS[name]
    item = bring(cast, open_item(), state)
    response = api_client(getattr(cast, actor)).post(
        endpoint_url(item, name), endpoint_body(item, name) | {"version": item.version}, format="json"
    )
    assert response.status_code == (201 if name == "add_measure" else 200), response.json()
    event = ItemEvent.objects.filter(item=item).latest("id")
    assert event.action == action and event.actor == getattr(cast, actor)
    item.refresh_from_db()
    if name != "add_measure":
        assert response.json()["version"] == item.version and response["ETag"] == f'"{item.version}"'
    target = MACHINE[action].target
    if target is not None:
        assert item.status == target


@pytest.mark.parametrize("name", ENDPOINTS)
def test_each_action_endpoint_answers_409_in_a_wrong_state_and_writes_nothing(cast, open_item, name):
    _, _, _, actor, _, wrong_state = ENDPOINTS[name]
    item = bring(cast, open_item(), wrong_state)
    body = endpoint_body(item, name)  # before counting: a merge's body opens the item to merge into
    events = ItemEvent.objects.count()
    response = api_client(getattr(cast, actor)).post(endpoint_url(item, name), body, format="json")
    assert response.status_code == 409, response.json()
    body = response.json()
    assert body["code"] == "action_refused" and body["detail"].startswith("事项当前状态为") and body["errors"] == {}
    assert ItemEvent.objects.count() == events


def test_completing_a_measure_twice_is_refused(cast, open_item):
    item = bring(cast, open_item(), "with_measure")
    client = api_client(cast.handler)
    assert client.post(endpoint_url(item, "complete_measure"), {}, format="json").status_code == 200
    response = client.post(endpoint_url(item, "complete_measure"), {}, format="json")
    assert response.status_code == 409 and response.json()["detail"] == "该措施已完成。"


def test_an_unsatisfied_callback_reopens_the_item_as_redo(cast, open_item):
    item = bring(cast, open_item(), "resolved")
    response = api_client(cast.call_taker).post(
        f"/api/items/{item.pk}/callback/",
        {"satisfaction": "unsatisfied", "solved": False, "note": "路面仍有裂缝"},
        format="json",
    )
    assert response.json()["status"] == "redo" and response.json()["redo_count"] == 1


def test_a_return_shows_the_handler_the_item_it_just_sent_back(cast, open_item):
    item = bring(cast, open_item(), "dispatched")
    response = api_client(cast.handler).post(f"/api/items/{item.pk}/return/", {"reason": "非本部门"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "returned" and response.json()["available_actions"] == []
    assert response.json()["submitter_phone"] == "138****5678"
    assert api_client(cast.handler).get(f"/api/items/{item.pk}/").status_code == 404


def test_an_edit_changes_only_the_fields_given_and_takes_codes(cast, open_item):
    item = open_item()
    response = api_client(cast.call_taker).post(
        f"/api/items/{item.pk}/edit/", {"reason": "区划填错", "division": "350502001"}, format="json"
    )
    assert response.status_code == 200 and response.json()["division"] == "350502001"
    assert response.json()["title"] == item.title
    assert item.events.latest("id").changes["division_id"] == [cast.village.pk, cast.township.pk]


# ---------------------------------------------------------------------------------------------
# Bad input: 400 with the field's message, and nothing written


def _counts():
    return Item.objects.count(), ItemEvent.objects.count()


@pytest.mark.parametrize(
    "overrides,field,message",
    [
        ({"division": "999999"}, "division", "未知的区划代码：999999"),
        ({"category": "9999"}, "category", "未知的分类代码：9999"),
        ({"submitter_phone": "1381234"}, "submitter_phone", "电话号码格式不正确"),
        ({"submitter_id_number": "350502199001011235"}, "submitter_id_number", "身份证号码不正确"),
        ({"title": "长" * 201}, "title", "200"),
        ({"description": "长" * 4001}, "description", "4000"),
        ({"address": "长" * 201}, "address", "200"),
        ({"submitter_name": "长" * 65}, "submitter_name", "64"),
        ({"priority": "whenever"}, "priority", "whenever"),
        ({"title": ""}, "title", ""),
        ({"submitter_type": "enterprise", "enterprise_name": ""}, "enterprise_name", "企业名称"),
    ],
)
def test_opening_with_bad_input_answers_400_by_field_and_writes_nothing(cast, overrides, field, message):
    before = _counts()
    response = api_client(cast.call_taker).post("/api/items/", open_body(**overrides), format="json")
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["code"] == "invalid" and field in body["errors"]
    assert message in body["errors"][field][0] and body["detail"]
    assert _counts() == before


def test_malformed_json_answers_400(cast):
    response = api_client(cast.call_taker).post("/api/items/", "{not json", content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "parse_error"
    assert Item.objects.count() == 0


@pytest.mark.parametrize(
    "name,state,actor,body,field",
    [
        ("dispatch", "open", "call_taker", {"department": "350502-ZJ", "resolve_by": "2000-01-01"}, "resolve_by"),
        ("dispatch", "open", "call_taker", {"department": "NOPE"}, "department"),
        ("dispatch", "open", "call_taker", {"department": "350502-ZJ", "handler": "nobody"}, "handler"),
        ("dispatch", "open", "call_taker", {"department": "350502-ZJ", "handler": "auditor"}, "handler"),
        ("dispatch", "open", "call_taker", {"department": "350503-ZJ"}, "department"),
        ("add_measure", "in_progress", "handler", {"text": "修复", "due": "2000-01-01"}, "due"),
        ("add_measure", "in_progress", "handler", {"text": "  ", "due": in_days(2)}, "text"),
        ("add_measure", "in_progress", "handler", {"text": "长" * 501, "due": in_days(2)}, "text"),
        ("request_extension", "in_progress", "handler", {"until": "2000-01-01", "reason": "需协调"}, "until"),
        ("resolve", "in_progress", "handler", {"result_kind": "solved", "result_text": ""}, "result_text"),
        ("resolve", "in_progress", "handler", {"result_kind": "solved"}, "result_text"),
        ("resolve", "in_progress", "handler", {"result_kind": "funds_granted", "result_text": "补助"}, "amount"),
        ("resolve", "in_progress", "handler", {"result_kind": "bribe", "result_text": "x"}, "result_kind"),
        ("return", "dispatched", "handler", {"reason": ""}, "reason"),
        ("refuse_extension", "pending_extension", "leader", {"reason": ""}, "reason"),
        ("note", "open", "call_taker", {"text": "长" * 1001}, "text"),
        ("urge", "open", "call_taker", {"reason": "长" * 1001}, "reason"),
        ("callback", "resolved", "call_taker", {"satisfaction": "so-so", "solved": True}, "satisfaction"),
        ("edit", "open", "call_taker", {"reason": "更正"}, "non_field_errors"),
        ("edit", "open", "call_taker", {"reason": "更正", "category": "9999"}, "category"),
        ("edit", "open", "call_taker", {"reason": "更正", "description": "长" * 4001}, "description"),
    ],
)
def test_an_action_with_bad_input_answers_400_by_field_and_writes_nothing(
    cast, open_item, name, state, actor, body, field
):
    item = bring(cast, open_item(), state)
    before = _counts()
    response = api_client(getattr(cast, actor)).post(endpoint_url(item, name), body, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "invalid" and field in response.json()["errors"], response.json()
    assert _counts() == before


def test_a_callback_on_an_item_that_is_not_resolved_is_refused_and_writes_nothing(cast, open_item):
    # The state machine refuses it (409), before any field is looked at.
    item = bring(cast, open_item(), "in_progress")
    before = _counts()
    response = api_client(cast.call_taker).post(
        f"/api/items/{item.pk}/callback/", {"satisfaction": "satisfied", "solved": True}, format="json"
    )
    assert response.status_code == 409 and "办理中" in response.json()["detail"]
    assert _counts() == before and not item.callbacks.exists()


def test_an_unknown_item_or_measure_is_404(cast, open_item):
    client = api_client(cast.call_taker)
    assert client.get("/api/items/999999/").status_code == 404
    assert client.get("/api/items/abc/").status_code == 404
    response = client.post("/api/items/999999/dispatch/", {"department": "350502-ZJ"}, format="json")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    item = open_item()
    assert api_client(cast.handler).post(f"/api/items/{item.pk}/measures/999/complete/", {}).status_code == 404


# ---------------------------------------------------------------------------------------------
# Versions


def test_a_stale_version_in_the_body_or_in_if_match_answers_409_conflict_and_writes_nothing(cast, open_item):
    item = open_item()
    services.item_note(item=item, actor=cast.leader, text="另一人的说明")  # version 1 → 2
    client = api_client(cast.call_taker)
    before = _counts()
    response = client.post(f"/api/items/{item.pk}/dispatch/", {"department": "350502-ZJ", "version": 1}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    response = client.post(f"/api/items/{item.pk}/urge/", {"reason": "催"}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    assert _counts() == before
    response = client.post(f"/api/items/{item.pk}/urge/", {"reason": "催"}, format="json", HTTP_IF_MATCH='W/"2"')
    assert response.status_code == 200 and response.json()["version"] == 3


@pytest.mark.parametrize("header,body", [("abc", {}), ('"2"', {"version": 3})])
def test_a_bad_if_match_header_answers_400(cast, open_item, header, body):
    item = open_item()
    response = api_client(cast.call_taker).post(
        f"/api/items/{item.pk}/urge/", {"reason": "催"} | body, format="json", HTTP_IF_MATCH=header
    )
    assert response.status_code == 400 and "version" in response.json()["errors"]


# ---------------------------------------------------------------------------------------------
# Reference data


def test_divisions_departments_and_categories_are_listed_by_code(cast):
    client = api_client(cast.handler)
    children = client.get("/api/divisions/", {"parent": "350500"}).json()
    assert [d["code"] for d in children["results"]] == ["350502", "350503"]
    assert client.get("/api/divisions/", {"level": "village"}).json()["count"] == 2
    assert client.get("/api/divisions/350502001/").json()["parent"] == "350502"
    handles = client.get("/api/departments/", {"handles": "350502001001"}).json()
    assert {d["code"] for d in handles["results"]} == {"350502-ZJ", "350500-GXJ"}
    assert client.get("/api/departments/350503-ZJ/").json()["division"] == "350503"
    assert [c["code"] for c in client.get("/api/categories/", {"parent": "01"}).json()["results"]] == ["0101"]
    assert client.get("/api/categories/0101/").json()["parent"] == "01"
    assert client.get("/api/categories/nope/").status_code == 404


# ---------------------------------------------------------------------------------------------
# Tokens and django-axes


def test_a_token_is_given_for_the_right_password_only(cast):
    client = APIClient()
    response = client.post("/api/auth/token/", {"username": "handler", "password": "wrong"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    response = client.post("/api/auth/token/", {"username": "handler", "password": PASSWORD}, format="json")
    assert response.status_code == 200 and response.json()["token"] == Token.objects.get(user=cast.handler).key


def test_repeated_wrong_passwords_lock_the_token_endpoint_like_the_login_page(cast):
    from axes.models import AccessAttempt

    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/api/auth/token/", {"username": "handler", "password": "wrong"}, format="json")
    assert AccessAttempt.objects.get(username="handler").failures_since_start == settings.AXES_FAILURE_LIMIT
    response = client.post("/api/auth/token/", {"username": "handler", "password": PASSWORD}, format="json")
    assert response.status_code == settings.AXES_HTTP_RESPONSE_CODE
    assert response.json()["code"] == "locked_out" and "token" not in response.json()
    assert not Token.objects.filter(user=cast.handler).exists()
