"""Expiry: ``policies_expire`` turns the published policies whose expiry date has passed into 已失效
(once: running it again changes nothing), run by ``manage.py policies expire`` and by a recurring task
(``--every``, like the reconcile run). An expired policy is hidden from "policies for me", shown as
已失效 in the catalogue, takes no amendment and no new grant."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from core.exceptions import ActionRefused
from org.actor import SYSTEM
from policies.models import ClauseMode, Match, Policy, PolicyClause, PolicyStatus
from policies.selectors import mine_overview, policy_overview
from policies.services.catalogue import policy_publish
from policies.services.delivery import grant_batch_create
from policies.services.expiry import policies_expire
from policies.tasks import expire
from policies.tests.catalogue_fixtures import draft_policy, enterprise

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 7, 1)


def _policy(code: str, expires_on: dt.date | None, publish: bool = True) -> Policy:
    policy = draft_policy(code)
    Policy.objects.filter(pk=policy.pk).update(expires_on=expires_on)
    if publish:
        policy_publish(actor=SYSTEM, policy=policy, today=dt.date(2026, 1, 1))  # published before it expired
    policy.refresh_from_db()
    return policy


@pytest.fixture
def policies(cast):
    return {
        "past": _policy("past", dt.date(2026, 6, 30)),
        "today": _policy("today", TODAY),  # in force through its expiry date
        "open": _policy("open", None),
        "draft": _policy("draft", dt.date(2026, 1, 31), publish=False),
    }


def _statuses():
    return dict(Policy.objects.values_list("code", "status"))


def test_published_policies_past_their_date_expire_once(policies):
    versions = dict(Policy.objects.values_list("code", "version"))
    assert policies_expire(actor=SYSTEM, today=TODAY) == 1
    assert _statuses() == {"past": "expired", "today": "published", "open": "published", "draft": "draft"}
    after = dict(Policy.objects.values_list("code", "version"))
    assert after == versions | {"past": versions["past"] + 1}
    assert policies_expire(actor=SYSTEM, today=TODAY) == 0  # idempotent: nothing changes the second time
    assert dict(Policy.objects.values_list("code", "version")) == after
    assert policies_expire(actor=SYSTEM, today=TODAY + dt.timedelta(days=1)) == 1 and _statuses()["today"] == "expired"


def test_the_command_expires_and_prints_the_count(policies):
    out = StringIO()
    call_command("policies", "expire", "--today", TODAY.isoformat(), stdout=out)
    assert json.loads(out.getvalue().splitlines()[-1]) == {"expired": 1}
    out = StringIO()
    call_command("policies", "expire", "--today", TODAY.isoformat(), stdout=out)
    assert json.loads(out.getvalue().splitlines()[-1]) == {"expired": 0}
    assert _statuses()["past"] == "expired"


def test_the_task_expires_as_of_today(cast):
    past = _policy("past", timezone.localdate() - dt.timedelta(days=1))
    assert expire.enqueue().return_value == 1  # the tests' immediate backend runs it now
    past.refresh_from_db()
    assert past.status == PolicyStatus.EXPIRED
    assert expire.enqueue().return_value == 0


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_every_enqueues_a_recurring_task_that_schedules_its_next_run(cast):
    from django_tasks_db.models import DBTaskResult

    out = StringIO()
    call_command("policies", "expire", "--every", "1440", stdout=out)
    assert "every 1440 minutes" in out.getvalue()
    first = DBTaskResult.objects.get()
    assert first.task_path == "policies.tasks.expire" and first.args_kwargs["args"] == [1440]
    _policy("past", timezone.localdate() - dt.timedelta(days=1))
    started = timezone.now()
    assert expire.call(1440) == 1  # what the worker runs: expire now, then enqueue the next run
    later = DBTaskResult.objects.exclude(pk=first.pk).get()
    assert later.args_kwargs["args"] == [1440] and later.run_after >= started + dt.timedelta(minutes=1439)


def test_an_expired_policy_is_hidden_from_policies_for_me(cast):
    policy = _policy("past", None)
    clause = policy.clauses.get()
    mine = enterprise(members=[cast.submitter])
    Match.objects.create(clause=clause, credit_code=mine.credit_code, result="eligible", amount=100000,
                         computed_at=timezone.now(), rule_version=clause.rule_version)  # fmt: skip
    assert [e["clause"] for e in mine_overview(enterprise=mine)["eligible"]] == [clause]
    Policy.objects.filter(pk=policy.pk).update(expires_on=timezone.localdate() - dt.timedelta(days=1))
    assert mine_overview(enterprise=mine)["eligible"] == []  # its date passed: hidden before the expiry run
    policies_expire(actor=SYSTEM)
    assert mine_overview(enterprise=mine)["eligible"] == []


def test_the_catalogue_shows_an_expired_policy_as_expired(cast, client):
    expired = _policy("past", timezone.localdate() - dt.timedelta(days=1))
    due = _policy("due", timezone.localdate() - dt.timedelta(days=1))
    policies_expire(actor=SYSTEM)
    Policy.objects.filter(pk=due.pk).update(status=PolicyStatus.PUBLISHED)  # as if the run had not come yet
    rows = {r["policy"].code: r["expired"] for r in policy_overview(user=cast.auditor)}
    assert rows == {"past": True, "due": True}
    client.force_login(cast.auditor)
    listing = client.get(reverse("policies:catalogue")).content.decode()
    assert listing.count('<span class="status p-expired">已失效</span>') == 2
    page = client.get(reverse("policies:catalogue-policy", args=[expired.pk])).content.decode()
    assert '<span class="status p-expired">已失效</span>' in page
    client.force_login(cast.leader)
    page = client.get(reverse("policies:catalogue-policy", args=[expired.pk])).content.decode()
    edit = reverse("policies:clause-edit", args=[expired.pk, expired.clauses.get().pk])
    assert edit not in page  # no amendment of an expired policy
    response = client.get(edit)
    assert response.status_code == 302


def test_no_new_grants_after_expiry(cast):
    policy = _policy("past", timezone.localdate() - dt.timedelta(days=1))
    PolicyClause.objects.filter(policy=policy).update(mode=ClauseMode.AUTO)
    clause = policy.clauses.get()
    assert policies_expire(actor=SYSTEM) == 1
    with pytest.raises(ActionRefused, match="失效"):
        grant_batch_create(clause=clause, actor=cast.leader)
