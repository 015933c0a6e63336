"""The visits step of ``manage.py load_demo``: over the last year, the demo's leaders and
call-takers visit enterprises of the demo register (above-scale ones first) and villages; about half
of what they hear becomes ledger items, a third of those dispatched; leaders are paired with
enterprises of their county and the city leader with two counties. Idempotent: once there are
visits, nothing is added."""

import datetime as dt
import random
import time

from django.db import transaction
from django.utils import timezone

from core.demo import DemoOptions, Output
from enterprises.models import Enterprise
from ledger import services as ledger
from ledger.models import Category, Kind
from org.actor import SYSTEM, division_codes
from org.models import Department, Division, Person, Role
from visits import services
from visits.models import Pairing, Visit

# What officials hear on visits (fictional, in the words of the hotline's categories).
FINDINGS = [
    ("厂区门口道路破损，货车进出困难，希望尽快修复。", Kind.PROBLEM),
    ("用电增容审批时间长，影响新生产线投产。", Kind.PROBLEM),
    ("招工难，希望组织专场招聘会。", Kind.REQUEST),
    ("希望简化出口退税手续，缩短到账时间。", Kind.SUGGESTION),
    ("园区污水管网堵塞，雨天倒灌。", Kind.PROBLEM),
    ("研发费用加计扣除政策不清楚，希望上门讲解。", Kind.CONSULTATION),
    ("周边路灯不亮，夜班职工出行不便。", Kind.PROBLEM),
    ("希望增加公交线路到工业区。", Kind.SUGGESTION),
    ("厂房消防验收排期长，希望加快。", Kind.REQUEST),
    ("融资难，希望对接银行开展政银企对接会。", Kind.REQUEST),
]
VISITS = 240


def load(options: DemoOptions, out: Output) -> None:
    started = time.monotonic()
    if Visit.objects.exists():
        out.write("visits: already loaded, none added")
        return
    rng = random.Random(options.seed)
    officials = list(Person.objects.filter(role__in=(Role.LEADER, Role.CALL_TAKER)).select_related("user", "division"))
    categories = list(Category.objects.filter(active=True, children__isnull=True).order_by("code"))
    if not officials or not categories:
        out.write("visits: no officials or categories to visit with: none added")
        return
    today = timezone.localdate()
    with transaction.atomic():
        pairings = _pairings(officials, today, rng)
        visits = opened = dispatched = 0
        for n in range(VISITS):
            official = officials[n % len(officials)]
            enterprise = _enterprise(official, rng)
            place = None if enterprise else _village(official, rng)
            if enterprise is None and place is None:
                continue
            heard = rng.sample(FINDINGS, rng.choice((0, 1, 1, 2, 3)))
            findings = [
                services.FindingInput(text, kind, rng.choice(categories) if rng.random() < 0.5 else None)
                for text, kind in heard
            ]
            visit = services.visit_record(
                actor=official.user, visited_on=today - dt.timedelta(days=rng.randrange(0, 365)), officials=[official],
                enterprise=enterprise, division=place, place="" if enterprise else f"{place.name}党群服务中心",
                summary="了解生产经营情况，收集问题诉求。", findings=findings,
            )  # fmt: skip
            visits += 1
            for finding in visit.findings.filter(item__isnull=False).select_related("item"):
                opened += 1
                if rng.random() < 0.35 and _dispatch(finding.item, rng):
                    dispatched += 1
    out.write(f"visits: {visits} visits, {opened} findings opened as items ({dispatched} dispatched), "
              f"{pairings} pairings in {time.monotonic() - started:.1f} s")  # fmt: skip


def _enterprise(official: Person, rng: random.Random) -> Enterprise | None:
    """An enterprise of the official's area, above-scale two times in three; None for a village visit."""
    if rng.random() < 0.2:
        return None
    qs = Enterprise.objects.filter(division__path__startswith=official.division.path)
    if rng.random() < 0.67:
        qs = qs.filter(above_scale=True)
    count = qs.count()
    return qs.order_by("pk")[rng.randrange(count)] if count else None


def _village(official: Person, rng: random.Random) -> Division | None:
    qs = Division.objects.filter(level=Division.Level.VILLAGE, path__startswith=official.division.path)
    count = qs.count()
    return qs.order_by("code")[rng.randrange(count)] if count else None


def _dispatch(item, rng: random.Random) -> bool:
    """Dispatch the item, as the call-taker of its area, to a department of its division or above."""
    codes = division_codes(item.division)
    departments = list(Department.objects.filter(active=True, division__code__in=codes).order_by("code"))
    dispatcher = (
        Person.objects.filter(role=Role.CALL_TAKER, division__code__in=codes).order_by("-division__code").first()
    )
    if not departments or dispatcher is None:
        return False
    ledger.item_dispatch(item=item, actor=dispatcher.user, department=rng.choice(departments))
    return True


def _pairings(officials: list[Person], today: dt.date, rng: random.Random) -> int:
    start = today.replace(month=1, day=1)
    made = 0
    for official in officials:
        if official.role != Role.LEADER:
            continue
        if official.division.level == Division.Level.CITY:
            for county in Division.objects.filter(code__in=("350502", "350582")):
                services.pairing_create(actor=SYSTEM, official=official, county=county, starts_on=start)
                made += 1
            continue
        above = Enterprise.objects.filter(division__path__startswith=official.division.path, above_scale=True)
        for enterprise in above.order_by("pk")[:8]:
            if not Pairing.objects.filter(official=official, enterprise=enterprise).exists():
                services.pairing_create(actor=SYSTEM, official=official, enterprise=enterprise, starts_on=start)
                made += 1
    return made
