"""Reads of the visits app, every one through the scope declared on ``Visit``."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from enterprises.filters import search_q
from enterprises.models import Enterprise
from enterprises.selectors import enterprise_list
from org.actor import actor_of, division_codes
from org.models import Division, Person, Role
from visits.filters import SOLVED
from visits.models import Finding, Pairing, Visit

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


# ---------------------------------------------------------------------------------------------
# Coverage (万名干部进万企): above-scale (四上) enterprises visited in a period


@dataclass(frozen=True)
class CoverageRow:
    division: Division
    above_scale: int
    visited: int
    findings: int
    solved: int

    @property
    def share(self) -> float:
        """The visited share in per cent."""
        return 100 * self.visited / self.above_scale if self.above_scale else 0.0


def above_scale_list(*, user, division: Division) -> QuerySet[Enterprise]:
    return enterprise_list(user=user).filter(above_scale=True, division__path__startswith=division.path)


def visited_enterprise_ids(*, start: dt.date, end: dt.date, division: Division) -> QuerySet:
    return (
        Visit.objects.filter(
            visited_on__gte=start,
            visited_on__lte=end,
            enterprise__isnull=False,
            division_path__startswith=division.path,
        )  # fmt: skip
        .values("enterprise_id")
        .distinct()
    )


def not_visited(*, user, division: Division, start: dt.date, end: dt.date) -> QuerySet[Enterprise]:
    """The above-scale enterprises of the scope that nobody visited in the period."""
    visited = visited_enterprise_ids(start=start, end=end, division=division)
    return above_scale_list(user=user, division=division).exclude(pk__in=visited).order_by("division__code", "name")


def coverage_by_division(*, user, division: Division, start: dt.date, end: dt.date) -> list[CoverageRow]:
    """One row per child division of ``division`` (the counties of the city, the townships of a county),
    and a last row for the whole: above-scale enterprises, those visited, the problems they raised on
    visits and how many are solved."""
    children = list(Division.objects.filter(parent=division).order_by("code")) or [division]
    depth = len(division_codes(children[0]))
    enterprises = above_scale_list(user=user, division=division)
    visited = set(visited_enterprise_ids(start=start, end=end, division=division).values_list("enterprise_id",
                                                                                              flat=True))  # fmt: skip
    tally: dict[str, list[int]] = {c.code: [0, 0, 0, 0] for c in children}
    for pk, path in enterprises.values_list("pk", "division__path").iterator(chunk_size=5000):
        code = path.strip("/").split("/")[depth - 1] if path.count("/") >= depth else ""
        if code in tally:
            tally[code][0] += 1
            tally[code][1] += pk in visited
    findings = Finding.objects.filter(visit__visited_on__gte=start, visit__visited_on__lte=end,
                                      visit__enterprise__in=enterprises.values("pk"))  # fmt: skip
    for path, status in findings.values_list("visit__division_path", "item__status").iterator(chunk_size=5000):
        code = path.strip("/").split("/")[depth - 1] if path.count("/") >= depth else ""
        if code in tally:
            tally[code][2] += 1
            tally[code][3] += status in SOLVED
    rows = [CoverageRow(c, *tally[c.code]) for c in children]
    whole = CoverageRow(division, *(sum(r[i] for r in tally.values()) for i in range(4)))
    return [*rows, whole] if len(children) > 1 or children[0] != division else [whole]


def coverage_by_official(*, user, division: Division, start: dt.date, end: dt.date, limit: int = 50) -> list[dict]:
    """The officials of the scope who visited above-scale enterprises or are paired with some: how many
    they are paired with, how many of those they visited, and how many above-scale enterprises they
    visited in all."""
    above = above_scale_list(user=user, division=division).values("pk")
    visits = Visit.objects.filter(visited_on__gte=start, visited_on__lte=end, enterprise__in=above)
    visited_by = dict(
        visits.values("officials").annotate(n=Count("enterprise", distinct=True)).values_list("officials", "n")
    )
    pairings = Pairing.objects.filter(enterprise__in=above, starts_on__lte=end).exclude(ends_on__lt=start)
    paired: dict[int, set[int]] = {}
    for person, enterprise in pairings.values_list("official_id", "enterprise_id"):
        paired.setdefault(person, set()).add(enterprise)
    seen = set(visits.values_list("officials", "enterprise_id"))
    people = Person.objects.filter(pk__in=set(visited_by) | set(paired), division__path__startswith=division.path)
    rows = [
        {"person": p, "paired": len(paired.get(p.pk, ())),
         "paired_visited": sum((p.pk, e) in seen for e in paired.get(p.pk, ())),
         "visited": visited_by.get(p.pk, 0)}
        for p in people.select_related("department")
    ]  # fmt: skip
    return sorted(rows, key=lambda r: (-r["visited"], r["person"].name))[:limit]


def pairing_list(*, user) -> QuerySet[Pairing]:
    return Pairing.objects.restrict(user, "view").select_related("official__department", "enterprise", "division")
