"""Deciding an application (依申请): the paying department approves (one Grant, budget and expiry
as for batches) or refuses with a reason, and the decision goes on the application's ledger item."""

import datetime as dt
import decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from core.exceptions import ActionRefused, VersionConflict
from ledger import services as ledger
from ledger.models import ItemEvent, Result, ResultKind, Status
from policies.models import Application, Grant, Policy
from policies.services import delivery
from policies.tests.test_delivery_services import make_world

D = decimal.Decimal
TODAY = timezone.localdate()


@pytest.fixture
def world(cast):
    w = make_world(cast)
    w.application = delivery.application_submit(clause=w.apply, enterprise=w.a, actor=w.user_a)  # 30 × 100 = 3000
    return w


def _events(application, action="note"):
    return list(ItemEvent.objects.filter(item=application.item, action=action).order_by("pk"))


def _in_progress(world):
    """Dispatch the application's item to the paying department, which acknowledges it."""
    item = ledger.item_dispatch(item=world.application.item, actor=world.cast.call_taker,
                                department=world.cast.department)  # fmt: skip
    ledger.item_acknowledge(item=item, actor=world.cast.handler)
    world.application.refresh_from_db()
    return world.application.item


def test_the_paying_department_approves_and_the_grant_is_recorded_with_a_note_on_the_item(world):
    # the item is not the department's yet (not dispatched): the 12345 line that opened it notes the decision
    app = delivery.application_decide(actor=world.cast.handler, application=world.application, approve=True)
    grant = Grant.objects.get()
    assert (grant.application, grant.enterprise, grant.clause, grant.amount) == (app, world.a, world.apply, D("3000"))
    assert grant.granted_by == world.cast.handler and grant.batch is None
    (note,) = _events(app)
    assert note.actor.username == delivery.INTAKE_USERNAME
    assert "兑现决定：同意兑现 3,000.00 元" in note.reason and "handler（鲤城区住建局）" in note.reason
    assert app.decision == "approved" and app.decision_recorded_as == "note"


def test_once_the_department_works_the_item_the_decision_resolves_it_with_its_result(world):
    item = _in_progress(world)
    delivery.application_decide(actor=world.cast.handler, application=world.application, approve=True,
                                amount=D("2500"), reason="按实际核定", version=item.version)  # fmt: skip
    world.application.item.refresh_from_db()
    assert world.application.item.status == Status.RESOLVED
    result = Result.objects.get(item=item)
    assert result.kind == ResultKind.FUNDS_GRANTED and result.amount == D("2500")
    assert "同意兑现 2,500.00 元" in result.text and "按实际核定" in result.text
    assert Grant.objects.get().amount == D("2500")
    (resolve,) = _events(world.application, "resolve")
    assert resolve.actor == world.cast.handler and resolve.result == result


def test_a_refusal_needs_a_reason_and_records_no_grant(world):
    with pytest.raises(ValidationError) as e:
        delivery.application_decide(actor=world.cast.leader, application=world.application, approve=False, reason=" ")
    assert e.value.message_dict == {"reason": ["不予兑现须说明理由。"]}
    app = delivery.application_decide(actor=world.cast.leader, application=world.application, approve=False,
                                      reason="申报材料不全")  # fmt: skip
    assert not Grant.objects.exists()
    (note,) = _events(app)
    assert note.actor == world.cast.leader  # a county leader may write on items of the county
    assert "兑现决定：不予兑现" in note.reason and "申报材料不全" in note.reason


def test_a_refusal_on_an_item_in_progress_resolves_it_as_explained(world):
    item = _in_progress(world)
    delivery.application_decide(actor=world.cast.handler, application=world.application, approve=False,
                                reason="不符合条件", version=item.version)  # fmt: skip
    assert Result.objects.get(item=item).kind == ResultKind.EXPLAINED and not Grant.objects.exists()


def test_deciding_twice_is_refused_and_grants_once(world):
    delivery.application_decide(actor=world.cast.admin, application=world.application, approve=True)
    for approve, reason in ((True, ""), (False, "改判")):
        with pytest.raises(ActionRefused) as refused:
            delivery.application_decide(actor=world.cast.admin, application=world.application, approve=approve,
                                        reason=reason)  # fmt: skip
        assert refused.value.message == f"该申请已于{TODAY.isoformat()}审批同意（兑现 3,000.00 元），不能重复决定。"
    assert Grant.objects.count() == 1 and len(_events(world.application)) == 1


def test_approval_stops_at_the_budget_with_the_batches_message_and_nothing_written(world):
    world.apply.budget = D("2000")
    world.apply.save()
    with pytest.raises(ActionRefused) as refused:
        delivery.application_decide(actor=world.cast.admin, application=world.application, approve=True)
    assert refused.value.message == (
        "超出资金预算，不能审批：该条款预算 2,000.00 元，已兑现 0.00 元，本申请 3,000.00 元，缺口 1,000.00 元。"
    )
    world.application.refresh_from_db()
    assert not Grant.objects.exists() and not _events(world.application) and "decision" not in world.application.data
    # a smaller amount fits
    delivery.application_decide(actor=world.cast.admin, application=world.application, approve=True, amount=2000)
    assert Grant.objects.get().amount == D("2000")


def test_no_approval_after_the_policy_expired_but_a_refusal_is_recorded(world):
    expired = TODAY - dt.timedelta(days=1)
    Policy.objects.filter(pk=world.policy.pk).update(expires_on=expired)
    with pytest.raises(ActionRefused) as refused:
        delivery.application_decide(actor=world.cast.admin, application=world.application, approve=True)
    assert refused.value.message == f"政策已于{expired.isoformat()}失效，不能审批兑现。"
    assert not Grant.objects.exists() and not _events(world.application)
    delivery.application_decide(actor=world.cast.admin, application=world.application, approve=False,
                                reason="政策已失效")  # fmt: skip
    assert len(_events(world.application)) == 1


def test_who_may_decide(world):
    for actor in (world.cast.auditor, world.cast.call_taker, world.cast.other_handler, world.user_a):
        with pytest.raises(PermissionDenied):
            delivery.application_decide(actor=actor, application=world.application, approve=True)
    with pytest.raises(PermissionDenied, match="管辖范围"):  # 丰泽区's leader, an enterprise of 鲤城区
        delivery.application_decide(actor=world.cast.other_leader, application=world.application, approve=True)
    world.application.refresh_from_db()
    assert not Grant.objects.exists() and not _events(world.application) and "decision" not in world.application.data


def test_a_stale_item_version_is_a_conflict_and_nothing_is_written(world):
    item = _in_progress(world)
    with pytest.raises(VersionConflict):
        delivery.application_decide(actor=world.cast.handler, application=world.application, approve=True,
                                    version=item.version - 1)  # fmt: skip
    world.application.refresh_from_db()
    assert not Grant.objects.exists() and "decision" not in world.application.data


def test_a_negative_amount_is_refused(world):
    with pytest.raises(ValidationError) as e:
        delivery.application_decide(actor=world.cast.admin, application=world.application, approve=True, amount=-1)
    assert e.value.message_dict == {"amount": ["兑现金额不能为负数。"]}


def test_a_closed_item_cannot_take_the_decision(world):
    from ledger.models import Item

    Item.objects.filter(pk=world.application.item_id).update(status=Status.CLOSED)
    with pytest.raises(ActionRefused, match="已销号"):
        delivery.application_decide(actor=world.cast.admin, application=world.application, approve=True)
    assert not Grant.objects.exists()


# ---------------------------------------------------------------------------------------------
# Pages


def test_the_clause_page_lists_the_applications_and_the_application_page_decides(client, world):
    client.force_login(world.cast.handler)
    clause_page = client.get(reverse("policies:delivery-clause", args=[world.apply.pk])).content.decode()
    url = reverse("policies:application", args=[world.application.pk])
    assert url in clause_page and "待决定" in clause_page
    page = client.get(url)
    assert (
        page.status_code == 200 and "记录决定" in page.content.decode() and world.a.credit_code in page.content.decode()
    )
    decide = reverse("policies:application-decide", args=[world.application.pk])
    refused = client.post(decide, {"decision": "refuse", "reason": "", "version": ""})
    assert refused.status_code == 400 and "不予兑现须说明理由" in refused.content.decode()
    done = client.post(decide, {"decision": "approve", "amount": "", "reason": "", "version": ""})
    assert done.status_code == 302 and done["Location"] == url
    assert Grant.objects.filter(application=world.application).count() == 1
    html = client.get(url).content.decode()
    assert "同意兑现 3,000.00 元" in html and "记录决定" not in html
    again = client.post(decide, {"decision": "approve", "amount": "", "reason": "", "version": ""}, follow=True)
    assert "不能重复决定" in again.content.decode() and Grant.objects.count() == 1


def test_the_application_page_is_scoped(client, world):
    url = reverse("policies:application", args=[world.application.pk])
    client.force_login(world.user_c)  # another enterprise's user
    assert client.get(url).status_code == 404
    client.force_login(world.cast.other_leader)  # another county
    assert client.get(url).status_code == 404
    client.force_login(world.user_a)  # the enterprise's own user reads it, without the form
    page = client.get(url).content.decode()
    assert "记录决定" not in page and world.application.item.number in page
    decide = reverse("policies:application-decide", args=[world.application.pk])
    assert client.post(decide, {"decision": "approve"}).status_code == 403
    client.force_login(world.cast.auditor)  # in scope, cannot decide
    assert "记录决定" not in client.get(url).content.decode()
    assert client.post(decide, {"decision": "approve"}).status_code == 403
    assert not Grant.objects.exists() and Application.objects.count() == 1


def test_the_ledger_item_links_to_its_application(client, world):
    client.force_login(world.user_a)
    page = client.get(reverse("ledger:item", args=[world.application.item.pk])).content.decode()
    assert reverse("policies:application", args=[world.application.pk]) in page and world.apply.title in page
