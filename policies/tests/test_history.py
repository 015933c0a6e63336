"""Publishing, amending, opening for comment and expiring a policy, and the grant batches' reviews,
each leave a change record naming the actor (``core.history``); a write without an actor is refused."""

import datetime as dt

import pytest
from django.urls import reverse

from core.history import history_of
from core.models import ChangeRecord
from org.actor import SYSTEM
from policies.models import ClauseVersion, Policy, PolicyStatus
from policies.services.catalogue import clause_save, policy_publish
from policies.services.consultation import consultation_open
from policies.services.expiry import policies_expire
from policies.tests.catalogue_fixtures import CONDITION, draft_policy

pytestmark = pytest.mark.django_db


def test_publishing_with_no_actor_is_refused_and_writes_nothing(cast):
    policy = draft_policy()
    versions = ClauseVersion.objects.count()
    with pytest.raises(ValueError, match="actor"):
        policy_publish(policy=policy, actor=None)
    policy.refresh_from_db()
    assert policy.status == PolicyStatus.DRAFT and policy.version == 1
    assert ClauseVersion.objects.count() == versions and not ChangeRecord.objects.exists()


def test_every_catalogue_write_refuses_a_missing_actor(cast):
    policy = draft_policy()
    with pytest.raises(ValueError, match="actor"):
        clause_save(policy=policy, code="draft-1-02", number=2, title="x", condition=CONDITION, actor=None)
    with pytest.raises(ValueError, match="actor"):
        policies_expire(actor=None)
    with pytest.raises(ValueError, match="actor"):
        consultation_open(policy=policy, actor=None, opens_on=dt.date(2026, 1, 1), closes_on=dt.date(2026, 2, 1),
                          users=[cast.submitter])  # fmt: skip
    assert policy.clauses.count() == 1 and not ChangeRecord.objects.exists()


def test_publishing_records_who_published(cast):
    policy = draft_policy()
    policy_publish(policy=policy, actor=cast.leader)
    (publish,) = history_of(policy)
    assert (publish.action, publish.actor, publish.changes) == (
        "publish",
        cast.leader,
        {"status": ["draft", "published"]},
    )


def test_expiry_records_the_system(cast):
    policy = draft_policy()
    Policy.objects.filter(pk=policy.pk).update(expires_on=dt.date(2026, 6, 30))
    policy_publish(policy=policy, actor=cast.admin, today=dt.date(2026, 6, 1))
    assert policies_expire(dt.date(2026, 7, 1), actor=SYSTEM) == 1
    expire = history_of(policy).get(action="expire")
    assert expire.actor is None and expire.changes == {"status": ["published", "expired"]}  # None: the system


def test_the_policy_page_shows_its_history_with_its_clauses_amendments(cast, client):
    policy = draft_policy()
    policy_publish(policy=policy, actor=cast.leader)
    clause = policy.clauses.get()
    clause_save(policy=policy, code=clause.code, number=1, title=clause.title, condition=CONDITION, benefit=150000,
                budget=clause.budget, department=clause.department, actor=cast.admin, version=clause.version,
                reason="奖励提高到15万元")  # fmt: skip
    assert [r.action for r in history_of(policy)] == ["publish", "amend"]
    amend = history_of(policy).get(action="amend")
    assert amend.actor == cast.admin and amend.changes["benefit"] == [100000, 150000]
    client.force_login(cast.handler)
    page = client.get(reverse("policies:catalogue-policy", args=[policy.pk])).content.decode()
    assert "变更记录" in page and "奖励提高到15万元" in page and "修改已发布条款" in page and "leader" in page
