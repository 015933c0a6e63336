"""The catalogue's pages: the list and the detail of a policy for every role, drafts for the drafters only,
the policy form, publishing by leaders and administrators."""

import datetime as dt

import pytest
from django.urls import reverse

from policies.models import ClauseVersion, Policy, PolicyStatus
from policies.services.catalogue import demo_load
from policies.tests.catalogue_fixtures import draft_policy

pytestmark = pytest.mark.django_db

ROLES = ["admin", "leader", "handler", "call_taker", "auditor", "submitter"]
DRAFTERS = {"admin", "leader", "handler"}


@pytest.fixture
def demo(cast):
    demo_load()
    return draft_policy()


@pytest.mark.parametrize("role", ROLES)
def test_the_list_shows_published_policies_to_everyone_and_drafts_to_drafters(demo, cast, client, role):
    client.force_login(getattr(cast, role))
    page = client.get(reverse("policies:catalogue"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "稳工业" in text or "工业" in text
    assert ("纺织业稳增长若干措施" in text) == (role in DRAFTERS)


@pytest.mark.parametrize("role", ROLES)
def test_a_draft_is_404_but_to_drafters(demo, cast, client, role):
    client.force_login(getattr(cast, role))
    page = client.get(reverse("policies:catalogue-policy", args=[demo.pk]))
    assert page.status_code == (200 if role in DRAFTERS else 404)


@pytest.mark.parametrize("role", ROLES)
def test_a_published_policy_shows_its_clauses_as_sentences(demo, cast, client, role):
    client.force_login(getattr(cast, role))
    policy = Policy.objects.get(code="wgy")
    page = client.get(reverse("policies:catalogue-policy", args=[policy.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "获评专精特新中小企业，且行业属于C制造业" in text  # wgy-03
    assert "版本历史" in text and "规则版本" in text
    assert ("编辑" in text) is False or role in DRAFTERS


def test_the_sentence_follows_the_interface_script(demo, cast, client):
    client.force_login(cast.leader)
    client.post(reverse("set_language"), {"language": "zh-hant", "next": "/"})
    policy = Policy.objects.get(code="wgy")
    text = client.get(reverse("policies:catalogue-policy", args=[policy.pk])).content.decode()
    assert "獲評專精特新中小企業，且行業屬於C製造業" in text


def test_a_handler_drafts_a_policy(cast, client):
    client.force_login(cast.handler)
    data = {
        "code": "tea-2026",
        "title": "支持茶产业发展若干措施",
        "issuer": "安溪县人民政府",
        "document_number": "安政〔2026〕1号",
        "issued_on": "2026-03-01",
        "expires_on": "",
        "full_text": "第一条",
    }
    response = client.post(reverse("policies:catalogue-policy-new"), data)
    policy = Policy.objects.get(code="tea-2026")
    assert response.status_code == 302 and policy.status == PolicyStatus.DRAFT


def test_an_expiry_before_the_issue_date_is_refused(cast, client):
    client.force_login(cast.handler)
    data = {
        "code": "tea-2026",
        "title": "茶",
        "issuer": "安溪县",
        "issued_on": "2026-03-01",
        "expires_on": "2025-01-01",
    }
    response = client.post(reverse("policies:catalogue-policy-new"), data)
    assert response.status_code == 400 and "失效日期不能早于发布日期" in response.content.decode()
    assert not Policy.objects.filter(code="tea-2026").exists()


@pytest.mark.parametrize("role", ["call_taker", "auditor", "submitter"])
def test_others_may_not_draft(cast, client, role):
    client.force_login(getattr(cast, role))
    assert client.get(reverse("policies:catalogue-policy-new")).status_code == 403


def test_editing_a_policy_with_a_stale_version_writes_nothing(demo, cast, client):
    client.force_login(cast.handler)
    data = {"title": "新标题", "issuer": demo.issuer, "issued_on": "2026-01-01", "version": demo.version}
    Policy.objects.filter(pk=demo.pk).update(version=demo.version + 1)  # someone else saved meanwhile
    response = client.post(reverse("policies:catalogue-policy-edit", args=[demo.pk]), data)
    assert response.status_code == 409 and "已被他人修改" in response.content.decode()
    assert Policy.objects.get(pk=demo.pk).title != "新标题"


@pytest.mark.parametrize("role,allowed", [("leader", True), ("admin", True), ("handler", False), ("auditor", False)])
def test_leaders_and_administrators_publish(
    demo, cast, client, role, allowed, monkeypatch, django_capture_on_commit_callbacks
):
    enqueued = []
    monkeypatch.setattr("policies.services.catalogue.recompute_enqueue", lambda clause_ids: enqueued.append(clause_ids))
    client.force_login(getattr(cast, role))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("policies:catalogue-publish", args=[demo.pk]), {"version": demo.version})
    demo.refresh_from_db()
    if allowed:
        assert response.status_code == 302 and demo.status == PolicyStatus.PUBLISHED
        assert enqueued == [[c.pk for c in demo.clauses.all()]]
        assert ClauseVersion.objects.filter(clause__policy=demo).exists()
    else:
        assert response.status_code in (403, 404) and demo.status == PolicyStatus.DRAFT and not enqueued


def test_publishing_twice_or_after_expiry_is_refused(demo, cast, client):
    client.force_login(cast.leader)
    Policy.objects.filter(pk=demo.pk).update(expires_on=dt.date(2020, 1, 1))
    response = client.post(reverse("policies:catalogue-publish", args=[demo.pk]), follow=True)
    assert "已于2020-01-01失效，不能发布" in response.content.decode()
    published = Policy.objects.get(code="wgy")
    response = client.post(reverse("policies:catalogue-publish", args=[published.pk]), follow=True)
    assert "只有草稿状态的政策可以发布" in response.content.decode()


def test_publishing_a_stale_page_is_refused(demo, cast, client):
    client.force_login(cast.leader)
    response = client.post(
        reverse("policies:catalogue-publish", args=[demo.pk]), {"version": demo.version - 1 or 99}, follow=True
    )
    assert "已被他人修改" in response.content.decode()
    assert Policy.objects.get(pk=demo.pk).status == PolicyStatus.DRAFT


def test_publishing_computes_the_matches_of_the_new_clauses(cast, django_capture_on_commit_callbacks):
    """The recompute task (immediate backend in tests) stores the matches once the publication is committed."""
    from enterprises.selectors import register_snapshot
    from enterprises.services import industries_load_reference, register_load_frame
    from enterprises.synthetic import synthetic_register
    from policies.models import Match
    from policies.services.catalogue import clause_save, policy_publish

    industries_load_reference()
    register_load_frame(synthetic_register(300, seed=9))
    frame = register_snapshot()
    policy = Policy.objects.create(code="p-srdi", title="专精特新奖励", issuer="工信局", issued_on=dt.date(2026, 1, 1))
    clause = clause_save(policy=policy, code="p-srdi-1", number=1, title="奖励", condition={"certified": "srdi"},
                         benefit=1000, actor=cast.handler, create=True)  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        policy_publish(policy=policy, actor=cast.leader, version=policy.version, recompute=True)
    eligible = frame.filter(frame["srdi"].fill_null(False))["credit_code"].to_list()
    stored = set(Match.objects.filter(clause=clause, result="eligible").values_list("credit_code", flat=True))
    assert stored == set(eligible) and stored
