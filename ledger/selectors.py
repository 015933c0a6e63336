"""Reads of the ledger. Every list starts from the user's scope (``Item.scope``, through ``restrict``)."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import BooleanField, Case, F, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from ledger.machine import ACTIVE_STATUSES, FINAL
from ledger.models import Callback, ExportJob, Item, ItemEvent, Measure, Result, Satisfaction, Status
from ledger.scope import party_contact
from ledger.submitters import Party, item_parties, round_callbacks
from org.actor import actor_of, division_codes
from org.models import Department, Division
from workdays.selectors import add_working_days


def at_risk_threshold(now: dt.datetime | None = None) -> dt.datetime:
    """Items due before this moment (and not yet overdue) are at risk."""
    now = now or timezone.now()
    return add_working_days(now, settings.LEDGER_AT_RISK_WORKING_DAYS).due


def overdue_q(now: dt.datetime) -> Q:
    return Q(status__in=ACTIVE_STATUSES, resolve_due__lt=now) | Q(status=Status.DISPATCHED, acknowledge_due__lt=now)


def at_risk_q(now: dt.datetime) -> Q:
    return Q(status__in=ACTIVE_STATUSES, resolve_due__gte=now, resolve_due__lte=at_risk_threshold(now)) & ~overdue_q(
        now
    )


def on_time_q() -> Q:
    """Resolved by the resolution deadline (按期办结)."""
    return Q(resolved_at__lte=F("resolve_due"))


def satisfied_q(when: Q | None = None) -> Q:
    """Items with a satisfied callback (满意回访), of those ``when`` selects (their time)."""
    callbacks = Callback.objects.filter(when or Q(), satisfaction=Satisfaction.SATISFIED)
    return Q(pk__in=callbacks.values("item_id"))


def with_flags(qs: QuerySet[Item], now: dt.datetime | None = None) -> QuerySet[Item]:
    """Annotate ``is_overdue`` and ``is_at_risk``: derived from the deadlines, never set by hand."""
    now = now or timezone.now()
    return qs.annotate(
        is_overdue=Case(When(overdue_q(now), then=Value(True)), default=Value(False), output_field=BooleanField()),
        is_at_risk=Case(When(at_risk_q(now), then=Value(True)), default=Value(False), output_field=BooleanField()),
    )


def item_list(*, user) -> QuerySet[Item]:
    """Every item the user may see, newest first, with the flags."""
    qs = Item.objects.restrict(user, "view").select_related(
        "category__parent", "division", "department", "first_receiver__person", "sponsor__person", "handler__person"
    )
    return with_flags(qs)


def item_inbox(*, user) -> QuerySet[Item]:
    """My items: what waits on me, and what I received first (首接) until it is signed off (or merged)."""
    actor = actor_of(user)
    if actor.user is None:
        return Item.objects.none()
    mine = Q(first_receiver=user) | Q(handler=user) | Q(sponsor=user) | Q(submitter_user=user)
    if actor.department is not None:
        mine |= Q(department_id=actor.department.pk)
    return item_list(user=user).filter(mine).exclude(status__in=FINAL).order_by("resolve_due", "-opened_at")


def item_get(*, user, pk: int) -> Item:
    """One item, or 404 when it does not exist or lies outside the user's scope."""
    try:
        return item_list(user=user).get(pk=pk)
    except Item.DoesNotExist:
        raise Http404 from None


def item_timeline(*, item: Item) -> QuerySet[ItemEvent]:
    return item.events.select_related("actor__person", "measure", "result").order_by("at", "id")


def measure_list(*, user) -> QuerySet[Measure]:
    return Measure.objects.filter(item__in=item_list(user=user).values("pk")).select_related("item", "owner__person")


def result_list(*, user) -> QuerySet[Result]:
    return Result.objects.filter(item__in=item_list(user=user).values("pk")).select_related(
        "item", "created_by__person"
    )


def callback_list(*, item: Item) -> QuerySet[Callback]:
    return item.callbacks.select_related("by__person", "submitter").order_by("at", "id")


@dataclass(frozen=True)
class SubmitterRow:
    party: Party
    contact: dict[str, str]  # phone and ID number as the viewer may see them
    callback: Callback | None  # this round's callback, if asked already


def item_submitters(*, user, item: Item, callbacks: Iterable[Callback] | None = None) -> list[SubmitterRow]:
    """Every submitter of the item (its own, then the merged ones) as ``user`` may see them, with
    their callback of the current round; from ``callbacks`` when the caller has loaded them."""
    done = round_callbacks(item, callbacks)
    return [SubmitterRow(p, party_contact(user, item, p), done.get(p.key)) for p in item_parties(item)]


def dispatch_departments(scope: Division) -> QuerySet[Department]:
    """Departments of the scope, above it and below it."""
    return (
        Department.objects.filter(active=True)
        .filter(Q(division__code__in=division_codes(scope)) | Q(division__path__startswith=scope.path))
        .select_related("division")
    )


def export_job_list(*, user) -> QuerySet[ExportJob]:
    """The user's own export jobs, newest first. Nobody sees another user's jobs."""
    return ExportJob.objects.filter(requester=user).order_by("-created_at", "-pk")


def export_job_get(*, user, pk: int) -> ExportJob:
    """One of the user's export jobs, or 404."""
    try:
        return export_job_list(user=user).get(pk=pk)
    except ExportJob.DoesNotExist:
        raise Http404 from None
