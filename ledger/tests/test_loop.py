"""The closed loop through the service layer: every step, and every step's event."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.exceptions import ActionRefused, VersionConflict
from ledger import services
from ledger.machine import MACHINE, Action
from ledger.models import ItemEvent, ResultKind, Satisfaction, Status, SubmitterType
from ledger.scope import available_actions
from ledger.selectors import item_inbox, item_timeline


def take_to_in_progress(cast, item):
    item = services.item_dispatch(item=item, actor=cast.call_taker, department=cast.department)
    return services.item_acknowledge(item=item, actor=cast.handler)


def resolve(cast, item):
    return services.item_resolve(item=item, actor=cast.handler, result_kind=ResultKind.SOLVED, result_text="已修复路面")


def test_an_item_goes_round_the_whole_loop_and_every_step_is_on_its_timeline(cast, open_item):
    item = open_item()
    assert item.status == Status.OPEN and item.number
    item = services.item_dispatch(item=item, actor=cast.call_taker, department=cast.department, sponsor=cast.leader)
    assert item.status == Status.DISPATCHED and item.resolve_due and item.acknowledge_due
    item = services.item_acknowledge(item=item, actor=cast.handler)
    assert item.status == Status.IN_PROGRESS and item.handler == cast.handler
    measure = services.item_add_measure(
        item=item, actor=cast.handler, text="安排施工队修复", due=timezone.localdate() + dt.timedelta(days=3)
    )
    services.item_complete_measure(measure=measure, actor=cast.handler)
    item = resolve(cast, item)
    assert item.status == Status.RESOLVED and item.results.count() == 1
    item = services.item_callback(item=item, actor=cast.call_taker, satisfaction=Satisfaction.SATISFIED, solved=True)
    assert item.status == Status.CALLED_BACK
    item = services.item_sign_off(item=item, actor=cast.call_taker)
    assert item.status == Status.CLOSED and item.closed_at

    actions = [e.action for e in item_timeline(item=item)]
    assert actions == [
        "open",
        "dispatch",
        "acknowledge",
        "add_measure",
        "complete_measure",
        "resolve",
        "callback",
        "sign_off",
    ]
    dispatch = item.events.get(action="dispatch")
    assert dispatch.actor == cast.call_taker
    assert dispatch.changes["status"] == ["open", "dispatched"]
    assert dispatch.changes["department_id"] == [None, cast.department.pk]
    assert item.version == 8


def test_an_unsatisfied_callback_reopens_the_item_as_redo_with_a_new_deadline(cast, open_item):
    item = resolve(cast, take_to_in_progress(cast, open_item()))
    item = services.item_callback(
        item=item, actor=cast.call_taker, satisfaction=Satisfaction.UNSATISFIED, solved=False, note="路面仍有裂缝"
    )
    assert item.status == Status.REDO and item.redo_count == 1 and item.resolved_at is None
    assert Action.RESOLVE in available_actions(cast.handler, item)
    item = resolve(cast, item)
    assert item.status == Status.RESOLVED


def test_a_return_needs_a_reason_and_sends_the_item_back_to_the_dispatcher(cast, open_item):
    item = services.item_dispatch(item=open_item(), actor=cast.call_taker, department=cast.department)
    with pytest.raises(ValidationError) as e:
        services.item_return(item=item, actor=cast.handler, reason="  ")
    assert "reason" in e.value.message_dict
    item = services.item_return(item=item, actor=cast.handler, reason="不属于本部门职责")
    assert item.status == Status.RETURNED and item.department is None
    item = services.item_dispatch(item=item, actor=cast.call_taker, department=cast.city_department)
    assert item.status == Status.DISPATCHED


def test_an_extension_must_move_the_deadline_later_and_is_approved_or_refused(cast, open_item):
    item = take_to_in_progress(cast, open_item())
    earlier = timezone.localtime(item.resolve_due).date() - dt.timedelta(days=1)
    with pytest.raises(ValidationError) as e:
        services.item_request_extension(item=item, actor=cast.handler, until=earlier, reason="需协调")
    assert "until" in e.value.message_dict
    later = timezone.localtime(item.resolve_due).date() + dt.timedelta(days=10)
    item = services.item_request_extension(item=item, actor=cast.handler, until=later, reason="需协调多部门")
    assert Action.REQUEST_EXTENSION not in available_actions(cast.handler, item)
    item = services.item_decide_extension(item=item, actor=cast.call_taker, approve=True)
    assert timezone.localtime(item.resolve_due).date() == later and item.pending_extension_due is None
    item = services.item_request_extension(
        item=item, actor=cast.handler, until=later + dt.timedelta(days=5), reason="再延"
    )
    with pytest.raises(ValidationError):
        services.item_decide_extension(item=item, actor=cast.call_taker, approve=False)
    item = services.item_decide_extension(item=item, actor=cast.call_taker, approve=False, reason="时间充足")
    assert timezone.localtime(item.resolve_due).date() == later


def test_resolve_without_a_result_is_refused_and_changes_nothing(cast, open_item):
    item = take_to_in_progress(cast, open_item())
    events = ItemEvent.objects.count()
    with pytest.raises(ValidationError) as e:
        services.item_resolve(item=item, actor=cast.handler, result_kind=ResultKind.SOLVED, result_text="")
    assert "result_text" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        services.item_resolve(item=item, actor=cast.handler, result_kind=ResultKind.FUNDS_GRANTED, result_text="补助")
    assert "amount" in e.value.message_dict
    item.refresh_from_db()
    assert item.status == Status.IN_PROGRESS and ItemEvent.objects.count() == events and not item.results.exists()


def test_funds_granted_records_the_amount(cast, open_item):
    item = take_to_in_progress(cast, open_item())
    services.item_resolve(
        item=item, actor=cast.handler, result_kind=ResultKind.FUNDS_GRANTED, result_text="补助", amount=Decimal("5000")
    )
    assert item.results.get().amount == Decimal("5000")


def test_a_callback_on_an_item_that_is_not_resolved_is_refused(cast, open_item):
    item = take_to_in_progress(cast, open_item())
    with pytest.raises(ActionRefused) as e:
        services.item_callback(item=item, actor=cast.call_taker, satisfaction=Satisfaction.SATISFIED, solved=True)
    assert "办理中" in str(e.value.message)


def test_an_anonymous_item_is_signed_off_without_a_callback(cast, open_item):
    item = open_item(submitter_type=SubmitterType.ANONYMOUS, submitter_name="", submitter_phone="")
    item = resolve(cast, take_to_in_progress(cast, item))
    with pytest.raises(ActionRefused):
        services.item_callback(item=item, actor=cast.call_taker, satisfaction=Satisfaction.SATISFIED, solved=True)
    item = services.item_sign_off(item=item, actor=cast.call_taker)
    assert item.status == Status.CLOSED


def test_a_named_item_cannot_be_signed_off_before_its_callback(cast, open_item):
    item = resolve(cast, take_to_in_progress(cast, open_item()))
    with pytest.raises(ActionRefused):
        services.item_sign_off(item=item, actor=cast.call_taker)


def test_supervise_and_urge_are_recorded_on_any_open_item(cast, open_item):
    item = open_item()
    item = services.item_supervise(item=item, actor=cast.leader, reason="请加快办理")
    item = services.item_urge(item=item, actor=cast.call_taker, reason="群众再次来电")
    assert item.supervised and item.urge_count == 1
    assert [e.action for e in item.events.all()][-2:] == ["supervise", "urge"]


@pytest.mark.parametrize("action", list(MACHINE))
def test_every_action_out_of_its_states_is_refused_without_a_500(cast, open_item, action):
    """Loop over the machine: a closed item refuses everything with a clear ActionRefused."""
    item = open_item(submitter_type=SubmitterType.ANONYMOUS, submitter_name="", submitter_phone="")
    item = services.item_sign_off(item=resolve(cast, take_to_in_progress(cast, item)), actor=cast.call_taker)
    assert item.status == Status.CLOSED
    for user in (cast.call_taker, cast.handler, cast.leader, cast.auditor, cast.admin):
        assert action not in available_actions(user, item)


def test_a_stale_version_is_a_conflict_and_the_other_side_is_kept(cast, open_item):
    item = open_item()
    seen = item.version
    services.item_dispatch(item=item, actor=cast.call_taker, department=cast.department, version=seen)
    with pytest.raises(VersionConflict):
        services.item_dispatch(item=item, actor=cast.call_taker, department=cast.city_department, version=seen)
    item.refresh_from_db()
    assert item.department == cast.department


def test_the_first_receiver_keeps_the_item_in_their_inbox_until_sign_off(cast, open_item):
    item = take_to_in_progress(cast, open_item())
    assert item in item_inbox(user=cast.call_taker)
    item = resolve(cast, item)
    item = services.item_callback(item=item, actor=cast.call_taker, satisfaction=Satisfaction.SATISFIED, solved=True)
    assert item in item_inbox(user=cast.call_taker)
    services.item_sign_off(item=item, actor=cast.call_taker)
    assert item not in item_inbox(user=cast.call_taker)


def test_a_handler_cannot_act_for_another_department(cast, open_item):
    item = services.item_dispatch(item=open_item(), actor=cast.call_taker, department=cast.department)
    with pytest.raises(PermissionDenied):
        services.item_acknowledge(item=item, actor=cast.other_handler)


def test_a_county_call_taker_cannot_dispatch_another_countys_item(cast, open_item):
    item = open_item()
    with pytest.raises(PermissionDenied):
        services.item_dispatch(item=item, actor=cast.other_call_taker, department=cast.other_department)
    assert item.events.count() == 1


def test_a_department_of_another_county_cannot_be_given_the_item(cast, open_item):
    with pytest.raises(ValidationError) as e:
        services.item_dispatch(item=open_item(), actor=cast.call_taker, department=cast.other_department)
    assert "department" in e.value.message_dict


def test_a_deadline_in_the_past_is_refused(cast, open_item):
    with pytest.raises(ValidationError) as e:
        services.item_dispatch(
            item=open_item(),
            actor=cast.call_taker,
            department=cast.department,
            resolve_by=timezone.localdate() - dt.timedelta(days=1),
        )
    assert "resolve_by" in e.value.message_dict


def test_an_item_cannot_be_moved_into_another_county_by_editing(cast, open_item):
    item = open_item()
    with pytest.raises(PermissionDenied):
        services.item_edit(item=item, actor=cast.call_taker, reason="改区划", division=cast.other_village)
    item.refresh_from_db()
    assert item.division == cast.village and item.events.count() == 1


def test_an_outsider_with_a_stale_version_gets_403_not_a_conflict(cast, open_item):
    item = open_item()
    with pytest.raises(PermissionDenied):
        services.item_dispatch(item=item, actor=cast.other_call_taker, department=cast.department, version=99)


def test_complete_measure_is_offered_only_while_a_measure_is_open(cast, open_item):
    item = take_to_in_progress(cast, open_item())
    assert Action.COMPLETE_MEASURE not in available_actions(cast.handler, item)
    measure = services.item_add_measure(
        item=item, actor=cast.handler, text="修复", due=timezone.localdate() + dt.timedelta(days=2)
    )
    assert Action.COMPLETE_MEASURE in available_actions(cast.handler, item)
    services.item_complete_measure(measure=measure, actor=cast.handler)
    assert Action.COMPLETE_MEASURE not in available_actions(cast.handler, item)
