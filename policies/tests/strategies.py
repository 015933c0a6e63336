"""Hypothesis strategies: random valid conditions and formulas, and random registers with nulls."""

import datetime as dt

import polars as pl
from hypothesis import strategies as st

from policies import testing

REF = dt.date(2026, 3, 1)
NUMBER_VARS = ["employees", "revenue_y1", "revenue_y2", "exports_y1", "exports_y2", "tax_y1", "revenue_2024"]
BOOL_VARS = ["above_scale", "high_tech", "srdi", "little_giant"]

numbers = st.sampled_from([0, 1, 2, 2.5, 5, 10, 100, -1, 0.05])


def number_expr(depth=2):
    leaf = st.one_of(
        numbers,
        st.sampled_from(NUMBER_VARS).map(lambda n: {"var": n}),
        st.sampled_from([["revenue", -2, -1], ["exports", -2, -1], ["tax", 2024, 2025]]).map(lambda a: {"growth": a}),
    )
    if depth == 0:
        return leaf
    sub = number_expr(depth - 1)
    return st.one_of(
        leaf,
        st.tuples(st.sampled_from(["+", "*", "min", "max"]), st.lists(sub, min_size=1, max_size=3)).map(
            lambda t: {t[0]: t[1]}
        ),
        st.tuples(sub, sub).map(lambda t: {"-": list(t)}),
        sub.map(lambda a: {"-": [a]}),
        st.tuples(sub, st.sampled_from([2, 0.5, -4])).map(lambda t: {"/": list(t)}),
        st.tuples(bool_expr(depth - 1), sub, sub).map(lambda t: {"if": list(t)}),
    )


def bool_expr(depth=2):
    dates = st.sampled_from(["2010-01-01", "2020-06-30", "2024-01-01"])
    leaf = st.one_of(
        st.sampled_from(BOOL_VARS).map(lambda n: {"var": n}),
        st.sampled_from(BOOL_VARS).map(lambda n: {"certified": n}),
        st.lists(st.sampled_from(["C", "C17", "C171", "C1711", "C18", "F", "I65"]), min_size=1, max_size=2).map(
            lambda p: {"industry_prefix": p}
        ),
        st.lists(st.sampled_from(["350582", "350581", "350582001", "350503"]), min_size=1, max_size=2).map(
            lambda p: {"division_under": p}
        ),
        st.sampled_from(testing.TAGS[:3]).map(lambda t: {"has_tag": t}),
        st.sampled_from([1, 3, 10]).map(lambda n: {"within_years": [{"var": "founded_on"}, n]}),
        st.tuples(st.sampled_from([">", ">=", "<", "<=", "==", "!="]), dates).map(
            lambda t: {t[0]: [{"var": "founded_on"}, t[1]]}
        ),
        st.lists(st.sampled_from(["micro", "small", "medium", "large"]), min_size=1, max_size=3).map(
            lambda v: {"in": [{"var": "size_class"}, v]}
        ),
        st.tuples(st.sampled_from([">", ">=", "<", "<=", "==", "!="]), number_expr(0), number_expr(0)).map(
            lambda t: {t[0]: [t[1], t[2]]}
        ),
        st.tuples(st.sampled_from(["<", "<="]), number_expr(0)).map(lambda t: {t[0]: [0, t[1], 10]}),
    )
    if depth == 0:
        return leaf
    sub = bool_expr(depth - 1)
    return st.one_of(
        leaf,
        st.tuples(st.sampled_from(["and", "or"]), st.lists(sub, min_size=1, max_size=3)).map(lambda t: {t[0]: t[1]}),
        sub.map(lambda a: {"!": [a]}),
        st.tuples(st.sampled_from([">", ">=", "<", "<=", "==", "!="]), number_expr(1), number_expr(1)).map(
            lambda t: {t[0]: [t[1], t[2]]}
        ),
        st.tuples(sub, sub, sub).map(lambda t: {"if": list(t)}),
    )


def _maybe(strategy):
    return st.one_of(st.none(), strategy)


@st.composite
def registers(draw, max_rows=8):
    n = draw(st.integers(1, max_rows))
    money = _maybe(st.sampled_from([0.0, 1.0, 2.5, 10.0, 100.0, 1e7, -3.0]))
    rows = []
    for i in range(n):
        county = draw(st.sampled_from(["350582", "350581", "350503"]))
        row = {
            "credit_code": f"C{i}",
            "industry_code": draw(_maybe(st.sampled_from(["C1711", "C1810", "F4813", "I6510", "C1713"]))),
            "division_path": draw(_maybe(st.sampled_from([f"350500/{county}/", f"350500/{county}/{county}001/"]))),
            "founded_on": draw(_maybe(st.dates(dt.date(2005, 1, 1), dt.date(2026, 12, 31)))),
            "size_class": draw(_maybe(st.sampled_from(["micro", "small", "medium", "large"]))),
            "employees": draw(_maybe(st.integers(0, 12))),
            "tags": draw(_maybe(st.lists(st.sampled_from(testing.TAGS[:4]), max_size=2))),
        }
        for name in ["above_scale", "high_tech", "srdi", "little_giant"]:
            row[name] = draw(_maybe(st.booleans()))
        for y in (2023, 2024, 2025):
            for m in ("revenue", "exports", "tax"):
                row[f"{m}_{y}"] = draw(money)
        rows.append(row)
    schema = {k: v for k, v in testing.schema().items() if k in rows[0]}
    return pl.DataFrame(rows, schema=schema)
