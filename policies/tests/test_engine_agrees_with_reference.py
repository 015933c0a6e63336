"""The vectorised engine agrees exactly with the row-by-row reference evaluator: results, amounts and
the attributes named as missing, on random conditions, formulas and registers with nulls."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policies.jsonlogic.compile_polars import Clause, evaluate, to_long
from policies.jsonlogic.reference import evaluate_clause
from policies.jsonlogic.validate import check_amount, check_condition
from policies.tests.strategies import REF, bool_expr, number_expr, registers


def _reference(frame, clauses):
    out = []
    for clause in clauses:
        for row in frame.to_dicts():
            result, amount, missing = evaluate_clause(clause.condition, clause.amount, row, REF)
            out.append((clause.id, row["credit_code"], result, amount, ";".join(missing)))
    return out


def _engine(frame, clauses):
    long = to_long(evaluate(frame, clauses, REF, missing=True), clauses)
    return [(c, cc, str(r), a, m) for c, cc, r, a, m in long.iter_rows()]


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    conditions=st.lists(bool_expr(), min_size=1, max_size=4),
    amounts=st.lists(st.one_of(st.none(), st.sampled_from([0, 1000, 2.5]), number_expr(1)), min_size=4, max_size=4),
    frame=registers(),
)
def test_the_engine_agrees_with_the_reference_evaluator(conditions, amounts, frame):
    clauses = [Clause(str(i), c, a) for i, (c, a) in enumerate(zip(conditions, amounts, strict=False))]
    for clause in clauses:
        check_condition(clause.condition)
        check_amount(clause.amount if not isinstance(clause.amount, int | float) else abs(clause.amount))
    assert _engine(frame, clauses) == _reference(frame, clauses)


def test_unknown_names_only_the_attribute_that_mattered():
    import polars as pl

    frame = pl.DataFrame({"credit_code": ["x"], "srdi": [None], "high_tech": [True], "employees": [None]},
                         schema_overrides={"srdi": pl.Boolean, "employees": pl.Int64})  # fmt: skip
    rule = {"and": [{"or": [{"var": "high_tech"}, {">": [{"var": "employees"}, 5]}]}, {"var": "srdi"}]}
    clauses = [Clause("1", rule)]
    assert _engine(frame, clauses) == [("1", "x", "unknown", None, "srdi")]
    assert _reference(frame, clauses) == _engine(frame, clauses)
