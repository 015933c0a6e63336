"""Matches are stored and recomputed in three modes, writing only what changed; explanations and
near misses."""

import datetime as dt

import polars as pl
import pytest
from django.core.exceptions import ValidationError

from org.actor import SYSTEM
from policies import testing
from policies.jsonlogic.reference import evaluate_clause
from policies.models import Match, Policy, PolicyClause, PolicyStatus
from policies.selectors import amount_rule, clause_explain, near_misses
from policies.services.catalogue import clause_save, demo_load, policy_publish, rule_version
from policies.services.matching import matches_recompute

REF = dt.date(2026, 6, 30)
pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    demo_load()
    return list(PolicyClause.objects.order_by("code"))


def _expected(frame, clauses):
    out = {}
    for c in clauses:
        for row in frame.to_dicts():
            result, amount, missing = evaluate_clause(c.condition, amount_rule(c.benefit, c.cap), row, REF)
            if result != "ineligible":
                out[(c.pk, row["credit_code"])] = (
                    result,
                    None if amount is None else round(amount, 2),
                    ";".join(missing),
                )
    return out


def _stored():
    return {(m.clause_id, m.credit_code): (m.result, None if m.amount is None else float(m.amount), m.missing)
            for m in Match.objects.all()}  # fmt: skip


def test_the_demo_has_six_packages_and_75_clauses_marked_as_examples(demo):
    assert Policy.objects.count() == 6 and len(demo) == 75
    assert all(c.is_example for c in demo) and all(c.rule_version == rule_version(c.condition, c.benefit, c.cap)
                                                    for c in demo)  # fmt: skip
    used = {op for c in demo for op in str(c.condition).split("'") if op in
            {"industry_prefix", "division_under", "certified", "within_years", "growth", "has_tag"}}  # fmt: skip
    assert used == {"industry_prefix", "division_under", "certified", "within_years", "growth", "has_tag"}


def test_a_full_recompute_stores_eligible_and_unknown_results(demo):
    frame = testing.register(120, seed=5)
    counts = matches_recompute(frame=frame, reference_date=REF)
    assert _stored() == _expected(frame, demo)
    assert counts["written"] == counts["stored"] == Match.objects.count() > 0
    again = matches_recompute(frame=frame, reference_date=REF)
    assert again["written"] == again["deleted"] == 0  # nothing changed, nothing written
    assert again["clauses_read"] == 0  # and nothing read back: every clause's digest is unchanged


def test_one_enterprise_changed_rewrites_its_row_only(demo):
    frame = testing.register(60, seed=6)
    matches_recompute(frame=frame, reference_date=REF)
    code = frame["credit_code"][7]
    this = pl.col("credit_code") == code
    changed = frame.with_columns(
        pl.when(this).then(pl.lit("C1711")).otherwise(pl.col("industry_code")).alias("industry_code"),
        pl.when(this).then(pl.lit(True)).otherwise(pl.col("above_scale")).alias("above_scale"),
    )
    before = {k: v for k, v in _stored().items() if k[1] != code}
    counts = matches_recompute(frame=changed, reference_date=REF, credit_code=code)
    assert counts["written"] + counts["deleted"] > 0
    assert {k: v for k, v in _stored().items() if k[1] != code} == before
    assert _stored() == _expected(changed, demo)


def test_one_clause_changed_recomputes_its_column_only(demo):
    frame = testing.register(60, seed=7)
    matches_recompute(frame=frame, reference_date=REF)
    clause = demo[0]
    clause = clause_save(actor=SYSTEM, policy=clause.policy, code=clause.code, number=clause.number, title=clause.title,
                         condition={"certified": "high_tech"}, benefit=1000)  # fmt: skip
    counts = matches_recompute(frame=frame, reference_date=REF, clauses=[clause])
    assert counts["written"] > 0
    assert _stored() == _expected(frame, demo[1:] + [clause])
    clause.refresh_from_db()
    assert clause.matched_version == clause.rule_version


def _threshold(clause, employees):
    condition = {"and": [{"industry_prefix": ["C"]}, {">=": [{"var": "employees"}, employees]}]}
    return clause_save(actor=SYSTEM, policy=clause.policy, code=clause.code, number=clause.number, title=clause.title,
                       condition=condition, benefit=clause.benefit, cap=clause.cap)  # fmt: skip


def test_a_new_threshold_rewrites_only_the_rows_whose_result_changed_without_reading_back(demo):
    frame = testing.register(300, seed=9)
    clause = _threshold(demo[0], 50)
    matches_recompute(frame=frame, reference_date=REF, clauses=[clause])
    first_version = clause.rule_version
    before = {
        m.credit_code: (m.result, m.amount, m.missing, m.computed_at) for m in Match.objects.filter(clause=clause)
    }
    clause = _threshold(clause, 10)  # more are eligible, none less
    assert clause.rule_version != first_version
    clause = PolicyClause.objects.get(pk=clause.pk)  # as a worker loads it
    assert clause.matched_version == first_version
    counts = matches_recompute(frame=frame, reference_date=REF, clauses=[clause])
    assert (counts["clauses_diffed"], counts["clauses_read"]) == (1, 0)  # the old wording, evaluated again
    assert _stored() == _expected(frame, [clause]) | {k: v for k, v in _stored().items() if k[0] != clause.pk}
    after = {m.credit_code: m for m in Match.objects.filter(clause=clause)}
    rewritten = {code for code, m in after.items() if m.rule_version == clause.rule_version}
    kept = {code for code, m in after.items() if m.rule_version == first_version}
    assert rewritten and kept and rewritten | kept == set(after)
    assert counts["written"] == len(rewritten) and counts["deleted"] == len(set(before) - set(after))
    for code in kept:  # not rewritten: same row, same time
        assert (after[code].result, after[code].amount, after[code].missing, after[code].computed_at) == before[code]
    clause.refresh_from_db()
    assert clause.matched_version == clause.rule_version
    again = matches_recompute(frame=frame, reference_date=REF, clauses=[clause])
    assert (again["written"], again["deleted"], again["clauses_changed"]) == (0, 0, 0)


def test_a_new_threshold_reads_back_when_the_register_changed_too_or_no_old_version_is_kept(demo):
    from policies.models import ClauseVersion

    frame = testing.register(200, seed=10)
    clause = _threshold(demo[0], 10)
    matches_recompute(frame=frame, reference_date=REF, clauses=[clause])
    changed = frame.with_columns((pl.col("employees") + 7).alias("employees"))
    clause = _threshold(clause, 40)
    counts = matches_recompute(frame=changed, reference_date=REF, clauses=[clause])
    assert (counts["clauses_diffed"], counts["clauses_read"]) == (0, 1)  # the old digest no longer proves it
    assert {k: v for k, v in _stored().items() if k[0] == clause.pk} == _expected(changed, [clause])
    clause = _threshold(clause, 30)
    ClauseVersion.objects.filter(clause=clause).exclude(rule_version=clause.rule_version).delete()
    counts = matches_recompute(frame=changed, reference_date=REF, clauses=[clause])
    assert (counts["clauses_diffed"], counts["clauses_read"]) == (0, 1)
    assert {k: v for k, v in _stored().items() if k[0] == clause.pk} == _expected(changed, [clause])


def test_a_new_wording_with_the_same_results_writes_nothing(demo):
    frame = testing.register(100, seed=11)
    clause = _threshold(demo[0], 10)
    matches_recompute(frame=frame, reference_date=REF, clauses=[clause])
    clause = clause_save(actor=SYSTEM, policy=clause.policy, code=clause.code, number=clause.number, title=clause.title,
                         condition={"and": [{"industry_prefix": ["C"]}, {">=": [{"var": "employees"}, 10]}, True]},
                         benefit=clause.benefit, cap=clause.cap)  # fmt: skip
    counts = matches_recompute(frame=frame, reference_date=REF, clauses=[clause])
    assert (counts["written"], counts["deleted"], counts["clauses_changed"]) == (0, 0, 0)
    clause.refresh_from_db()
    assert clause.matched_version == clause.rule_version


def test_a_clause_with_a_negative_budget_is_refused(demo):
    with pytest.raises(ValidationError) as e:
        clause_save(actor=SYSTEM, policy=demo[0].policy, code="x-1", number=99, title="x", condition=True, budget=-1)
    assert "budget" in e.value.message_dict


def test_publishing_checks_every_clause_again(demo):
    policy = demo[0].policy
    PolicyClause.objects.filter(pk=demo[0].pk).update(condition={">": [{"var": "nope"}, 1]})
    Policy.objects.filter(pk=policy.pk).update(status=PolicyStatus.DRAFT)  # only a draft is published
    with pytest.raises(ValidationError):
        policy_publish(actor=SYSTEM, policy=policy)


def test_the_explanation_gives_each_condition_with_the_actual_value(demo):
    clause = PolicyClause.objects.get(code="wwm-01")  # 外贸标签 and export growth ≥ 10%
    row = {"credit_code": "X", "tags": ["外贸"], "exports_2025": 1_200_000.0, "exports_2024": None}
    explained = clause_explain(row=row, clause=clause, reference_date=REF)
    assert explained["result"] == "unknown" and explained["missing"] == ["exports_y2"]
    first, second = explained["conditions"]
    assert (first["outcome"], first["values"], first["text"]["zh-hant"]) == (
        "pass",
        {"tags": ["外贸"]},
        "帶有“外貿”標籤",
    )
    assert second["outcome"] == "unknown" and second["values"] == {"exports_y2": None, "exports_y1": 1_200_000.0}


def test_near_misses_are_eligible_but_for_one_condition(demo):
    clause = PolicyClause.objects.get(code="fzxf-04")  # textiles, in Jinjiang or Shishi, ≥ 100 employees
    frame = pl.DataFrame(
        {
            "credit_code": ["a", "b", "c", "d"],
            "industry_code": ["C1711", "C1711", "F5211", "C1810"],
            "division_path": ["350500/350582/", "350500/350582/", "350500/350503/", "350500/350582/"],
            "employees": [150, 80, 10, None],
        },  # fmt: skip
    )
    misses = near_misses(frame=frame, clause=clause, reference_date=REF)
    assert misses["credit_code"].to_list() == ["b"]
    assert misses["failed_text"].to_list() == ["从业人数不低于100人"]


def test_one_enterprise_from_its_row_agrees_with_the_full_recompute(demo):
    from policies.services.matching import matches_recompute_enterprise

    frame = testing.register(40, seed=8)
    matches_recompute(frame=frame, reference_date=REF)
    before = _stored()
    row = frame.row(3, named=True)
    row |= {"above_scale": True, "industry_code": "C1711", "revenue_2025": 9e8}
    counts = matches_recompute_enterprise(row=row, reference_date=REF)
    assert counts["written"] + counts["deleted"] > 0
    changed = pl.DataFrame([row if r["credit_code"] == row["credit_code"] else r for r in frame.to_dicts()],
                           schema=frame.schema)  # fmt: skip
    assert _stored() == _expected(changed, demo)
    assert {k: v for k, v in _stored().items() if k[1] != row["credit_code"]} == {
        k: v for k, v in before.items() if k[1] != row["credit_code"]
    }
    again = matches_recompute_enterprise(row=row, reference_date=REF)
    assert again["written"] == again["deleted"] == 0
    full = matches_recompute(frame=changed, reference_date=REF)  # the digests followed the change
    assert (full["written"], full["deleted"], full["clauses_read"]) == (0, 0, 0)


def test_a_row_taken_for_new_that_is_stored_after_all_is_updated(demo):
    from django.db import connection
    from django.utils import timezone

    from policies.services.matching import _write, _write_pg

    write = _write_pg if connection.vendor == "postgresql" else _write  # the COPY path, whatever the size

    matches_recompute(frame=testing.register(30, seed=12), reference_date=REF)
    m = Match.objects.order_by("pk").first()
    up = pl.DataFrame({"clause_id": [m.clause_id], "credit_code": [m.credit_code], "result": ["unknown"],
                       "amount": [None], "missing": ["employees"], "_update": [False]},
                      schema_overrides={"amount": pl.Float64})  # fmt: skip
    none = pl.DataFrame(schema={"clause_id": pl.Int64, "credit_code": pl.Utf8})
    write(up, none, timezone.now(), {m.clause_id: "v2"})  # on PostgreSQL: the COPY fails, the upsert follows
    m.refresh_from_db()
    assert (m.result, m.amount, m.missing, m.rule_version) == ("unknown", None, "employees", "v2")
