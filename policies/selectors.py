"""Reads of the policy catalogue and the matches, and the explanations officials act on."""

import datetime as dt
from typing import Any

import polars as pl
from django.db.models import QuerySet

from policies.jsonlogic import attributes as A
from policies.jsonlogic.compile_polars import Compiler
from policies.jsonlogic.reference import evaluate
from policies.jsonlogic.render import render_both
from policies.jsonlogic.validate import attributes_used, op_of
from policies.models import Match, Policy, PolicyClause, PolicyStatus
from policies.services import amount_rule

OUTCOME = {True: "pass", False: "fail", None: "unknown"}


def policy_list() -> QuerySet[Policy]:
    return Policy.objects.prefetch_related("clauses")


def clause_list(*, published_only: bool = False) -> QuerySet[PolicyClause]:
    qs = PolicyClause.objects.select_related("policy")
    return qs.filter(policy__status=PolicyStatus.PUBLISHED) if published_only else qs


def matches_for_enterprise(*, credit_code: str) -> QuerySet[Match]:
    return Match.objects.filter(credit_code=credit_code).select_related("clause__policy").order_by("clause__code")


def conditions_of(rule: Any) -> list[Any]:
    """The conditions an official checks one by one: the parts of a top-level "and"."""
    parsed = op_of(rule)
    return list(parsed[1]) if parsed and parsed[0] == "and" else [rule]


def _actual(row: dict, name: str, reference_date: dt.date):
    value = row.get(A.resolve(name, reference_date))
    return value.isoformat() if isinstance(value, dt.date) else value


def clause_explain(*, row: dict, clause: PolicyClause, reference_date: dt.date) -> dict[str, Any]:
    """For one enterprise (a snapshot row) and one clause: each condition with the enterprise's
    actual values, pass / fail / unknown, and the overall result with the amount."""
    conditions = []
    for part in conditions_of(clause.condition):
        outcome = evaluate(part, row, reference_date)
        conditions.append({
            "condition": part,
            "text": render_both(part),
            "values": {name: _actual(row, name, reference_date) for name in attributes_used(part)},
            "outcome": OUTCOME[outcome.value],
            "missing": list(outcome.missing),
        })  # fmt: skip
    overall = evaluate(clause.condition, row, reference_date)
    amount = None
    if overall.value and clause.benefit is not None:
        amount = evaluate(amount_rule(clause.benefit, clause.cap), row, reference_date).value
    return {
        "clause": clause.code,
        "credit_code": row.get("credit_code"),
        "result": {True: "eligible", False: "ineligible", None: "unknown"}[overall.value],
        "amount": amount,
        "missing": list(overall.missing),
        "conditions": conditions,
    }


def near_misses(*, frame: pl.DataFrame, clause: PolicyClause, reference_date: dt.date) -> pl.DataFrame:
    """Enterprises eligible but for one condition: exactly one of the clause's conditions fails and
    every other one passes. Columns: credit_code, failed (the index of the failing condition),
    failed_text (the condition as a sentence)."""
    parts = conditions_of(clause.condition)
    compiler = Compiler(reference_date, frame.schema)
    exprs = [compiler.expr(p).alias(f"c{i}") for i, p in enumerate(parts)]
    wide = frame.lazy().select([pl.col("credit_code"), *exprs])
    fails = pl.sum_horizontal([(~pl.col(f"c{i}")).fill_null(False).cast(pl.Int32) for i in range(len(parts))])
    passes = pl.sum_horizontal([pl.col(f"c{i}").fill_null(False).cast(pl.Int32) for i in range(len(parts))])
    failed = pl.coalesce([pl.when(~pl.col(f"c{i}")).then(pl.lit(i)) for i in range(len(parts))])
    texts = pl.Series([render_both(p)["zh-hans"] for p in parts])
    out = (
        wide.filter((fails == 1) & (passes == len(parts) - 1))
        .select(pl.col("credit_code"), failed.alias("failed"))
        .collect()
    )
    return out.with_columns(
        pl.col("failed").map_elements(lambda i: texts[i], return_dtype=pl.Utf8).alias("failed_text")
    )


# ---------------------------------------------------------------------------------------------
# Delivery
