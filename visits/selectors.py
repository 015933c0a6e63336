"""Reads of the visits app, every one through the scope declared on ``Visit``."""

from django.db.models import Count, Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from enterprises.filters import search_q
from enterprises.models import Enterprise
from enterprises.selectors import enterprise_list
from org.actor import actor_of
from org.models import Person, Role
from visits.models import Finding, Visit

OFFICIAL_ROLES = (Role.LEADER, Role.HANDLER, Role.CALL_TAKER, Role.AUDITOR, Role.ADMIN)


def visit_list(*, user) -> QuerySet[Visit]:
    return (
        Visit.objects.restrict(user, "view")
        .select_related("enterprise", "division", "created_by__person")
        .prefetch_related(Prefetch("officials", queryset=Person.objects.order_by("name")))
        .annotate(finding_count=Count("findings", distinct=True))
        .order_by("-visited_on", "-pk")
    )


def visit_get(*, user, pk: int) -> Visit:
    """One visit, or 404 when it does not exist or lies outside the user's scope."""
    return get_object_or_404(visit_list(user=user), pk=pk)


def finding_list(*, user) -> QuerySet[Finding]:
    return Finding.objects.filter(visit__in=visit_list(user=user).values("pk")).select_related(
        "visit__enterprise", "visit__division", "item"
    )


def finding_get(*, user, pk: int) -> Finding:
    return get_object_or_404(finding_list(user=user), pk=pk)


def official_choices(*, user) -> QuerySet[Person]:
    """The officials a user may name on a visit: the staff of their working division's subtree."""
    actor = actor_of(user)
    if actor.division is None:
        return Person.objects.none()
    return (
        Person.objects.filter(role__in=OFFICIAL_ROLES, division__path__startswith=actor.division.path)
        .select_related("department")
        .order_by("-rank", "name")
    )


def enterprise_search(*, user, q: str, limit: int = 10) -> QuerySet[Enterprise]:
    """Enterprises of the user's scope whose name (either script) or credit code matches ``q``."""
    q = (q or "").strip()
    if len(q) < 2:
        return Enterprise.objects.none()
    return enterprise_list(user=user).filter(search_q(q))[:limit]


def enterprise_by_code(*, user, credit_code: str) -> Enterprise | None:
    return enterprise_list(user=user).filter(credit_code=(credit_code or "").strip().upper()).first()


def item_source(user, *, item) -> dict:
    """The item page's panel: the visit a finding came from, when the user may see it."""
    finding = Finding.objects.filter(item=item).select_related("visit__enterprise", "visit__division").first()
    if finding is None or not Visit.objects.restrict(user, "view").filter(pk=finding.visit_id).exists():
        return {"visit_finding": None}
    return {"visit_finding": finding}
