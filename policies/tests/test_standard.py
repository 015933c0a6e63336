"""Our condition language agrees with the JSON Logic standard where it overlaps with it.

1. The official test cases (shared/jsonlogic/tests.json) whose operations and types fall within our
   typed subset pass on the reference evaluator and, where they read data, on the vectorised engine
   with the data as a one-row register; the others are reported as skipped, with the reason.
2. On rows with no missing values, the engine agrees with an independent, published implementation
   (panzi-json-logic, ``json_logic`` on PyPI) for every standard operation we support.
"""

import datetime as dt
import json
import math
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from json_logic import jsonLogic

from policies.jsonlogic.compile_polars import Compiler
from policies.jsonlogic.reference import evaluate
from policies.jsonlogic.validate import STANDARD_OPS, DictSchema, RuleError, infer, op_of

REF = dt.date(2026, 1, 1)
# The official JSON Logic test cases (jsonlogic.com/tests.json), copied from shared/jsonlogic/.
TESTS = Path(__file__).resolve().parent / "data" / "jsonlogic_tests.json"


def _cases():
    cases = [c for c in json.loads(TESTS.read_text()) if not isinstance(c, str)]
    return [pytest.param(rule, data, expected, id=f"{i}:{json.dumps(rule)[:60]}") for i, (rule, data, expected) in
            enumerate(cases)]  # fmt: skip


def _schema(data):
    types = {}
    if data is None:
        return DictSchema({})
    if not isinstance(data, dict):
        return None
    for k, v in data.items():
        if isinstance(v, bool):
            types[k] = "boolean"
        elif isinstance(v, int | float):
            types[k] = "number"
        elif isinstance(v, str):
            types[k] = "string"
        else:
            return None
    return DictSchema(types)


def _ops(rule, found):
    parsed = op_of(rule) if isinstance(rule, dict) and len(rule) == 1 else None
    if parsed:
        found.add(parsed[0])
        for a in parsed[1]:
            _ops(a, found)
    elif isinstance(rule, list):
        for a in rule:
            _ops(a, found)
    return found


def _same(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b if isinstance(a, bool) and isinstance(b, bool) else False
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=0, abs_tol=0) or a == b
    return a == b


@pytest.mark.parametrize("rule,data,expected", _cases())
def test_official_case(rule, data, expected):
    schema = _schema(data)
    if schema is None:
        pytest.skip("data outside our flat, typed register")
    if isinstance(rule, dict) and not _ops(rule, set()) <= STANDARD_OPS:
        pytest.skip(f"operation outside our set: {sorted(_ops(rule, set()) - STANDARD_OPS)}")
    try:
        infer(rule, schema)
    except RuleError as e:
        pytest.skip(f"outside our typed subset: {e}")
    if expected is None or isinstance(expected, dict | list) and op_of(rule) is None and isinstance(rule, dict):
        pytest.skip("expects null, which our engine reserves for missing data")
    data = data or {}
    outcome = evaluate(rule, data, REF)
    assert _same(outcome.value, expected), (outcome.value, expected)
    if "var" in _ops(rule, set()):
        frame = pl.DataFrame([data]) if data else pl.DataFrame({"_": [0]})
        value = frame.select(Compiler(REF, frame.schema, schema).expr(rule).alias("v")).item()
        assert _same(value, expected), (value, expected)


def test_the_official_cases_are_there():
    assert len(_cases()) > 200


# --- 2. agreement with panzi-json-logic on complete rows ---------------------------------------------

SCHEMA = DictSchema({"a": "number", "b": "number", "c": "number", "p": "boolean", "q": "boolean"})
small = st.sampled_from([0, 1, 2, 3, 0.5, 10, -2])


def _num(depth):
    leaf = st.one_of(small, st.sampled_from(["a", "b", "c"]).map(lambda n: {"var": n}))
    if depth == 0:
        return leaf
    sub = _num(depth - 1)
    return st.one_of(
        leaf,
        st.tuples(st.sampled_from(["+", "*", "min", "max"]), st.lists(sub, min_size=1, max_size=3)).map(
            lambda t: {t[0]: t[1]}
        ),
        st.tuples(sub, sub).map(lambda t: {"-": list(t)}),
        st.tuples(sub, st.sampled_from([2, 4, -0.5])).map(lambda t: {"/": list(t)}),
        st.tuples(_bool(depth - 1), sub, sub).map(lambda t: {"if": list(t)}),
    )


def _bool(depth):
    leaf = st.one_of(
        st.sampled_from(["p", "q"]).map(lambda n: {"var": n}),
        st.tuples(st.sampled_from(["==", "!=", "===", "!==", "<", "<=", ">", ">="]), _num(0), _num(0)).map(
            lambda t: {t[0]: [t[1], t[2]]}
        ),
        st.tuples(st.sampled_from(["<", "<="]), _num(0)).map(lambda t: {t[0]: [0, t[1], 3]}),
        st.tuples(_num(0), st.lists(small, min_size=1, max_size=3)).map(lambda t: {"in": list(t)}),
    )
    if depth == 0:
        return leaf
    sub = _bool(depth - 1)
    return st.one_of(
        leaf,
        st.tuples(st.sampled_from(["and", "or"]), st.lists(sub, min_size=1, max_size=3)).map(lambda t: {t[0]: t[1]}),
        sub.map(lambda a: {"!": [a]}),
        sub.map(lambda a: {"!!": [a]}),
        st.tuples(sub, sub, sub).map(lambda t: {"if": list(t)}),
        st.tuples(st.sampled_from([">", "<=", "=="]), _num(1), _num(1)).map(lambda t: {t[0]: list(t[1:])}),
    )


@settings(max_examples=200, deadline=None)
@given(
    rule=st.one_of(_bool(2), _num(2)),
    row=st.fixed_dictionaries({"a": small, "b": small, "c": small, "p": st.booleans(), "q": st.booleans()}),
)
def test_the_engine_agrees_with_panzi_json_logic_on_complete_rows(rule, row):
    infer(rule, SCHEMA)
    theirs = jsonLogic(rule, row)
    ours = evaluate(rule, row, REF).value
    frame = pl.DataFrame([{k: (float(v) if k in "abc" else v) for k, v in row.items()}])
    engine = frame.select(Compiler(REF, frame.schema, SCHEMA).expr(rule).alias("v")).item()
    assert _same(ours, theirs), (ours, theirs)
    assert _same(engine, theirs), (engine, theirs)
