"""The impact preview before publishing: counts, costs against budget, and the breakdowns by county and
industry from the vectorised engine agree with the row-by-row reference evaluator on a small register."""

import collections
import datetime as dt

import pytest
from django.urls import reverse

from policies import testing
from policies.jsonlogic.reference import evaluate_clause
from policies.models import PolicyClause
from policies.selectors import Draft, amount_rule, draft_of, impact_preview
from policies.services.catalogue import demo_load
from policies.tests.catalogue_fixtures import draft_policy

REF = dt.date(2026, 6, 30)
pytestmark = pytest.mark.django_db

CODES = ["wgy-01", "wgy-03", "wwm-01", "wwm-02", "fzxf-03", "jcjj-03", "wl-01"]


def _reference(frame, drafts):
    """The same figures, row by row with the reference evaluator."""
    per_clause = []
    reached = collections.defaultdict(float)  # row → sum of amounts
    unknown_any = set()
    for d in drafts:
        eligible = unknown = 0
        cost = 0.0
        for i, row in enumerate(frame.to_dicts()):
            result, amount, _missing = evaluate_clause(d.condition, amount_rule(d.benefit, d.cap), row, REF)
            if result == "eligible":
                eligible += 1
                cost += amount or 0.0
                reached[i] += amount or 0.0
            elif result == "unknown":
                unknown += 1
                unknown_any.add(i)
        per_clause.append((d.key, eligible, unknown, round(cost, 2)))
    rows = frame.to_dicts()
    by_county, by_section = collections.Counter(), collections.Counter()
    cost_county = collections.defaultdict(float)
    for i, amount in reached.items():
        county = (rows[i]["division_code"] or "")[:6]
        by_county[county] += 1
        cost_county[county] += amount
        by_section[(rows[i]["industry_code"] or "")[:1]] += 1
    return per_clause, len(reached), len(unknown_any), by_county, cost_county, by_section


def test_the_preview_agrees_with_the_reference_evaluator(cast):
    demo_load()
    frame = testing.register(400, seed=11)
    drafts = [draft_of(c) for c in PolicyClause.objects.filter(code__in=CODES).order_by("code")]
    impact = impact_preview(frame=frame, drafts=drafts, reference_date=REF)
    per_clause, reached, unknown, by_county, cost_county, by_section = _reference(frame, drafts)
    got = [(c["key"], c["eligible"], c["unknown"], c["cost"]) for c in impact["clauses"]]
    assert [(k, e, u) for k, e, u, _c in got] == [(k, e, u) for k, e, u, _c in per_clause]
    for (_k, _e, _u, cost), (_k2, _e2, _u2, expected) in zip(got, per_clause, strict=True):
        assert cost == pytest.approx(expected, abs=0.05)
    assert impact["reached"] == reached and impact["unknown"] == unknown and impact["enterprises"] == 400
    assert {r["code"]: r["eligible"] for r in impact["by_county"]} == dict(by_county)
    for r in impact["by_county"]:
        assert r["cost"] == pytest.approx(cost_county[r["code"]], abs=0.05)
    assert {r["code"]: r["eligible"] for r in impact["by_section"]} == {k: v for k, v in by_section.items()}
    assert sum(r["eligible"] for r in impact["by_industry"]) == reached
    assert impact["cost"] == pytest.approx(sum(c for *_x, c in per_clause), abs=0.5)
    assert any(r["name"] == "晋江市" for r in impact["by_county"])  # names from the division table or the renderer
    assert sum(c["eligible"] for c in impact["clauses"]) > 0 and unknown > 0  # the register is not trivial


def test_cost_is_compared_with_the_budget_and_missing_data_is_named():
    frame = testing.register(200, seed=5)
    cheap = Draft("a", "a", {"certified": "high_tech"}, 1000, None, 10_000_000)
    dear = Draft("b", "b", {">=": [{"var": "employees"}, 0]}, 1_000_000, None, 1)
    impact = impact_preview(frame=frame, drafts=[cheap, dear], reference_date=REF)
    a, b = impact["clauses"]
    assert not a["over_budget"] and b["over_budget"] and impact["over_budget"]
    assert a["missing"] and a["missing"][0][0] == "高新技术企业"  # unknown because the flag is missing
    assert b["missing"][0][0] == "从业人数"
    assert impact["budget"] == 10_000_001


def test_a_formula_with_a_missing_figure_counts_its_amount_apart():
    frame = testing.register(300, seed=8)
    formula = Draft("f", "f", {"has_tag": "外贸"}, {"*": [0.01, {"var": "exports_y1"}]}, 50000, None)
    impact = impact_preview(frame=frame, drafts=[formula], reference_date=REF)
    rows = frame.to_dicts()
    expected = [evaluate_clause(formula.condition, amount_rule(formula.benefit, formula.cap), r, REF) for r in rows]
    assert impact["clauses"][0]["cost_unknown"] == sum(1 for r, a, _m in expected if r == "eligible" and a is None)
    assert impact["clauses"][0]["cost"] == pytest.approx(
        sum(a or 0 for r, a, _m in expected if r == "eligible"), abs=0.05
    )


def test_the_preview_pages_for_a_draft_policy_and_an_unsaved_clause(cast, client, monkeypatch):
    frame = testing.register(150, seed=3)
    monkeypatch.setattr("policies.selectors.register_snapshot", lambda: frame)
    monkeypatch.setattr("policies.views.register_snapshot", lambda: frame)
    policy = draft_policy()
    client.force_login(cast.leader)
    page = client.get(reverse("policies:catalogue-impact", args=[policy.pk]))
    assert page.status_code == 200 and "惠及企业" in page.content.decode() and "确认发布" in page.content.decode()
    data = {
        "code": "t-1",
        "number": 2,
        "title": "试算",
        "conj": "and",
        "mode": "auto",
        "benefit_kind": "fixed",
        "fixed_amount": "1万",
        "budget": "10万",
        "row-TOTAL_FORMS": 1,
        "row-INITIAL_FORMS": 0,
        "row-0-attr": "srdi",
        "row-0-op": "is",
    }
    panel = client.post(reverse("policies:clause-impact", args=[policy.pk]), data, HTTP_HX_REQUEST="true")
    text = panel.content.decode()
    expected = impact_preview(frame=frame, drafts=[Draft("t", "t", {"certified": "srdi"}, 10000)], reference_date=REF)
    assert panel.status_code == 200 and "按县（市、区）" in text and f">{expected['reached']}<" in text
    assert not PolicyClause.objects.filter(code="t-1").exists()


def test_the_impact_page_is_for_drafters(cast, client):
    policy = draft_policy()
    client.force_login(cast.auditor)
    assert client.get(reverse("policies:catalogue-impact", args=[policy.pk])).status_code == 403
