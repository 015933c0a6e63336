"""``manage.py load_policy_demo``: the policy platform's demo, idempotent."""

import io

from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command

from org.actor import SYSTEM
from org.models import Role
from policies.models import GrantBatch, GrantBatchStatus, Match, Notification, Policy
from policies.tests.test_delivery_services import make_world


def _counts():
    User = get_user_model()
    return (Policy.objects.count(), Match.objects.count(), Notification.objects.count(), GrantBatch.objects.count(),
            User.objects.count())  # fmt: skip


def test_the_policy_demo_loads_an_enterprise_login_notifications_and_a_draft_batch_once(cast):
    world = make_world(cast)
    out = io.StringIO()
    call_command("load_policy_demo", stdout=out)
    user = get_user_model().objects.get(username="enterprise")
    assert user.person.role == Role.SUBMITTER and user.check_password("grassroots-demo")
    assert list(user.enterprises.all()) == [world.a]  # eligible for an apply and an auto clause
    assert Notification.objects.filter(enterprise=world.a).exists()
    assert any("enterprise@example.org" in m.to for m in mail.outbox)
    batch = GrantBatch.objects.get()
    assert batch.status == GrantBatchStatus.DRAFT and batch.lines.filter(enterprise=world.a).exists()
    assert "enterprise login: enterprise" in out.getvalue()
    before, sent = _counts(), len(mail.outbox)
    call_command("load_policy_demo", stdout=io.StringIO())
    assert _counts() == before and len(mail.outbox) == sent


def test_the_demo_clauses_are_paid_by_demo_departments_whose_handler_may_approve(cast):
    from org.demo import CITY_DEPARTMENTS
    from org.services import department_create, person_create
    from policies.models import PolicyClause
    from policies.selectors import may_approve_batch
    from policies.services import catalogue

    for suffix, name in CITY_DEPARTMENTS:  # the demo's city departments, as ledger.demo loads them
        department_create(code=f"350500-{suffix}", name=name, division=cast.city, actor=SYSTEM)
    catalogue.demo_load()
    names = {name for _suffix, name in CITY_DEPARTMENTS}
    departments = set(PolicyClause.objects.values_list("department__name", flat=True))
    assert departments <= names and {"市工信局", "市商务局", "市文旅局"} <= departments
    handler = person_create(username="city_gxj_test", password="pass-for-tests-1", name="工信承办人",
                            role=Role.HANDLER, division=cast.city, department=cast.city_department).user  # fmt: skip
    assert cast.city_department.name == "市工信局"
    wgy = PolicyClause.objects.filter(policy__code="wgy")
    assert wgy.exists() and all(may_approve_batch(handler, clause) for clause in wgy)
    assert not any(may_approve_batch(handler, clause) for clause in PolicyClause.objects.filter(policy__code="wwm"))
