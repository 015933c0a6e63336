"""The delivery API: policies for me, notifications, applications and decisions, grant batches.
Token auth, errors as {"detail", "code", "errors"}; out of scope reading is 404, acting 403."""

import datetime as dt
import decimal

import pytest
from django.utils import timezone

from core.testing import api_client as api
from ledger.models import ItemEvent
from policies.models import Application, Grant, GrantBatch, GrantBatchStatus, Notification, Policy
from policies.services import delivery
from policies.tests.test_delivery_services import make_world

D = decimal.Decimal
TODAY = timezone.localdate()


@pytest.fixture
def world(cast):
    return make_world(cast)


def _error(response, status, code=None):
    body = response.json()
    assert response.status_code == status, body
    assert set(body) == {"detail", "code", "errors"}
    if code is not None:
        assert body["code"] == code
    return body


def test_everything_needs_a_login(world):
    for url in ("/api/policies-for-me/", "/api/policy-notifications/", "/api/policy-applications/",
                "/api/grant-batches/"):  # fmt: skip
        assert api().get(url).status_code == 401


# ---------------------------------------------------------------------------------------------
# Policies for me


def test_policies_for_me_lists_eligible_and_unknown_clauses_with_amounts_and_explanations(world):
    world.b.members.add(world.user_a)
    body = api(world.user_a).get("/api/policies-for-me/", {"enterprise": world.a.pk}).json()
    assert body["enterprise"]["credit_code"] == world.a.credit_code
    eligible = {e["clause"]["code"]: e for e in body["eligible"]}
    assert set(eligible) == {"test-01", "test-02", "test-03"} and D(body["total"]) == D("6000")
    first = eligible["test-01"]
    assert D(first["amount"]) == D("3000") and first["clause"]["mode"] == "apply" and first["application"] is None
    assert first["explanation"]["result"] == "eligible"
    assert [c["outcome"] for c in first["explanation"]["conditions"]] == ["pass", "pass"]
    b = api(world.user_a).get("/api/policies-for-me/", {"enterprise": world.b.pk}).json()
    assert [(u["clause"]["code"], u["missing"]) for u in b["unknown"]] == [("test-03", ["上年度营业收入"])]
    assert b["unknown"][0]["explanation"]["missing"] == ["revenue_y1"]


def test_policies_for_me_is_for_enterprise_users_and_their_own_enterprises(world):
    assert api(world.user_a).get("/api/policies-for-me/", {"enterprise": world.c.pk}).status_code == 404
    body = _error(api(world.cast.handler).get("/api/policies-for-me/"), 403, "permission_denied")
    assert body["detail"] == "您的账号尚未关联企业，只有企业用户可以查看“我的政策”。"


# ---------------------------------------------------------------------------------------------
# Notifications


def test_notifications_are_listed_and_read_one_by_one_or_all(world):
    delivery.notify_matches()
    client = api(world.user_a)
    body = client.get("/api/policy-notifications/").json()
    assert body["count"] == 3 and all(n["enterprise"]["id"] == world.a.pk for n in body["results"])
    first = body["results"][0]["id"]
    assert client.post(f"/api/policy-notifications/{first}/read/").json() == {"marked": 1}
    assert client.post(f"/api/policy-notifications/{first}/read/").json() == {"marked": 0}
    assert client.post("/api/policy-notifications/read-all/").json() == {"marked": 2}
    assert not Notification.objects.filter(enterprise=world.a, read_at__isnull=True).exists()


def test_another_enterprises_notification_is_not_found(world):
    delivery.notify_matches()
    theirs = Notification.objects.filter(enterprise=world.c).first()
    _error(api(world.user_a).post(f"/api/policy-notifications/{theirs.pk}/read/"), 404, "not_found")
    assert Notification.objects.get(pk=theirs.pk).read_at is None


# ---------------------------------------------------------------------------------------------
# Applications and decisions


def _apply(world, **extra):
    return api(world.user_a).post("/api/policy-applications/", {"clause": "test-01", **extra}, format="json")


def test_an_enterprise_user_applies_and_the_item_enters_the_ledger(world):
    response = _apply(world, contact_name="陈经理", note="请尽快办理")
    assert response.status_code == 201, response.json()
    body = response.json()
    application = Application.objects.get()
    assert body["id"] == application.pk and body["item_number"] == application.item.number
    assert D(body["amount"]) == D("3000") and body["decision"] is None and body["enterprise"]["id"] == world.a.pk
    assert application.data["note"] == "请尽快办理"


def test_refused_applications_have_a_clear_chinese_detail(world):
    assert _apply(world).status_code == 201
    again = _error(_apply(world), 409, "action_refused")
    assert (
        again["detail"].startswith(f"贵企业已于{TODAY.isoformat()}申请过该条款") and "不能重复申请" in again["detail"]
    )
    auto = _error(_apply(world, clause="test-02"), 409, "action_refused")
    assert auto["detail"] == "该条款为免申即享，无需申请，审核后直接兑现。"
    unknown = _error(_apply(world, clause="nope"), 400, "invalid")
    assert unknown["errors"] == {"clause": ["未知的条款编号或条款未发布：nope"]}
    other = _apply(world, clause="test-01", enterprise=world.c.pk)  # another enterprise's
    assert other.status_code == 404
    staff = _error(api(world.cast.handler).post("/api/policy-applications/", {"clause": "test-01"}), 403)
    assert staff["detail"] == "您的账号尚未关联企业，只有企业用户可以申请。"
    assert Application.objects.count() == 1


def test_an_ineligible_enterprise_is_refused(world):
    response = api(world.user_c).post("/api/policy-applications/", {"clause": "test-01"}, format="json")
    assert _error(response, 409)["detail"] == "贵企业不符合该条款的申报条件，不能申请。"


def test_the_paying_department_decides_once_through_the_api(world):
    app = delivery.application_submit(clause=world.apply, enterprise=world.a, actor=world.user_a)
    url = f"/api/policy-applications/{app.pk}/decide/"
    client = api(world.cast.handler)
    body = client.post(url, {"approve": True}, format="json").json()
    assert body["decision"]["approved"] is True and D(body["granted_amount"]) == D("3000")
    assert body["decision"]["recorded_as"] == "note"
    again = _error(client.post(url, {"approve": True}, format="json"), 409, "action_refused")
    assert again["detail"] == f"该申请已于{TODAY.isoformat()}审批同意（兑现 3,000.00 元），不能重复决定。"
    assert Grant.objects.count() == 1 and ItemEvent.objects.filter(item=app.item, action="note").count() == 1
    # the enterprise user reads the decision
    mine = api(world.user_a).get(f"/api/policy-applications/{app.pk}/").json()
    assert mine["decision"]["approved"] is True


def test_deciding_bad_input_wrong_role_and_scope(world):
    app = delivery.application_submit(clause=world.apply, enterprise=world.a, actor=world.user_a)
    url = f"/api/policy-applications/{app.pk}/decide/"
    no_reason = _error(api(world.cast.leader).post(url, {"approve": False}, format="json"), 400, "invalid")
    assert no_reason["errors"] == {"reason": ["不予兑现须说明理由。"]}
    bad = _error(api(world.cast.admin).post(url, {"approve": "perhaps"}, format="json"), 400, "invalid")
    assert "approve" in bad["errors"]
    _error(api(world.cast.auditor).post(url, {"approve": True}, format="json"), 403, "permission_denied")
    _error(api(world.user_a).post(url, {"approve": True}, format="json"), 403, "permission_denied")
    _error(api(world.cast.other_leader).post(url, {"approve": True}, format="json"), 404, "not_found")
    _error(api(world.user_c).get(f"/api/policy-applications/{app.pk}/"), 404, "not_found")
    assert api(world.user_c).get("/api/policy-applications/").json()["count"] == 0
    world.apply.budget = D("1000")
    world.apply.save()
    over = _error(api(world.cast.admin).post(url, {"approve": True}, format="json"), 409, "action_refused")
    assert over["detail"] == (
        "超出资金预算，不能审批：该条款预算 1,000.00 元，已兑现 0.00 元，本申请 3,000.00 元，缺口 2,000.00 元。"
    )
    stale = api(world.cast.admin).post(url, {"approve": True, "amount": "1000", "version": 99}, format="json")
    _error(stale, 409, "conflict")
    assert not Grant.objects.exists()


# ---------------------------------------------------------------------------------------------
# Grant batches


def test_a_batch_is_drawn_and_approved_once_through_the_api(world):
    client = api(world.cast.admin)
    created = client.post("/api/grant-batches/", {"clause": "test-03"}, format="json")
    assert created.status_code == 201, created.json()
    batch = created.json()
    assert batch["status"] == "draft" and batch["line_count"] == 2 and D(batch["total"]) == D("4000")
    listed = client.get("/api/grant-batches/", {"clause": "test-03"}).json()
    assert [b["id"] for b in listed["results"]] == [batch["id"]]
    url = f"/api/grant-batches/{batch['id']}/approve/"
    done = client.post(url, {"version": batch["version"]}, format="json").json()
    assert done["status"] == "approved" and done["granted_count"] == 2
    again = _error(client.post(url, {"version": done["version"]}, format="json"), 409, "action_refused")
    assert again["detail"] == "该批次已审批，不能重复处理。"
    _error(client.post(url, {"version": batch["version"]}, format="json"), 409, "conflict")
    assert Grant.objects.filter(clause=world.revenue).count() == 2


def test_approval_over_budget_is_refused_with_the_exact_message(world):
    client = api(world.cast.admin)
    batch = client.post("/api/grant-batches/", {"clause": "test-02"}, format="json").json()  # 3 × 1000 > 2500
    response = client.post(f"/api/grant-batches/{batch['id']}/approve/", {"version": batch["version"]}, format="json")
    body = _error(response, 409, "action_refused")
    assert body["detail"] == (
        "超出资金预算，不能审批：该条款预算 2,500.00 元，已兑现 0.00 元，本批次 3,000.00 元，缺口 500.00 元。"
    )
    assert not Grant.objects.exists() and GrantBatch.objects.get().status == GrantBatchStatus.DRAFT


def test_approval_after_expiry_and_missing_version_are_refused(world):
    client = api(world.cast.admin)
    batch = client.post("/api/grant-batches/", {"clause": "test-03"}, format="json").json()
    url = f"/api/grant-batches/{batch['id']}/approve/"
    assert _error(client.post(url, {}, format="json"), 400, "invalid")["errors"]["version"]
    expired = TODAY - dt.timedelta(days=1)
    Policy.objects.filter(pk=world.policy.pk).update(expires_on=expired)
    body = _error(client.post(url, {"version": batch["version"]}, format="json"), 409, "action_refused")
    assert body["detail"] == f"政策已于{expired.isoformat()}失效，不能审批兑现。"
    assert not Grant.objects.exists()


def test_batches_wrong_role_and_reject(world):
    _error(api(world.user_a).get("/api/grant-batches/"), 403, "permission_denied")
    _error(api(world.cast.call_taker).post("/api/grant-batches/", {"clause": "test-03"}, format="json"), 403)
    _error(api(world.cast.admin).post("/api/grant-batches/", {"clause": "test-01"}, format="json"), 409)
    batch = api(world.cast.admin).post("/api/grant-batches/", {"clause": "test-03"}, format="json").json()
    url = f"/api/grant-batches/{batch['id']}/"
    for actor in (world.cast.auditor, world.cast.other_handler):
        _error(api(actor).post(url + "approve/", {"version": batch["version"]}, format="json"), 403)
    _error(api(world.cast.admin).get("/api/grant-batches/999999/"), 404, "not_found")
    no_note = _error(api(world.cast.admin).post(url + "reject/", {"version": 1}, format="json"), 400)
    assert "note" in no_note["errors"]
    rejected = api(world.cast.admin).post(url + "reject/", {"version": 1, "note": "金额待核实"}, format="json").json()
    assert rejected["status"] == "rejected" and rejected["note"] == "金额待核实" and not Grant.objects.exists()
