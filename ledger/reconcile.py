"""Reconcile against the list (清单对账): the run that flags at-risk and overdue items, notifies
their owners and escalates late ones. It acts as the system (``org.actor.SYSTEM``)."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.history import record
from ledger import notices
from ledger.machine import Action
from ledger.models import Item, ItemEvent, ReconcileNotice, Status
from ledger.selectors import at_risk_q, overdue_q
from org.actor import SYSTEM
from org.models import Person, Role
from workdays.selectors import working_days_between


def ledger_reconcile(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Flag at-risk and overdue items, notify the owner and the first receiver, and escalate items
    overdue by more than LEDGER_ESCALATE_AFTER_WORKING_DAYS to the sponsoring leader.

    Each notice is recorded once per item, kind and deadline, so running it again sends nothing twice;
    a new deadline (an extension, a redo) makes the item eligible again."""
    now = now or timezone.now()
    counts = {"at_risk": 0, "overdue": 0, "escalated": 0}
    related = ("department", "handler", "first_receiver", "sponsor")
    for item in Item.objects.filter(at_risk_q(now)).select_related(*related):
        counts["at_risk"] += _notice(item, ReconcileNotice.Kind.AT_RISK, item.resolve_due, _owners(item), now)
    for item in Item.objects.filter(overdue_q(now)).select_related(*related):
        late_ack = item.status == Status.DISPATCHED and item.acknowledge_due and item.acknowledge_due < now
        due = item.acknowledge_due if late_ack else item.resolve_due
        counts["overdue"] += _notice(item, ReconcileNotice.Kind.OVERDUE, due, _owners(item), now)
        late = working_days_between(timezone.localtime(due).date(), timezone.localtime(now).date())
        if late >= settings.LEDGER_ESCALATE_AFTER_WORKING_DAYS:
            leaders = [item.sponsor] if item.sponsor_id else _nearest_leaders(item)
            counts["escalated"] += _notice(item, ReconcileNotice.Kind.ESCALATED, due, leaders, now)
    return counts


def _owners(item: Item) -> list:
    return [u for u in (item.handler, item.first_receiver) if u is not None] + (
        [item.department.email] if item.department_id and item.department.email else []
    )


def _nearest_leaders(item: Item) -> list:
    """With no sponsoring leader, the leaders of the nearest division above the item."""
    leaders = list(Person.objects.filter(role=Role.LEADER).select_related("user", "division"))
    covering = [p for p in leaders if item.division_path.startswith(p.division.path)]
    if not covering:
        return []
    depth = max(len(p.division.path) for p in covering)
    return [p.user for p in covering if len(p.division.path) == depth]


def _notice(item: Item, kind: str, due: dt.datetime, recipients: list, now: dt.datetime) -> int:
    emails = notices._recipients(*recipients)
    with transaction.atomic():
        notice, created = ReconcileNotice.objects.get_or_create(
            item=item, kind=kind, due=due, defaults={"sent_at": now, "recipients": ",".join(emails)[:500]}
        )
        if not created:
            return 0
        label = ReconcileNotice.Kind(notice.kind).label
        record(
            model=ItemEvent,
            actor=SYSTEM,
            action=Action.RECONCILE,
            at=now,
            reason=_("%(label)s：期限 %(due)s，已通知 %(to)s")
            % {"label": label, "due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M"), "to": "、".join(emails)},
            item=item,
            from_status=item.status,
            to_status=item.status,
        )
        subject = _("【%(label)s】%(number)s %(title)s") % {"label": label, "number": item.number, "title": item.title}
        body = _("事项“%(title)s”的期限为 %(due)s，请及时办理。") % {
            "title": item.title,
            "due": timezone.localtime(due),
        }
        transaction.on_commit(lambda: notices.send(subject, body, emails))
    return 1
