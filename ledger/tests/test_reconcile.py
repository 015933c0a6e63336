"""Reconcile against the list (清单对账): flags, notices, escalation, idempotence."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from ledger import reconcile, services
from ledger.models import Item, ReconcileNotice
from workdays.selectors import add_working_days


def dispatched(cast, open_item, **kw):
    item = services.item_dispatch(item=open_item(), actor=cast.call_taker, department=cast.department, **kw)
    return services.item_acknowledge(item=item, actor=cast.handler)


def test_an_item_due_within_a_working_day_is_flagged_at_risk_once(cast, open_item, django_capture_on_commit_callbacks):
    item = dispatched(cast, open_item)
    now = add_working_days(item.resolve_due, 0).due - dt.timedelta(hours=3)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert reconcile.ledger_reconcile(now=now) == {"at_risk": 1, "overdue": 0, "escalated": 0}
        assert reconcile.ledger_reconcile(now=now) == {"at_risk": 0, "overdue": 0, "escalated": 0}
    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == {cast.handler.email, cast.call_taker.email, cast.department.email}
    assert item.events.filter(action="reconcile", actor=None).count() == 1


def test_an_overdue_item_notifies_the_owner_and_first_receiver_then_escalates_to_the_sponsor(
    cast, open_item, django_capture_on_commit_callbacks
):
    item = dispatched(cast, open_item, sponsor=cast.leader)
    just_late = item.resolve_due + dt.timedelta(hours=1)
    assert reconcile.ledger_reconcile(now=just_late)["overdue"] == 1
    assert reconcile.ledger_reconcile(now=just_late)["escalated"] == 0
    much_later = add_working_days(item.resolve_due, 3).due
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        counts = reconcile.ledger_reconcile(now=much_later)
    assert counts == {"at_risk": 0, "overdue": 0, "escalated": 1}
    assert mail.outbox[0].to == [cast.leader.email]
    assert reconcile.ledger_reconcile(now=much_later)["escalated"] == 0


def test_an_overdue_item_with_no_sponsor_escalates_to_the_nearest_leaders(cast, open_item):
    item = dispatched(cast, open_item)
    reconcile.ledger_reconcile(now=add_working_days(item.resolve_due, 3).due)
    escalation = ReconcileNotice.objects.get(item=item, kind="escalated")
    assert cast.leader.email in escalation.recipients and cast.other_leader.email not in escalation.recipients


def test_an_unacknowledged_item_is_overdue_after_its_acknowledgement_limit(cast, open_item):
    item = services.item_dispatch(item=open_item(), actor=cast.call_taker, department=cast.department)
    counts = reconcile.ledger_reconcile(now=item.acknowledge_due + dt.timedelta(minutes=1))
    assert counts["overdue"] == 1
    assert ReconcileNotice.objects.get(item=item).due == item.acknowledge_due


def test_an_approved_extension_makes_the_item_eligible_for_a_new_notice(cast, open_item):
    item = dispatched(cast, open_item)
    reconcile.ledger_reconcile(now=item.resolve_due + dt.timedelta(hours=1))
    later = timezone.localtime(item.resolve_due).date() + dt.timedelta(days=14)
    item = services.item_request_extension(item=item, actor=cast.handler, until=later, reason="需协调")
    item = services.item_decide_extension(item=item, actor=cast.call_taker, approve=True)
    assert reconcile.ledger_reconcile(now=item.resolve_due + dt.timedelta(hours=1))["overdue"] == 1


def test_closed_and_resolved_items_are_not_flagged(cast, open_item):
    item = dispatched(cast, open_item)
    services.item_resolve(item=item, actor=cast.handler, result_kind="solved", result_text="已解决")
    assert reconcile.ledger_reconcile(now=item.resolve_due + dt.timedelta(days=30)) == {
        "at_risk": 0,
        "overdue": 0,
        "escalated": 0,
    }


def test_the_command_runs_and_the_recurring_task_enqueues_itself(cast, open_item, capsys):
    dispatched(cast, open_item)
    call_command("reconcile")
    assert '"overdue": 0' in capsys.readouterr().out
    call_command("reconcile", "--every", "60")  # the immediate backend runs it now
    assert "enqueued" in capsys.readouterr().out


@pytest.mark.django_db
def test_reconcile_with_an_empty_ledger_does_nothing():
    assert Item.objects.count() == 0
    assert reconcile.ledger_reconcile() == {"at_risk": 0, "overdue": 0, "escalated": 0}
