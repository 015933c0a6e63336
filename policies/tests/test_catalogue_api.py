"""The API of the catalogue: drafters create and change draft clauses as JSON Logic (validated by the
same service as the editor; errors as {detail, code, errors}), explanations scoped to the user's
enterprises, near misses for staff."""

import pytest

from enterprises.models import EnterpriseYear
from policies.models import ClauseVersion, Policy, PolicyClause, PolicyStatus
from policies.services.catalogue import demo_load
from policies.tests.catalogue_fixtures import CONDITION, draft_policy, enterprise

pytestmark = pytest.mark.django_db

NEW = {
    "policy": "draft-1",
    "code": "draft-1-02",
    "number": 2,
    "title": "外贸企业出口增长奖励",
    "condition": {"and": [{"has_tag": "外贸"}, {">=": [{"growth": ["exports", -2, -1]}, 0.1]}]},
    "benefit": {"min": [{"*": [0.05, {"var": "exports_y1"}]}, 500000]},
    "budget": "5000000",
    "mode": "apply",
}


@pytest.fixture
def policy(cast):
    return draft_policy()


def test_a_handler_creates_a_draft_clause_as_json_logic(policy, cast, client):
    client.force_login(cast.handler)
    response = client.post("/api/policy-clauses/", NEW, content_type="application/json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["condition"] == NEW["condition"] and body["version"] == 1
    assert body["condition_text"]["zh-hans"] == "带有“外贸”标签，且上年度出口额较前年度增长率不低于10%"
    assert ClauseVersion.objects.get(clause__code="draft-1-02").created_by == cast.handler


def test_the_paying_department_goes_in_and_out_by_its_code(policy, cast, client):
    client.force_login(cast.handler)
    response = client.post("/api/policy-clauses/", NEW | {"department": "350502-ZJ"}, content_type="application/json")
    assert response.status_code == 201 and response.json()["department"] == "350502-ZJ"
    assert PolicyClause.objects.get(code="draft-1-02").department == cast.department
    unknown = client.post("/api/policy-clauses/", NEW | {"code": "draft-1-03", "department": "住建局"},
                          content_type="application/json")  # fmt: skip
    assert unknown.status_code == 400 and "department" in unknown.json()["errors"]


@pytest.mark.parametrize(
    "change,field,message",
    [
        ({"condition": {">=": [{"var": "nope"}, 1]}}, "condition", "未知的企业属性“nope”"),
        ({"condition": {">=": [{"var": "founded_on"}, 3]}}, "condition", "不能把日期与数字比较"),
        ({"benefit": {"/": [{"var": "exports_y1"}, {"var": "employees"}]}}, "benefit", "除数可能为零"),
        ({"benefit": {"/": [{"var": "exports_y1"}, 0]}}, "benefit", "除数可能为零"),
        ({"budget": "-1"}, "budget", "资金预算不能为负数"),
    ],
)
def test_bad_json_logic_is_refused_by_field_and_nothing_is_written(policy, cast, client, change, field, message):
    client.force_login(cast.handler)
    response = client.post("/api/policy-clauses/", NEW | change, content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and message in body["errors"][field][0] and body["detail"]
    assert not PolicyClause.objects.filter(code="draft-1-02").exists()


def test_an_update_names_its_version_and_a_stale_one_is_409(policy, cast, client):
    client.force_login(cast.leader)
    url = "/api/policy-clauses/draft-1-01/"
    change = {"version": 1, "reason": "门槛调整", "condition": {"industry_prefix": ["C18"]}}
    response = client.patch(url, change, content_type="application/json")
    assert response.status_code == 200 and response.json()["version"] == 2
    assert response.json()["condition"] == {"industry_prefix": ["C18"]} and response.json()["benefit"] == 100000
    stale = client.patch(url, change | {"condition": CONDITION}, content_type="application/json")
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    assert PolicyClause.objects.get(code="draft-1-01").condition == {"industry_prefix": ["C18"]}


@pytest.mark.parametrize("role", ["call_taker", "auditor", "submitter"])
def test_others_may_not_write_and_do_not_see_drafts(policy, cast, client, role):
    client.force_login(getattr(cast, role))
    assert client.post("/api/policy-clauses/", NEW, content_type="application/json").status_code == 403
    assert client.get("/api/policy-clauses/draft-1-01/").status_code == 404
    assert client.get("/api/policies/draft-1/").status_code == 404


def test_published_clauses_are_amended_by_leaders_and_administrators_only(cast, client):
    demo_load()
    change = {"version": 1, "reason": "标题更正", "title": "新"}
    client.force_login(cast.handler)
    assert client.patch("/api/policy-clauses/wgy-03/", change, content_type="application/json").status_code == 403
    client.force_login(cast.admin)
    response = client.patch("/api/policy-clauses/wgy-03/", change, content_type="application/json")
    assert response.status_code == 200 and response.json()["title"] == "新" and response.json()["version"] == 2
    Policy.objects.filter(code="wgy").update(status=PolicyStatus.EXPIRED)
    response = client.patch("/api/policy-clauses/wgy-03/", change | {"version": 2}, content_type="application/json")
    assert response.status_code == 409 and "失效" in response.json()["detail"]


def _srdi_maker(members=()):
    e = enterprise(members=members)
    e.srdi = True
    e.save()
    EnterpriseYear.objects.create(enterprise=e, year=2025, revenue=1000)
    return e


def test_an_enterprise_user_sees_the_explanation_for_their_own_enterprise_only(cast, client):
    demo_load()
    mine = _srdi_maker(members=[cast.submitter])
    other = enterprise(code="91350502MA2XXXXX02", name="别家企业")
    client.force_login(cast.submitter)
    body = client.get("/api/policy-clauses/wgy-03/explain/", {"credit_code": mine.credit_code}).json()
    assert body["clause"] == "wgy-03" and body["result"] == "unknown"  # industry unknown
    assert [c["outcome"] for c in body["conditions"]] == ["pass", "unknown"]
    assert body["conditions"][0]["text"]["zh-hans"] == "获评专精特新中小企业"
    assert client.get("/api/policy-clauses/wgy-03/explain/", {"credit_code": other.credit_code}).status_code == 404
    assert client.get("/api/policy-clauses/wgy-03/near-misses/").status_code == 403


def test_staff_see_near_misses(cast, client, monkeypatch):
    import polars as pl

    from policies import testing

    demo_load()
    frame = testing.register(300, seed=4).with_columns(pl.lit("350500/").alias("division_path"))
    monkeypatch.setattr("policies.api.views.register_snapshot", lambda: frame)
    client.force_login(cast.admin)
    body = client.get("/api/policy-clauses/wgy-03/near-misses/").json()
    assert body["count"] > 0 and {"credit_code", "failed", "failed_text"} <= set(body["results"][0])
