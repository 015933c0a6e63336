"""Validation rejects bad conditions and formulas with a clear message."""

import datetime as dt

import polars as pl
import pytest

from policies.jsonlogic.compile_polars import Compiler
from policies.jsonlogic.reference import evaluate
from policies.jsonlogic.validate import RuleError, check_amount, check_condition

REJECTED = [
    ({">=": [{"var": "turnover"}, 1]}, "unknown attribute 'turnover'"),
    ({">=": [{"var": "founded_on"}, 3]}, "cannot compare a date with a number"),
    ({"frobnicate": [1]}, "unknown operation 'frobnicate'"),
    ({"<": [5, {"var": "employees"}, 3]}, "impossible range"),
    ({"==": [{"var": "size_class"}, "huge"]}, "'huge' is not one of"),
    ({"in": [{"var": "size_class"}, ["tiny"]]}, "not among"),
    ({"and": [{"var": "employees"}]}, "take conditions"),
    ({"var": ["employees", 0]}, "defaults are not allowed"),
    ({"==": [{"var": "srdi"}, None]}, "null"),
    ({"industry_prefix": ["Z99"]}, "GB/T 4754"),
    ({"division_under": ["35"]}, "division codes"),
    ({"certified": "iso9001"}, "unknown certification"),
    ({">": [{"growth": ["revenue", -1, -2]}, 0]}, "earlier year to a later one"),
    ({"within_years": [{"var": "founded_on"}, 0]}, "from 1 to 100"),
    ({"+": [1, 2]}, "a condition must be true or false"),
]


@pytest.mark.parametrize("rule,message", REJECTED)
def test_a_bad_condition_is_rejected_with_a_clear_message(rule, message):
    with pytest.raises(RuleError) as e:
        check_condition(rule)
    assert message in str(e.value)


@pytest.mark.parametrize(
    "rule,message",
    [
        ({"/": [{"var": "revenue_y1"}, {"var": "employees"}]}, "the divisor can be zero"),
        ({"/": [{"var": "revenue_y1"}, 0]}, "the divisor can be zero"),
        (-5, "cannot be negative"),
        ({">": [1, 2]}, "an amount must be a number"),
    ],
)
def test_a_bad_formula_is_rejected(rule, message):
    with pytest.raises(RuleError) as e:
        check_amount(rule)
    assert message in str(e.value)


def test_good_conditions_pass():
    check_condition({"and": [{"industry_prefix": ["C17"]}, {">=": [{"var": "revenue_y1"}, 20000000]}]})
    check_condition({">=": [{"var": "founded_on"}, "2020-01-01"]})
    check_condition({"<": [0, {"growth": ["exports", 2024, 2025]}, 1]})
    check_amount({"min": [{"*": [0.05, {"-": [{"var": "exports_y1"}, {"var": "exports_y2"}]}]}, 500000]})


def test_the_standard_ternary_is_taken_wherever_if_is():
    """``?:`` is the JSON Logic standard's other name for ``if``: validated, evaluated and compiled alike."""
    amount = {"?:": [{">=": [{"var": "employees"}, 100]}, 50000, 20000]}
    same = {"if": amount["?:"]}
    check_amount(amount)
    check_condition({"?:": [{"var": "srdi"}, True, False]})
    row = {"employees": 150}
    ref = dt.date(2026, 1, 1)
    assert evaluate(amount, row, ref) == evaluate(same, row, ref)
    frame = pl.DataFrame({"employees": [150.0, 10.0]})
    values = [
        frame.select(Compiler(ref, dict(frame.schema)).expr(rule)).to_series().to_list() for rule in (amount, same)
    ]
    assert values[0] == values[1] == [50000.0, 20000.0]
