"""The policy platform's demo (政策找企), a step of ``manage.py load_demo`` (core.demo) after org's
logins and the register. Idempotent: a second run changes nothing.

1. the six demo packages (75 clauses, examples), published;
2. the matches of every published clause over the demo register;
3. the enterprise login ``enterprise`` (企业用户, password as every demo login), linked to an
   enterprise that is eligible for several clauses, at least one 依申请 and one 免申即享 (chosen by
   evaluating: the one with the most eligible clauses, then by credit code);
4. notifications of the eligible matches (emailed once to members with an address);
5. a draft grant batch (免申即享) for one clause that enterprise is eligible for, within budget.
"""

import time

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from core.demo import DemoOptions, Output
from enterprises.models import Enterprise
from enterprises.selectors import register_snapshot
from org.demo import PASSWORD
from org.models import Role
from org.services import person_create
from policies.models import ClauseMode, GrantBatch, Match, MatchResult, PolicyClause, PolicyStatus
from policies.services import catalogue, delivery, matching

USERNAME = "enterprise"


def load(options: DemoOptions, out: Output) -> None:
    started = time.monotonic()
    policies = catalogue.demo_load()
    clauses = PolicyClause.objects.filter(policy__status=PolicyStatus.PUBLISHED).count()
    out.write(f"policies: {len(policies)} ({clauses} published clauses, examples)")
    stats = matching.matches_recompute(frame=register_snapshot(), reference_date=timezone.localdate())
    out.write(f"matches: {Match.objects.count()} stored ({stats['written']} written, {stats['deleted']} deleted)")
    enterprise = _enterprise_login()
    if enterprise is None:
        out.write("no enterprise of the register is eligible for both an apply and an auto clause: no login")
    notified = delivery.notify_matches()
    out.write(f"notifications: {notified['created']} new, {notified['emails']} emails")
    batch = _draft_batch(enterprise) if enterprise is not None else None
    if enterprise is not None:
        eligible = Match.objects.filter(credit_code=enterprise.credit_code, result=MatchResult.ELIGIBLE).count()
        out.success(
            f"enterprise login: {USERNAME} / {PASSWORD} → {enterprise.name} ({enterprise.credit_code}), "
            f"eligible for {eligible} clauses; see /policies/mine/"
        )
    if batch is not None:
        out.write(f"grant batch #{batch.pk} ({batch.get_status_display()}) for {batch.clause.code} "
                  f"{batch.clause.title}: /policies/delivery/batches/{batch.pk}/")  # fmt: skip
    out.write(f"policy demo loaded in {time.monotonic() - started:.1f} s")


def _enterprise_login() -> Enterprise | None:
    """The demo enterprise user, linked (once) to the most eligible enterprise that has both modes."""
    User = get_user_model()
    user = User.objects.filter(username=USERNAME).first()
    if user is not None and user.enterprises.exists():
        return user.enterprises.order_by("pk").first()
    best = (
        Match.objects.filter(result=MatchResult.ELIGIBLE, clause__policy__status=PolicyStatus.PUBLISHED)
        .values("credit_code")
        .annotate(
            n=Count("pk"),
            apply=Count("pk", filter=Q(clause__mode=ClauseMode.APPLY)),
            auto=Count("pk", filter=Q(clause__mode=ClauseMode.AUTO)),
        )
        .filter(apply__gte=1, auto__gte=1)
        .order_by("-n", "credit_code")
    )
    codes = [row["credit_code"] for row in best[:50]]
    found = list(Enterprise.objects.filter(credit_code__in=codes, division__isnull=False))
    if not found:
        return None
    enterprise = min(found, key=lambda e: codes.index(e.credit_code))
    with transaction.atomic():
        if user is None:
            person = person_create(
                username=USERNAME,
                password=PASSWORD,
                name=(enterprise.contact_name or "企业用户")[:32],
                role=Role.SUBMITTER,
                division=enterprise.division,
                title=f"{enterprise.name}企业用户"[:64],
                email=f"{USERNAME}@example.org",
            )
            user = person.user
        enterprise.members.add(user)
    return enterprise


def _draft_batch(enterprise: Enterprise) -> GrantBatch | None:
    """A draft batch for one auto clause the demo enterprise is eligible for (once: any batch of
    that clause means it was made), whose eligible total fits the budget."""
    User = get_user_model()
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        return None
    candidates = PolicyClause.objects.filter(
        mode=ClauseMode.AUTO,
        policy__status=PolicyStatus.PUBLISHED,
        matches__credit_code=enterprise.credit_code,
        matches__result=MatchResult.ELIGIBLE,
    ).order_by("code")
    existing = GrantBatch.objects.filter(clause__in=candidates).order_by("pk").first()
    if existing is not None:
        return existing
    for clause in candidates:
        total = clause.matches.filter(result=MatchResult.ELIGIBLE).aggregate(s=Sum("amount"))["s"] or 0
        if clause.budget is None or total <= clause.budget:
            return delivery.grant_batch_create(clause=clause, actor=admin)
    return None
