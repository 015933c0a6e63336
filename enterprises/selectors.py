"""Reads of the register. Every list starts from the user's scope; ``register_snapshot`` is the
columnar read the policy engine matches against (the contract is in docs/enterprises.md)."""

from concurrent.futures import ThreadPoolExecutor

import polars as pl
from django.db import connection, connections
from django.db.models import Q, QuerySet
from django.http import Http404

from enterprises.models import Enterprise, EnterpriseYear, ImportRun, Industry
from org.actor import STAFF_ROLES, actor_of, scope_q
from org.models import Division, Role

__all__ = ["STAFF_ROLES"]  # the staff roles, for the policy engine


def visible_q(user) -> Q | None:
    """Which enterprises ``user`` sees (the scope declared on ``Enterprise``); ``None`` means nothing."""
    actor = actor_of(user)
    if actor.user is None or actor.role is None:
        return None
    return scope_q(Enterprise, actor)


def may_view_register(user) -> bool:
    return actor_of(user).is_staff_role


def may_import(user) -> bool:
    return actor_of(user).has_role(Role.ADMIN)


def enterprise_list(*, user) -> QuerySet[Enterprise]:
    return Enterprise.objects.restrict(user).select_related("industry", "division").order_by("credit_code")


def enterprise_get(*, user, pk: int) -> Enterprise:
    """One enterprise, or 404 when it does not exist or lies outside the user's scope."""
    try:
        return enterprise_list(user=user).get(pk=pk)
    except Enterprise.DoesNotExist:
        raise Http404 from None


def enterprise_years(*, enterprise: Enterprise) -> QuerySet[EnterpriseYear]:
    return enterprise.years.order_by("-year")


def industry_chain(industry: Industry | None) -> list[Industry]:
    """Section → division → group → class."""
    chain = []
    while industry is not None:
        chain.append(industry)
        industry = industry.parent
    return list(reversed(chain))


def division_chain(division: Division | None) -> str:
    """City / county / township …, as names."""
    if division is None:
        return ""
    codes = [c for c in division.path.strip("/").split("/") if c]
    names = dict(Division.objects.filter(code__in=codes).values_list("code", "name"))
    return " / ".join(names.get(c, c) for c in codes)


def import_run_list(*, user) -> QuerySet[ImportRun]:
    if not may_import(user):
        return ImportRun.objects.none()
    return ImportRun.objects.select_related("actor")


def import_run_get(*, user, pk: int) -> ImportRun:
    try:
        return import_run_list(user=user).get(pk=pk)
    except ImportRun.DoesNotExist:
        raise Http404 from None


# ---------------------------------------------------------------------------------------------
# The columnar snapshot

BASE_SCHEMA = {
    "id": pl.Int64,
    "credit_code": pl.Utf8,
    "name": pl.Utf8,
    "industry_code": pl.Utf8,
    "division_code": pl.Utf8,
    "division_path": pl.Utf8,
    "founded_on": pl.Date,
    "size_class": pl.Utf8,
    "employees": pl.Int64,
    "above_scale": pl.Boolean,
    "high_tech": pl.Boolean,
    "srdi": pl.Boolean,
    "little_giant": pl.Boolean,
    "tags": pl.Utf8,  # JSON text here; a List(Utf8) in the result
}
YEAR_SCHEMA = {
    "enterprise_id": pl.Int64,
    "year": pl.Int64,
    "revenue": pl.Float64,
    "exports": pl.Float64,
    "tax": pl.Float64,
}
SNAPSHOT_COLUMNS = [c for c in BASE_SCHEMA if c != "id"]


def _codes_sql(credit_codes: list[str] | None) -> str:
    """A WHERE clause on the credit code (codes are validated [0-9A-Z]; anything else is dropped)."""
    if credit_codes is None:
        return ""
    codes = [c for c in credit_codes if isinstance(c, str) and c.isalnum() and c.isascii()]
    return f" WHERE e.credit_code IN ({', '.join(repr(str(c)) for c in codes) or 'NULL'})"


def _base_sql(credit_codes: list[str] | None = None) -> str:
    e, i, d = Enterprise._meta.db_table, Industry._meta.db_table, Division._meta.db_table
    return (
        f"SELECT e.id, e.credit_code, e.name, i.full_code, d.code, d.path, e.founded_on, "
        f"NULLIF(e.size_class, ''), e.employees, e.above_scale, e.high_tech, e.srdi, e.little_giant, e.tags "
        f"FROM {e} e LEFT JOIN {i} i ON i.id = e.industry_id LEFT JOIN {d} d ON d.id = e.division_id"
        + _codes_sql(credit_codes)
    )


def _years_sql(years: list[int] | None, credit_codes: list[str] | None = None) -> tuple[str, list]:
    sql = f"SELECT enterprise_id, year, revenue, exports, tax FROM {EnterpriseYear._meta.db_table}"
    where = []
    if years is not None:
        where.append(f"year IN ({', '.join(str(int(y)) for y in years)})")
    if credit_codes is not None:
        e = Enterprise._meta.db_table
        where.append(f"enterprise_id IN (SELECT e.id FROM {e} e{_codes_sql(credit_codes)})")
    return sql + (" WHERE " + " AND ".join(where) if where else ""), []


COPY_CHUNK = 32 << 20  # bytes of CSV parsed at a time


def _copy_frame(sql: str, schema: dict, transform=None) -> pl.DataFrame:
    """COPY … TO STDOUT as CSV, parsed by polars a chunk at a time (PostgreSQL): no more than one
    chunk of CSV text is held, never the whole table's. ``transform`` is applied to each parsed chunk.
    The result keeps the chunks (no copy into one block: polars works on chunked columns)."""
    raw = {k: (pl.Utf8 if v == pl.Boolean else v) for k, v in schema.items()}
    bools = [k for k, v in schema.items() if v == pl.Boolean]

    def parse(data) -> pl.DataFrame:
        frame = pl.read_csv(data, has_header=False, new_columns=list(schema), schema=raw, null_values="\\N")
        frame = frame.with_columns([(pl.col(b) == "t").alias(b) for b in bools])
        return transform(frame) if transform else frame

    frames, pending = [], bytearray()
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, NULL '\\N')") as copy:
            for block in copy:
                pending += block
                if len(pending) >= COPY_CHUNK:
                    cut = _row_end(pending)
                    if cut > 0:
                        frames.append(parse(bytes(memoryview(pending)[:cut])))
                        del pending[:cut]
    if pending:
        frames.append(parse(bytes(pending)))
    del pending
    if not frames:
        empty = pl.DataFrame(schema=schema)
        return transform(empty) if transform else empty
    return pl.concat(frames, rechunk=False)


def _row_end(data: bytearray) -> int:
    """The end of the last whole CSV row in ``data``: after a newline outside quotes (a quoted field
    may hold a newline; a row boundary has an even number of quotes before it)."""
    end = data.rfind(b"\n")
    while end >= 0 and data.count(b'"', 0, end) % 2:
        end = data.rfind(b"\n", 0, end)
    return end + 1


def _query_frame(sql: str, schema: dict) -> pl.DataFrame:
    """A plain cursor read (SQLite and others)."""
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = cursor.fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in schema]
    data = {}
    for (name, dtype), values in zip(schema.items(), columns, strict=True):
        if dtype == pl.Float64:
            data[name] = pl.Series(name, [None if v is None else float(v) for v in values], dtype=pl.Float64)
        elif dtype == pl.Date:
            data[name] = pl.Series(name, [None if v is None else str(v) for v in values], dtype=pl.Utf8).str.to_date()
        elif dtype == pl.Boolean:
            data[name] = pl.Series(name, [None if v is None else bool(v) for v in values], dtype=pl.Boolean)
        else:
            data[name] = pl.Series(name, list(values), dtype=dtype)
    return pl.DataFrame(data)


def _read_both(years: list[int] | None, credit_codes: list[str] | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The enterprises and their figures. On PostgreSQL outside a transaction the two COPYs run at
    once, on two connections (the figures in a thread); inside one (tests), one after the other on
    the connection that sees the transaction's rows (and so for a few enterprises)."""
    year_sql, _params = _years_sql(years, credit_codes)
    base_sql = _base_sql(credit_codes)
    if connection.vendor != "postgresql":
        return _tags(_query_frame(base_sql, BASE_SCHEMA)), _query_frame(year_sql, YEAR_SCHEMA)
    if connection.in_atomic_block or credit_codes is not None:
        return _copy_frame(base_sql, BASE_SCHEMA, _tags), _copy_frame(year_sql, YEAR_SCHEMA)

    def figures() -> pl.DataFrame:
        try:
            return _copy_frame(year_sql, YEAR_SCHEMA)
        finally:
            connections.close_all()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(figures)
        base = _copy_frame(base_sql, BASE_SCHEMA, _tags)
        return base, pending.result()


def _tags(frame: pl.DataFrame) -> pl.DataFrame:
    """The tags' JSON text as a list (chunk by chunk: decoding is done where the text is)."""
    return frame.with_columns(pl.col("tags").fill_null("[]").str.json_decode(pl.List(pl.Utf8)).alias("tags"))


def register_snapshot(*, years: list[int] | None = None, credit_codes: list[str] | None = None) -> pl.DataFrame:
    """The whole register as one polars DataFrame, one row per enterprise (in no particular order),
    for the policy engine.

    Columns: credit_code, name, industry_code ("C1711"), division_code, division_path
    ("350500/350582/350582001/"), founded_on (Date), size_class (micro|small|medium|large), employees
    (Int64), above_scale, high_tech, srdi, little_giant (Boolean), tags (List(Utf8)), then for each year Y
    with data (or each of ``years``) revenue_Y, exports_Y, tax_Y (Float64, yuan); nulls where missing.
    ``credit_codes``: only these enterprises (the rest of the contract is the same)."""
    base, figures = _read_both(years, credit_codes)
    wanted = sorted(set(years) if years is not None else set(figures["year"].unique().to_list()))
    ids = base.select("id")
    for y in wanted:  # each year's figures joined onto the enterprises' ids, then put beside them
        one = figures.filter(pl.col("year") == y).select(
            pl.col("enterprise_id"),
            *[pl.col(w).cast(pl.Float64).alias(f"{w}_{y}") for w in ("revenue", "exports", "tax")],
        )
        aligned = ids.join(one, left_on="id", right_on="enterprise_id", how="left", maintain_order="left")
        base = base.hstack(aligned.drop("id").get_columns())
        del one, aligned
    del figures, ids
    year_columns = [f"{w}_{y}" for y in wanted for w in ("revenue", "exports", "tax")]
    columns = base.select(*SNAPSHOT_COLUMNS, *year_columns).get_columns()
    del base
    for k, column in enumerate(columns):  # one block per column (faster to read), one column at a time
        columns[k] = column.rechunk()
        del column
    return pl.DataFrame(columns)
