"""The demo loader: real timelines through the services, every status, idempotent, and logins that work.

The demo is loaded once for the module (``demo``), inside a transaction rolled back at the module's
end; each test runs in its own savepoint within it, so tests stay independent of one another. The
demos of other sizes and seeds, which need an empty database, are in test_demo_seeds.py."""

import random
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from stdnum.cn import uscc

from core.validators import normalize_phone
from ledger.demo import credit_code
from ledger.models import (
    Callback,
    Category,
    Channel,
    Item,
    ItemEvent,
    Kind,
    Result,
    ResultKind,
    Satisfaction,
    Status,
)
from ledger.selectors import at_risk_q, overdue_q
from ledger.services import time_limit_for
from org.demo import PASSWORD
from org.models import Department, Division, Person, Role
from workdays.selectors import add_working_days

ITEMS = 60
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


def load(items: int, seed: int = 7) -> str:
    out = StringIO()
    call_command("load_demo", items=items, seed=seed, apps=["org", "ledger"], stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The output of one demo of ITEMS items, loaded for the whole module and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield load(items=ITEMS)
        transaction.set_rollback(True)


def counts() -> dict[str, int]:
    models = (Division, Department, Category, User, Person, Item, ItemEvent)
    return {m.__name__: m.objects.count() for m in models}


def test_the_demo_has_items_in_every_status_kind_and_channel_with_timelines_in_time_order(demo):
    assert "grassroots-demo" in demo and "/login/" in demo

    items = Item.objects.prefetch_related("events")
    assert items.count() == ITEMS
    assert {i.status for i in items} == set(Status.values)
    assert {i.kind for i in items} == set(Kind.values)
    assert {i.channel for i in items} == set(Channel.values)
    now = timezone.now()
    assert Item.objects.filter(overdue_q(now)).exists() and Item.objects.filter(at_risk_q(now)).exists()
    for item in items:
        events = sorted(item.events.all(), key=lambda e: e.id)
        times = [e.at for e in events]
        assert times == sorted(times), item.number
        assert events[0].action == "open" and events[0].at == item.opened_at
        assert item.opened_at < now - timezone.timedelta(minutes=1)
        assert all(t <= now for t in times)
        assert item.number.startswith(f"{timezone.localtime(item.opened_at):%Y%m%d}")


def test_deadlines_count_from_the_historical_dispatch():
    checked = 0
    for item in Item.objects.exclude(dispatched_at=None).filter(redo_count=0).select_related("category__parent"):
        if item.events.filter(action__in=["approve_extension", "return"]).exists():
            continue
        limit = time_limit_for(category=item.category, priority=item.priority)
        if limit.resolve_unit != "working_days":
            continue
        assert item.resolve_due == add_working_days(item.dispatched_at, limit.resolve_within).due
        assert item.events.get(action="dispatch").at == item.dispatched_at
        checked += 1
    assert checked > 5


def test_loading_twice_adds_nothing():
    before = counts()
    output = load(items=ITEMS)
    assert counts() == before
    assert "already loaded" in output


def test_submitters_have_valid_phones_and_enterprises_valid_credit_codes():
    phones = Item.objects.exclude(submitter_phone="").values_list("submitter_phone", flat=True)
    assert phones and all(normalize_phone(p) == p for p in phones)
    codes = Item.objects.exclude(enterprise_credit_code="").values_list("enterprise_credit_code", flat=True)
    assert codes and all(uscc.is_valid(c) for c in codes)
    assert all(uscc.is_valid(credit_code(random.Random(n), "350582")) for n in range(200))


def test_callbacks_give_all_three_satisfactions_and_some_results_grant_funds():
    assert set(Callback.objects.values_list("satisfaction", flat=True)) == set(Satisfaction.values)
    funds = Result.objects.filter(kind=ResultKind.FUNDS_GRANTED)
    assert funds.exists() and all(r.amount > 0 for r in funds)


def test_the_demo_users_can_log_in_with_the_printed_password(client):
    for username in ("calltaker", "handler", "leader", "auditor", "admin", "resident", "city_calltaker", "jj_handler"):
        response = client.post("/login/", {"username": username, "password": PASSWORD})
        assert response.status_code == 302, username
        assert client.session.get("_auth_user_id") == str(User.objects.get(username=username).pk)
        client.logout()
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.person.role == Role.ADMIN
    # Every department has someone to handle its items.
    assert not Department.objects.exclude(people__role=Role.HANDLER).exists()
