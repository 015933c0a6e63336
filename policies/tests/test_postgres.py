"""The same compiled conditions, emitted as SQL and run inside PostgreSQL, agree with the embedded
engine on the same data: results, amounts and missing attributes."""

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policies import testing
from policies.jsonlogic.compile_polars import Clause, evaluate
from policies.jsonlogic.compile_sql import quote_ident, select_sql
from policies.tests.strategies import REF, bool_expr, number_expr, registers

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]
DEMO = Path(__file__).resolve().parents[1] / "demo" / "match_clauses.json"
PG = {pl.Utf8: "text", pl.Date: "date", pl.Int64: "bigint", pl.Boolean: "boolean", pl.Float64: "double precision",
      pl.List(pl.Utf8): "text[]"}  # fmt: skip


def _load(frame: pl.DataFrame, table="_register") -> None:
    cols = ", ".join(f"{quote_ident(n)} {PG[t]}" for n, t in frame.schema.items())
    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {table}")
        cur.execute(f"CREATE TEMP TABLE {table} ({cols})")
        placeholders = ", ".join(["%s"] * frame.width)
        cur.executemany(f"INSERT INTO {table} VALUES ({placeholders})", frame.rows())


def _pg(clauses, frame):
    sql = select_sql(clauses, REF, "_register", columns=set(frame.columns))
    with connection.cursor() as cur:
        cur.execute(sql)
        return [tuple(r) for r in cur.fetchall()]


def _engine(clauses, frame):
    wide = evaluate(frame, clauses, REF, missing=True).sort("credit_code")
    return [tuple(r) for r in wide.rows()]


def test_postgresql_agrees_with_the_engine_on_the_demo_clauses():
    frame = testing.register(300, seed=11, null_rate=0.15)
    clauses = [Clause(c["id"], c["condition"], c.get("amount")) for c in json.loads(DEMO.read_text())]
    _load(frame)
    assert _pg(clauses, frame) == _engine(clauses, frame)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    conditions=st.lists(bool_expr(), min_size=1, max_size=3),
    amount=st.one_of(st.none(), number_expr(1)),
    frame=registers(),
)
def test_postgresql_agrees_with_the_engine_on_random_conditions(conditions, amount, frame):
    clauses = [Clause(str(i), c, amount) for i, c in enumerate(conditions)]
    _load(frame)
    assert _pg(clauses, frame) == _engine(clauses, frame)


def test_the_reference_year_moves_relative_attributes():
    assert REF == dt.date(2026, 3, 1)
