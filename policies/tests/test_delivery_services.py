"""Delivery (政策找企): applications, notifications and grant batches, their rules and bad input."""

import datetime as dt
import decimal
import random

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from core.exceptions import ActionRefused, VersionConflict
from core.history import history_of
from enterprises.models import Enterprise, EnterpriseYear
from enterprises.selectors import register_snapshot
from ledger.demo import credit_code
from ledger.models import Channel, Item, Kind, SubmitterType
from org.models import Department, Role
from org.services import person_create
from policies import selectors
from policies.models import (
    Application,
    ClauseMode,
    Grant,
    GrantBatch,
    GrantBatchLine,
    GrantBatchStatus,
    Match,
    Notification,
    Policy,
    PolicyClause,
    PolicyStatus,
)
from policies.services import catalogue, delivery, matching

D = decimal.Decimal
TODAY = timezone.localdate()
Y1 = TODAY.year - 1


def _enterprise(name, division, rng, *, employees, tags=(), revenue=None, contact_phone="13812345678"):
    e = Enterprise.objects.create(
        credit_code=credit_code(rng, division.code[:6]),
        name=name,
        name_search=name,
        division=division,
        employees=employees,
        size_class="small",
        tags=list(tags),
        contact_name="陈经理",
        contact_phone=contact_phone,
        address="金山路1号",
        updated_at=timezone.now(),
    )
    EnterpriseYear.objects.create(enterprise=e, year=Y1, revenue=revenue, exports=None, tax=D("1000"))
    return e


def _clause(policy, code, number, condition, *, benefit=None, cap=None, mode=ClauseMode.APPLY, budget=None,
            department="350502-ZJ") -> PolicyClause:  # fmt: skip
    return PolicyClause.objects.create(
        policy=policy, code=code, number=number, title=f"测试条款{number}", condition=condition, benefit=benefit,
        cap=cap, mode=mode, budget=budget, department=Department.objects.get(code=department),
        rule_version=catalogue.rule_version(condition, benefit, cap),
    )  # fmt: skip


class World:
    pass


def make_world(cast) -> World:
    """Three enterprises (two in 鲤城区, one in 丰泽区), two enterprise users, a published policy with
    an apply clause (tag 外贸 and ≥ 10 employees), two auto clauses, and one on revenue; matches."""
    rng = random.Random(7)
    w = World()
    w.cast = cast
    w.a = _enterprise("泉州鸿达鞋业有限公司", cast.village, rng, employees=30, tags=["外贸"], revenue=D("5000000"))
    w.b = _enterprise("泉州海丰食品有限公司", cast.village, rng, employees=12, tags=[], revenue=None)
    w.c = _enterprise("丰泽东海贸易有限公司", cast.other_village, rng, employees=8, tags=["外贸"], revenue=D("1500000"))
    w.user_a = person_create(username="ent_a", password="pass-for-tests-1", name="陈经理", role=Role.SUBMITTER,
                             division=cast.village, email="ent_a@example.test").user  # fmt: skip
    w.user_c = person_create(username="ent_c", password="pass-for-tests-1", name="林经理", role=Role.SUBMITTER,
                             division=cast.other_village, email="ent_c@example.test").user  # fmt: skip
    w.a.members.add(w.user_a)
    w.c.members.add(w.user_c)
    w.policy = Policy.objects.create(code="test", title="测试惠企政策", issuer="泉州市人民政府",
                                     issued_on=dt.date(2024, 1, 1), status=PolicyStatus.PUBLISHED)  # fmt: skip
    w.apply = _clause(
        w.policy, "test-01", 1,
        {"and": [{">=": [{"var": "employees"}, 10]}, {"has_tag": "外贸"}]},
        benefit={"*": [100, {"var": "employees"}]}, cap=5000, budget=100000,
    )  # fmt: skip
    w.auto = _clause(w.policy, "test-02", 2, {">=": [{"var": "employees"}, 5]}, benefit=1000, mode=ClauseMode.AUTO,
                     budget=2500)  # fmt: skip
    w.revenue = _clause(w.policy, "test-03", 3, {">=": [{"var": "revenue_y1"}, 1000000]}, benefit=2000,
                        mode=ClauseMode.AUTO, budget=100000)  # fmt: skip
    matching.matches_recompute(frame=register_snapshot(), reference_date=TODAY)
    return w


@pytest.fixture
def world(cast):
    return make_world(cast)


def test_the_enterprise_row_is_its_row_of_the_register_snapshot(world):
    snapshot = register_snapshot().filter(register_snapshot()["credit_code"] == world.a.credit_code).to_dicts()[0]
    row = selectors.enterprise_row(enterprise=world.a)
    assert {k: v for k, v in snapshot.items() if v is not None} == {k: v for k, v in row.items() if v is not None}


def test_the_matches_are_what_the_world_expects(world):
    eligible = set(Match.objects.filter(result="eligible").values_list("clause__code", "credit_code"))
    assert ("test-01", world.a.credit_code) in eligible and ("test-01", world.b.credit_code) not in eligible
    assert Match.objects.get(clause=world.revenue, credit_code=world.b.credit_code).result == "unknown"


# ---------------------------------------------------------------------------------------------
# Applications


def test_an_eligible_member_applies_in_one_step_and_the_item_enters_the_ledger(world):
    application = delivery.application_submit(clause=world.apply, enterprise=world.a, actor=world.user_a,
                                              note="请尽快审核")  # fmt: skip
    item = application.item
    assert application.amount == D("3000.00") and application.rule_version == world.apply.rule_version
    assert application.data["credit_code"] == world.a.credit_code
    assert ["从业人数", "30 人"] in application.data["figures"]
    assert item.category.name == "政策兑现" and item.kind == Kind.REQUEST and item.channel == Channel.APP
    assert item.submitter_type == SubmitterType.ENTERPRISE and item.submitter_user == world.user_a
    assert item.enterprise_credit_code == world.a.credit_code and item.division == world.a.division
    assert item.first_receiver.username == delivery.INTAKE_USERNAME
    assert item.first_receiver.person.role == Role.CALL_TAKER and not item.first_receiver.has_usable_password()
    assert world.a.credit_code in item.description and "请尽快审核" in item.description
    assert item.events.filter(action="open").count() == 1


def test_applying_twice_is_refused_with_a_clear_message_and_nothing_written(world):
    first = delivery.application_submit(clause=world.apply, enterprise=world.a, actor=world.user_a)
    with pytest.raises(ActionRefused) as refused:
        delivery.application_submit(clause=world.apply, enterprise=world.a, actor=world.user_a)
    assert "不能重复申请" in refused.value.message and first.item.number in refused.value.message
    assert Application.objects.count() == 1 and Item.objects.count() == 1


def test_an_ineligible_enterprise_is_refused(world):
    world.b.members.add(world.user_a)
    with pytest.raises(ActionRefused, match="不符合该条款的申报条件"):
        delivery.application_submit(clause=world.apply, enterprise=world.b, actor=world.user_a)
    assert not Item.objects.exists()


def test_an_enterprise_with_missing_data_is_told_what_to_supply(world):
    world.b.members.add(world.user_a)
    world.revenue.mode = ClauseMode.APPLY
    world.revenue.save()
    with pytest.raises(ActionRefused, match="上年度营业收入"):
        delivery.application_submit(clause=world.revenue, enterprise=world.b, actor=world.user_a)


def test_only_a_member_of_the_enterprise_may_apply_for_it(world):
    with pytest.raises(PermissionDenied):
        delivery.application_submit(clause=world.apply, enterprise=world.a, actor=world.user_c)
    assert not Application.objects.exists()


def test_an_auto_clause_needs_no_application(world):
    with pytest.raises(ActionRefused, match="免申即享"):
        delivery.application_submit(clause=world.auto, enterprise=world.a, actor=world.user_a)


def test_no_application_once_the_policy_has_expired(world):
    Policy.objects.filter(pk=world.policy.pk).update(expires_on=TODAY - dt.timedelta(days=1))
    world.apply.refresh_from_db()
    with pytest.raises(ActionRefused, match="失效"):
        delivery.application_submit(clause=world.apply, enterprise=world.a, actor=world.user_a)


# ---------------------------------------------------------------------------------------------
# Notifications


def test_notifying_twice_creates_and_sends_once(world):
    first = delivery.notify_matches()
    assert first["created"] == Match.objects.filter(result="eligible").count() == 6
    assert first["emails"] == 2 and len(mail.outbox) == 2
    to_a = next(m for m in mail.outbox if m.to == ["ent_a@example.test"])
    assert world.a.name in to_a.subject and "测试条款1" in to_a.body
    assert set(Notification.objects.filter(enterprise=world.a).values_list("emailed_to", flat=True)) == {
        "ent_a@example.test"
    }
    assert set(Notification.objects.filter(enterprise=world.b).values_list("emailed_to", flat=True)) == {""}
    second = delivery.notify_matches()
    assert second["created"] == 0 and second["emails"] == 0 and len(mail.outbox) == 2
    assert Notification.objects.count() == 6


def test_a_new_rule_version_notifies_again(world):
    delivery.notify_matches()
    world.auto.benefit = 1200
    world.auto.rule_version = catalogue.rule_version(world.auto.condition, 1200, None)
    world.auto.save()
    matching.matches_recompute(frame=register_snapshot(), reference_date=TODAY, clauses=[world.auto])
    mail.outbox.clear()
    result = delivery.notify_matches(clause_ids=[world.auto.pk])
    assert result["created"] == 3 and len(mail.outbox) == 2
    assert Notification.objects.filter(clause=world.auto).count() == 6


def test_unpublished_clauses_are_not_notified(world):
    Policy.objects.filter(pk=world.policy.pk).update(status=PolicyStatus.DRAFT)
    assert delivery.notify_matches()["created"] == 0 and not mail.outbox


def test_expired_policies_are_not_notified(world):
    Policy.objects.filter(pk=world.policy.pk).update(expires_on=TODAY - dt.timedelta(days=1))
    assert delivery.notify_matches()["created"] == 0 and not mail.outbox


def test_a_user_reads_their_own_notifications_only(world):
    delivery.notify_matches()
    assert selectors.notification_unread_count(user=world.user_a) == 3
    one = selectors.notification_list(user=world.user_a).first()
    assert delivery.notification_read(user=world.user_a, notification=one) == 1
    assert selectors.notification_unread_count(user=world.user_a) == 2
    other = Notification.objects.filter(enterprise=world.c).first()
    assert delivery.notification_read(user=world.user_a, notification=other) == 0
    assert delivery.notification_read(user=world.user_a) == 2


# ---------------------------------------------------------------------------------------------
# Grant batches (免申即享)


def test_a_batch_draws_the_eligible_enterprises_with_their_amounts(world):
    batch = delivery.grant_batch_create(clause=world.revenue, actor=world.cast.handler)
    lines = {(line.enterprise_id, line.amount) for line in batch.lines.all()}
    assert lines == {(world.a.pk, D("2000.00"))}  # b's revenue is missing: unknown, not drawn; c out of scope
    assert batch.status == GrantBatchStatus.DRAFT and batch.created_by == world.cast.handler


def test_approving_twice_grants_once(world):
    batch = delivery.grant_batch_create(clause=world.revenue, actor=world.cast.admin)
    delivery.grant_batch_approve(batch=batch, actor=world.cast.admin, version=batch.version)
    with pytest.raises(ActionRefused, match="已审批"):
        delivery.grant_batch_approve(batch=batch, actor=world.cast.admin, version=None)
    with pytest.raises(VersionConflict):
        delivery.grant_batch_approve(batch=batch, actor=world.cast.admin, version=1)
    assert Grant.objects.filter(clause=world.revenue).count() == 2
    with pytest.raises(ActionRefused, match="没有待兑现"):
        delivery.grant_batch_create(clause=world.revenue, actor=world.cast.admin)


def test_an_enterprise_granted_already_is_not_granted_again(world):
    batch = delivery.grant_batch_create(clause=world.revenue, actor=world.cast.admin)
    Grant.objects.create(clause=world.revenue, enterprise=world.a, amount=D("2000"), rule_version="x",
                         granted_at=timezone.now(), granted_by=world.cast.admin)  # fmt: skip
    delivery.grant_batch_approve(batch=batch, actor=world.cast.admin, version=batch.version)
    assert Grant.objects.filter(clause=world.revenue, enterprise=world.a).count() == 1
    assert Grant.objects.filter(clause=world.revenue).count() == 2


def test_approval_stops_at_the_budget_with_a_clear_message_and_nothing_written(world):
    batch = delivery.grant_batch_create(clause=world.auto, actor=world.cast.admin)  # 3 × 1000 over a budget of 2500
    with pytest.raises(ActionRefused) as refused:
        delivery.grant_batch_approve(batch=batch, actor=world.cast.admin, version=batch.version)
    assert refused.value.message == (
        "超出资金预算，不能审批：该条款预算 2,500.00 元，已兑现 0.00 元，本批次 3,000.00 元，缺口 500.00 元。"
    )
    batch.refresh_from_db()
    assert batch.status == GrantBatchStatus.DRAFT and batch.version == 1 and not Grant.objects.exists()


def test_approval_counts_the_grants_already_made_against_the_budget(world):
    Grant.objects.create(clause=world.auto, enterprise=world.c, amount=D("2000"), rule_version="x",
                         granted_at=timezone.now(), granted_by=world.cast.admin)  # fmt: skip
    batch = delivery.grant_batch_create(clause=world.auto, actor=world.cast.admin)
    assert batch.lines.count() == 2
    with pytest.raises(ActionRefused, match="已兑现 2,000.00 元，本批次 2,000.00 元，缺口 1,500.00 元"):
        delivery.grant_batch_approve(batch=batch, actor=world.cast.admin, version=batch.version)


def test_no_approval_after_the_policy_expired(world):
    batch = delivery.grant_batch_create(clause=world.revenue, actor=world.cast.admin)
    expired = TODAY - dt.timedelta(days=1)
    Policy.objects.filter(pk=world.policy.pk).update(expires_on=expired)
    with pytest.raises(ActionRefused) as refused:
        delivery.grant_batch_approve(batch=batch, actor=world.cast.admin, version=batch.version)
    assert refused.value.message == f"政策已于{expired.isoformat()}失效，不能审批兑现。"
    assert not Grant.objects.exists()


def test_no_approval_when_the_policy_is_not_published(world):
    batch = delivery.grant_batch_create(clause=world.revenue, actor=world.cast.admin)
    Policy.objects.filter(pk=world.policy.pk).update(status=PolicyStatus.EXPIRED)
    with pytest.raises(ActionRefused, match="不能审批兑现"):
        delivery.grant_batch_approve(batch=batch, actor=world.cast.admin, version=batch.version)
    assert not Grant.objects.exists()


def test_who_may_draw_and_approve_batches(world):
    with pytest.raises(PermissionDenied):
        delivery.grant_batch_create(clause=world.revenue, actor=world.cast.call_taker)
    with pytest.raises(PermissionDenied):
        delivery.grant_batch_create(clause=world.revenue, actor=world.user_a)
    batch = delivery.grant_batch_create(clause=world.revenue, actor=world.cast.admin)  # a (鲤城区) and c (丰泽区)
    for actor in (world.cast.auditor, world.cast.call_taker, world.cast.other_handler, world.user_a):
        with pytest.raises(PermissionDenied):
            delivery.grant_batch_approve(batch=batch, actor=actor, version=batch.version)
    with pytest.raises(PermissionDenied, match="管辖范围以外"):  # a county leader, a batch with another county's
        delivery.grant_batch_approve(batch=batch, actor=world.cast.leader, version=batch.version)
    assert not Grant.objects.exists()
    county = delivery.grant_batch_create(clause=world.auto, actor=world.cast.handler)  # 鲤城区's a and b
    county.clause.budget = None
    county.clause.save()
    # a handler of the paying department (by id) approves their county's batch
    delivery.grant_batch_approve(batch=county, actor=world.cast.handler, version=county.version)
    assert Grant.objects.count() == 2


def test_only_the_handler_of_the_paying_department_by_id_approves_when_two_counties_share_its_name(world):
    cast = world.cast
    lc = Department.objects.create(code="350502-SWJ", name="商务局", division=cast.county)
    fz = Department.objects.create(code="350503-SWJ", name="商务局", division=cast.other_county)
    lc_handler = person_create(username="lc_swj", password="pass-for-tests-1", name="鲤城商务", role=Role.HANDLER,
                               division=cast.county, department=lc).user  # fmt: skip
    fz_handler = person_create(username="fz_swj", password="pass-for-tests-1", name="丰泽商务", role=Role.HANDLER,
                               division=cast.other_county, department=fz).user  # fmt: skip
    world.auto.department, world.auto.budget = lc, None
    world.auto.save(update_fields=["department", "budget"])
    assert selectors.may_approve_batch(lc_handler, world.auto)
    assert not selectors.may_approve_batch(fz_handler, world.auto)  # the same name, another department
    batch = delivery.grant_batch_create(clause=world.auto, actor=lc_handler)  # 鲤城区's a and b
    with pytest.raises(PermissionDenied):
        delivery.grant_batch_approve(batch=batch, actor=fz_handler, version=batch.version)
    delivery.grant_batch_approve(batch=batch, actor=lc_handler, version=batch.version)
    assert Grant.objects.count() == 2


def test_an_apply_clause_has_no_batches(world):
    with pytest.raises(ActionRefused, match="只有免申即享"):
        delivery.grant_batch_create(clause=world.apply, actor=world.cast.admin)


def test_a_rejected_batch_needs_a_reason_and_frees_its_enterprises(world):
    batch = delivery.grant_batch_create(clause=world.revenue, actor=world.cast.admin)
    with pytest.raises(ValidationError):
        delivery.grant_batch_reject(batch=batch, actor=world.cast.admin, version=batch.version, note=" ")
    delivery.grant_batch_reject(batch=batch, actor=world.cast.admin, version=batch.version, note="金额待核实")
    batch.refresh_from_db()
    assert batch.status == GrantBatchStatus.REJECTED and batch.note == "金额待核实"
    with pytest.raises(ActionRefused):
        delivery.grant_batch_approve(batch=batch, actor=world.cast.admin, version=batch.version)
    again = delivery.grant_batch_create(clause=world.revenue, actor=world.cast.admin)
    assert again.lines.count() == 2 and GrantBatchLine.objects.count() == 4 and GrantBatch.objects.count() == 2


def test_policies_for_me_lists_eligible_unknown_and_near_misses(world):
    world.b.members.add(world.user_a)
    delivery.grant_batch_create(clause=world.auto, actor=world.cast.admin)
    mine = selectors.mine_overview(enterprise=world.b)
    assert [e["clause"].code for e in mine["eligible"]] == ["test-02"] and mine["eligible"][0]["pending_batch"]
    assert [(e["clause"].code, e["missing_labels"]) for e in mine["unknown"]] == [("test-03", ["上年度营业收入"])]
    assert [(e["clause"].code, e["failed_text"]) for e in mine["near"]] == [("test-01", "带有“外贸”标签")]
    assert mine["total"] == D("1000")


def test_a_handler_s_lists_cover_their_department_s_division_and_a_superuser_acts_as_an_administrator(world):
    cast = world.cast
    handler = person_create(username="town_handler", password="pass-for-tests-1", name="街道承办人",
                            role=Role.HANDLER, division=cast.township, department=cast.department).user  # fmt: skip
    assert selectors.scope_root(user=handler) == cast.county  # the department's division, not the person's
    assert selectors.review_scope(handler) == cast.county
    superuser = person_create(username="super_handler", password="pass-for-tests-1", name="超级用户",
                              role=Role.HANDLER, division=cast.county).user  # fmt: skip
    superuser.is_superuser = True
    superuser.save()
    assert selectors.may_publish(superuser) and selectors.may_approve_batch(superuser, world.auto)
    assert selectors.review_scope(superuser) is None


def test_drawing_approving_and_rejecting_batches_record_who_did_it(world):
    from core.history import history_of

    batch = delivery.grant_batch_create(clause=world.revenue, actor=world.cast.admin)
    delivery.grant_batch_reject(batch=batch, actor=world.cast.admin, version=batch.version, note="金额待核实")
    again = delivery.grant_batch_create(clause=world.revenue, actor=world.cast.admin)
    delivery.grant_batch_approve(batch=again, actor=world.cast.admin, version=again.version)
    rejected = [(r.action, r.actor, r.reason) for r in history_of(batch)]
    assert rejected == [("create", world.cast.admin, ""), ("reject", world.cast.admin, "金额待核实")]
    assert [(r.action, r.actor) for r in history_of(again)] == [
        ("create", world.cast.admin),
        ("approve", world.cast.admin),
    ]
    assert [r.action for r in history_of(world.revenue)] == ["create", "reject", "create", "approve"]  # the clause's


def test_the_item_opened_by_an_application_keeps_personal_data_out_of_its_description(client, world):
    # Issue 17 item 7: the description is free text that other channels publish (Open311's feed).
    application = delivery.application_submit(clause=world.apply, enterprise=world.a, actor=world.user_a,
                                              contact_name="林经理", contact_phone="13805951111",
                                              note="申请研发补助")  # fmt: skip
    description = application.item.description
    assert "13805951111" not in description and "林经理" not in description and "测算金额" not in description
    assert world.apply.code in description and "申请研发补助" in description
    assert application.item.submitter_name == "林经理" and application.item.submitter_phone == "13805951111"
    client.force_login(world.cast.handler)
    page = client.get(reverse("policies:application", args=[application.pk])).content.decode()
    assert "林经理" in page and "13805951111" in page


def test_an_excluded_line_is_recorded_and_not_paid_and_exclusion_is_refused_after_approval(world):
    # Issue 17 item 13: money needs a second look; a line can be left out, with a reason, before approval.
    batch = delivery.grant_batch_create(clause=world.revenue, actor=world.cast.admin)
    line = batch.lines.get(enterprise=world.a)
    with pytest.raises(ValidationError):
        delivery.grant_batch_line_exclude(actor=world.cast.admin, line=line, reason=" ")
    delivery.grant_batch_line_exclude(actor=world.cast.admin, line=line, reason="已享受同类补助")
    assert history_of(batch).filter(action="exclude", reason="已享受同类补助").count() == 1
    batch.refresh_from_db()
    delivery.grant_batch_approve(batch=batch, actor=world.cast.admin, version=batch.version)
    assert not Grant.objects.filter(clause=world.revenue, enterprise=world.a).exists()
    assert Grant.objects.filter(clause=world.revenue).count() == 1
    other = batch.lines.exclude(pk=line.pk).get()
    with pytest.raises(ActionRefused):
        delivery.grant_batch_line_exclude(actor=world.cast.admin, line=other, reason="太迟")
