"""Amending a published policy: leaders and administrators change a clause (or add one) with a reason;
the editor warns, the impact preview compares before → after by county, saving writes a version and
recomputes the clause's matches after commit (then notifies under the new version). Handlers edit
drafts only; an expired policy is not changed; a stale editor is 409; the history shows every
amendment with the old and new sentences side by side."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from core.exceptions import ActionRefused, VersionConflict
from org.actor import SYSTEM
from policies import testing
from policies.forms import ClauseForm
from policies.models import ClauseVersion, Match, Notification, Policy, PolicyClause, PolicyStatus
from policies.selectors import Draft, clause_history, draft_of, impact_compare, impact_preview
from policies.services.catalogue import clause_save, policy_publish
from policies.tests.catalogue_fixtures import CONDITION, draft_policy
from policies.tests.test_editor import post_data

pytestmark = pytest.mark.django_db

HIGHER = {"and": [{"industry_prefix": ["C17"]}, {">=": [{"var": "revenue_y1"}, 30000000]}]}
BANNER = "修改已发布条款：保存后立即重新匹配并按新版本推送"


@pytest.fixture
def enqueued(monkeypatch):
    """The clause ids the services asked to recompute (after commit)."""
    calls: list[list[int]] = []
    monkeypatch.setattr("policies.services.catalogue.recompute_enqueue", lambda *, clause_ids: calls.append(clause_ids))
    return calls


@pytest.fixture
def published(cast):
    policy = draft_policy()
    policy_publish(actor=SYSTEM, policy=policy)
    policy.refresh_from_db()
    return policy


def _kwargs(clause: PolicyClause, **change):
    fields = ("number", "title", "condition", "benefit", "cap", "mode", "budget", "department")
    return {f: getattr(clause, f) for f in fields} | {"policy": clause.policy, "code": clause.code} | change


def _state(clause: PolicyClause):
    clause.refresh_from_db()
    return clause.version, clause.rule_version, clause.condition, clause.budget, clause.versions.count()


def test_a_leader_amends_a_clause_version_written_and_recomputed_after_commit(
    published, cast, enqueued, django_capture_on_commit_callbacks
):
    clause = published.clauses.get()
    with django_capture_on_commit_callbacks(execute=True):
        saved = clause_save(
            **_kwargs(clause, condition=HIGHER), actor=cast.leader, version=1, reason="门槛更正为3000万元"
        )
    assert saved.version == 2 and saved.condition == HIGHER
    latest = saved.versions.first()
    assert (latest.rule_version, latest.created_by, latest.reason) == (
        saved.rule_version,
        cast.leader,
        "门槛更正为3000万元",
    )
    assert saved.versions.count() == 2
    assert enqueued == [[saved.pk]]  # one-clause mode


def test_nothing_is_enqueued_before_commit_nor_when_the_amendment_is_refused(
    published, cast, enqueued, django_capture_on_commit_callbacks
):
    clause = published.clauses.get()
    with django_capture_on_commit_callbacks() as callbacks:
        clause_save(**_kwargs(clause, condition=HIGHER), actor=cast.admin, version=1, reason="更正")
    assert enqueued == [] and len(callbacks) == 1
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(VersionConflict):
        clause_save(**_kwargs(clause, condition=CONDITION), actor=cast.admin, version=1, reason="过期页面")
    assert enqueued == []


def test_an_amendment_needs_a_reason_and_writes_nothing_without_one(published, cast, enqueued):
    clause = published.clauses.get()
    before = _state(clause)
    with pytest.raises(ValidationError) as e:
        clause_save(**_kwargs(clause, condition=HIGHER), actor=cast.leader, version=1, reason="  ")
    assert "reason" in e.value.message_dict
    with pytest.raises(ValidationError):
        clause_save(**_kwargs(clause, code="draft-1-09", number=9), actor=cast.leader, create=True)
    assert _state(clause) == before and not PolicyClause.objects.filter(code="draft-1-09").exists()


def test_a_handler_edits_drafts_only(published, cast, enqueued):
    clause = published.clauses.get()
    before = _state(clause)
    with pytest.raises(PermissionDenied):
        clause_save(**_kwargs(clause, condition=HIGHER), actor=cast.handler, version=1, reason="更正")
    with pytest.raises(PermissionDenied):
        clause_save(**_kwargs(clause, code="draft-1-09", number=9), actor=cast.handler, create=True, reason="新增")
    assert _state(clause) == before and not PolicyClause.objects.filter(code="draft-1-09").exists()
    other = draft_policy("draft-2")  # a draft: the handler may
    saved = clause_save(**_kwargs(other.clauses.get(), condition=HIGHER), actor=cast.handler, version=1, reason="改")
    assert saved.version == 2


def test_a_new_clause_on_a_published_policy_is_an_amendment(
    published, cast, enqueued, django_capture_on_commit_callbacks
):
    clause = published.clauses.get()
    with django_capture_on_commit_callbacks(execute=True):
        new = clause_save(**_kwargs(clause, code="draft-1-02", number=2, condition={"certified": "srdi"}),
                          actor=cast.leader, create=True, reason="追加专精特新条款")  # fmt: skip
    assert new.policy_id == published.pk and new.versions.get().reason == "追加专精特新条款"
    assert enqueued == [[new.pk]]


@pytest.mark.parametrize("how", ["date", "status"])
def test_an_expired_policy_is_not_amended(published, cast, enqueued, how):
    clause = published.clauses.get()
    if how == "date":  # expired by its date, before the expiry run
        Policy.objects.filter(pk=published.pk).update(expires_on=dt.date(2026, 3, 31))
    else:
        Policy.objects.filter(pk=published.pk).update(status=PolicyStatus.EXPIRED)
    before = _state(clause)
    with pytest.raises(ActionRefused, match="失效"):
        clause_save(**_kwargs(clause, condition=HIGHER), actor=cast.leader, version=1, reason="更正",
                    today=dt.date(2026, 4, 1))  # fmt: skip
    assert _state(clause) == before and enqueued == []


def test_a_budget_top_up_is_a_version_in_the_history_without_a_new_rule_or_a_recompute(
    published, cast, client, enqueued, django_capture_on_commit_callbacks
):
    clause = published.clauses.get()
    with django_capture_on_commit_callbacks(execute=True):
        saved = clause_save(**_kwargs(clause, budget=8000000), actor=cast.leader, version=1, reason="追加预算300万元")
    assert saved.version == 2 and saved.budget == 8000000 and saved.rule_version == clause.rule_version
    assert enqueued == []  # the matches do not depend on the budget
    latest = saved.versions.first()
    assert (latest.number, latest.budget, latest.reason, latest.created_by) == (
        2,
        8000000,
        "追加预算300万元",
        cast.leader,
    )
    client.force_login(cast.leader)
    page = client.get(reverse("policies:catalogue-policy", args=[published.pk])).content.decode()
    assert "追加预算300万元" in page and "资金预算：5,000,000.00 → 8,000,000.00" in page


def test_saving_a_clause_unchanged_writes_no_version(published, cast):
    clause = published.clauses.get()
    count = clause.versions.count()
    saved = clause_save(**_kwargs(clause), actor=cast.leader, version=clause.version, reason="未改动")
    assert saved.version == clause.version and saved.versions.count() == count


# -- the editor page


def test_the_editor_warns_and_saves_an_amendment_with_a_reason(
    published, cast, client, enqueued, django_capture_on_commit_callbacks
):
    clause = published.clauses.get()
    url = reverse("policies:clause-edit", args=[published.pk, clause.pk])
    client.force_login(cast.leader)
    page = client.get(url)
    assert page.status_code == 200 and BANNER in page.content.decode()
    data = post_data(ClauseForm(clause=clause)) | {"row-1-value": "3000万"}
    response = client.post(url, data)
    assert response.status_code == 400 and "修改原因" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data | {"reason": "门槛更正为3000万元"}, follow=True)
    assert response.status_code == 200 and "正在按新版本重新匹配企业" in response.content.decode()
    clause.refresh_from_db()
    assert clause.condition == HIGHER and clause.version == 2 and enqueued == [[clause.pk]]


def test_the_editor_adds_a_clause_to_a_published_policy(published, cast, client, enqueued):
    client.force_login(cast.admin)
    url = reverse("policies:clause-new", args=[published.pk])
    assert BANNER in client.get(url).content.decode()
    data = {"code": "draft-1-02", "number": 2, "title": "专精特新奖励", "conj": "and", "mode": "apply",
            "benefit_kind": "fixed", "fixed_amount": "10万", "row-TOTAL_FORMS": 1, "row-INITIAL_FORMS": 0,
            "row-0-attr": "srdi", "row-0-op": "is"}  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 400 and not PolicyClause.objects.filter(code="draft-1-02").exists()
    response = client.post(url, data | {"reason": "追加条款"})
    assert response.status_code == 302, response.context["form"].errors
    assert PolicyClause.objects.get(code="draft-1-02").policy_id == published.pk


def test_a_stale_amendment_is_409_and_writes_nothing(published, cast, client, enqueued):
    clause = published.clauses.get()
    client.force_login(cast.leader)
    data = post_data(ClauseForm(clause=clause)) | {"row-1-value": "3000万", "reason": "更正"}
    PolicyClause.objects.filter(pk=clause.pk).update(version=clause.version + 1)  # amended by someone else meanwhile
    response = client.post(reverse("policies:clause-edit", args=[published.pk, clause.pk]), data)
    assert response.status_code == 409 and "已被他人修改" in response.content.decode()
    clause.refresh_from_db()
    assert clause.condition == CONDITION and clause.versions.count() == 1 and enqueued == []


def test_the_policy_page_offers_amendments_to_leaders_only(published, cast, client):
    url = reverse("policies:catalogue-policy", args=[published.pk])
    edit = reverse("policies:clause-edit", args=[published.pk, published.clauses.get().pk])
    client.force_login(cast.leader)
    assert edit in client.get(url).content.decode()
    client.force_login(cast.handler)
    assert edit not in client.get(url).content.decode()
    assert client.get(edit).status_code == 403


def test_the_impact_preview_compares_the_amendment_with_the_current_version(published, cast, client, monkeypatch):
    frame = testing.register(300, seed=5)
    monkeypatch.setattr("policies.views.register_snapshot", lambda: frame)
    clause = published.clauses.get()
    client.force_login(cast.leader)
    data = post_data(ClauseForm(clause=clause)) | {"row-1-value": "500万", "fixed_amount": "20万"}  # no reason yet
    panel = client.post(reverse("policies:clause-impact", args=[published.pk, clause.pk]), data, HTTP_HX_REQUEST="true")
    assert panel.status_code == 200
    text = panel.content.decode()
    assert "与当前版本对比" in text and "按县（市、区）：修改前 → 修改后" in text
    looser = {"and": [{"industry_prefix": ["C17"]}, {">=": [{"var": "revenue_y1"}, 5000000]}]}
    today = timezone.localdate()
    old = impact_preview(frame=frame, drafts=[draft_of(clause)], reference_date=today)
    new = impact_preview(
        frame=frame, drafts=[Draft("x", "x", looser, 200000, None, clause.budget)], reference_date=today
    )
    compare = panel.context["compare"]
    assert compare["reached"] == {"before": old["reached"], "after": new["reached"],
                                  "delta": new["reached"] - old["reached"]}  # fmt: skip
    assert compare["cost"]["before"] == old["cost"] and compare["cost"]["after"] == new["cost"]
    by_county = {r["code"]: (r["before"], r["after"]) for r in compare["by_county"]}
    for r in old["by_county"]:
        assert by_county[r["code"]][0] == r["eligible"]
    for r in new["by_county"]:
        assert by_county[r["code"]][1] == r["eligible"]
    assert sum(b for b, _a in by_county.values()) == old["reached"]
    assert sum(a for _b, a in by_county.values()) == new["reached"]
    clause.refresh_from_db()
    assert clause.condition == CONDITION and clause.version == 1  # a trial run writes nothing


def test_impact_compare_counts_every_county_of_either_side():
    frame = testing.register(200, seed=7)
    before = Draft("a", "a", {"certified": "srdi"}, 1000)
    after = Draft("a", "a", {"or": [{"certified": "srdi"}, {"certified": "high_tech"}]}, 1000)
    compare = impact_compare(frame=frame, before=before, after=after, reference_date=dt.date(2026, 6, 30))
    assert compare["reached"]["delta"] >= 0
    assert all(r["after"] >= r["before"] for r in compare["by_county"])
    assert compare["cost"]["delta"] == pytest.approx(1000 * compare["reached"]["delta"])


# -- the history


def test_the_history_shows_every_amendment_with_old_and_new_sentences(published, cast, client, enqueued):
    clause = published.clauses.get()
    clause_save(**_kwargs(clause, condition=HIGHER), actor=cast.leader, version=1, reason="门槛更正为3000万元")
    clause.refresh_from_db()
    clause_save(**_kwargs(clause, benefit=150000), actor=cast.admin, version=2, reason="奖励提高到15万元")
    clause.refresh_from_db()
    history = clause_history(clause=clause)
    assert [h["version"].reason for h in history] == ["奖励提高到15万元", "门槛更正为3000万元", "新建条款"]
    newest, middle, first = history[0], history[1], history[-1]
    assert newest["current"] and newest["amount_changed"] and not newest["condition_changed"]
    assert middle["condition_changed"] and "3000万元" in middle["after"]["condition"]
    assert "2000万元" in middle["before"]["condition"] and first["before"] is None
    client.force_login(cast.auditor)  # everyone sees a published policy's history
    page = client.get(reverse("policies:catalogue-policy", args=[published.pk])).content.decode()
    texts = (
        "门槛更正为3000万元",
        "奖励提高到15万元",
        "营业收入不低于2000万元",
        "营业收入不低于3000万元",
        "修改前",
        "修改后",
    )
    for text in texts:
        assert text in page
    client.force_login(cast.leader)
    editor = client.get(reverse("policies:clause-edit", args=[published.pk, clause.pk])).content.decode()
    assert "上年度营业收入不低于2000万元" in editor and "门槛更正为3000万元" in editor


# -- end to end: the task recomputes the one clause and notifies under the new version


@pytest.fixture
def register(cast):
    from enterprises.services import industries_load_reference, register_load_frame
    from enterprises.synthetic import synthetic_register
    from org.services import divisions_load_reference

    industries_load_reference()
    divisions_load_reference()
    register_load_frame(synthetic_register(400, seed=3))


def test_an_amendment_rematches_its_clause_and_notifies_under_the_new_version(
    register, cast, django_capture_on_commit_callbacks
):
    from enterprises.selectors import register_snapshot
    from policies.services.delivery import notify_matches
    from policies.services.matching import matches_compute, matches_refresh

    policy = Policy.objects.create(code="amend-e2e", title="测试", issuer="市工信局", issued_on=dt.date(2026, 1, 1))
    srdi = {"certified": "srdi"}
    clause = clause_save(
        actor=SYSTEM, policy=policy, code="amend-e2e-01", number=1, title="专精特新", condition=srdi, benefit=10000
    )
    policy_publish(actor=SYSTEM, policy=policy)
    matches_refresh(clause_ids=[clause.pk])
    notify_matches(clause_ids=[clause.pk])
    before = set(Match.objects.filter(clause=clause, result="eligible").values_list("credit_code", flat=True))
    looser = {"or": [{"certified": "srdi"}, {"certified": "high_tech"}]}
    with django_capture_on_commit_callbacks(execute=True):  # the tests' immediate backend runs the task now
        clause = clause_save(
            **_kwargs(clause, condition=looser), actor=cast.leader, version=1, reason="扩大到高新技术企业"
        )
    clause.refresh_from_db()
    assert clause.matched_version == clause.rule_version
    expected = matches_compute(register_snapshot(), [clause], timezone.localdate())
    after = set(expected.filter(expected["result"] == "eligible")["credit_code"].to_list())
    stored = set(Match.objects.filter(clause=clause, result="eligible").values_list("credit_code", flat=True))
    assert stored == after and after >= before and after - before
    notified = Notification.objects.filter(clause=clause, rule_version=clause.rule_version)
    assert set(notified.values_list("enterprise__credit_code", flat=True)) == after
    assert ClauseVersion.objects.filter(clause=clause).count() == 2
