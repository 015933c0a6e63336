"""Reads of the register. Every list starts from the user's scope; ``register_snapshot`` is the
columnar read the policy engine matches against (the contract is in docs/enterprises.md)."""

import io
from concurrent.futures import ThreadPoolExecutor

import polars as pl
from django.db import connection, connections
from django.db.models import Q, QuerySet
from django.http import Http404

from enterprises.models import Enterprise, EnterpriseYear, ImportRun, Industry
from org.models import Division, Role
from org.selectors import person_of

STAFF_ROLES = (Role.CALL_TAKER, Role.HANDLER, Role.LEADER, Role.AUDITOR, Role.ADMIN)
IMPORT_ROLES = (Role.ADMIN,)


def visible_q(user) -> Q | None:
    """Which enterprises ``user`` sees: staff those of their division's subtree (the city's staff all of
    them), an enterprise user (submitter) the enterprises linked to them; ``None`` means nothing."""
    if not getattr(user, "is_authenticated", False):
        return None
    person = person_of(user)
    if person is None:
        return Q() if user.is_superuser else None
    if person.role in STAFF_ROLES:
        if person.division.level == Division.Level.CITY:
            return Q()
        return Q(division__path__startswith=person.division.path)
    return Q(members=user)


def may_view_register(user) -> bool:
    person = person_of(user)
    if person is None:
        return bool(getattr(user, "is_superuser", False))
    return person.role in STAFF_ROLES


def may_import(user) -> bool:
    person = person_of(user)
    if person is None:
        return bool(getattr(user, "is_superuser", False))
    return person.role in IMPORT_ROLES


def enterprise_list(*, user) -> QuerySet[Enterprise]:
    q = visible_q(user)
    if q is None:
        return Enterprise.objects.none()
    return Enterprise.objects.filter(q).select_related("industry", "division").order_by("credit_code")


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


def _base_sql() -> str:
    e, i, d = Enterprise._meta.db_table, Industry._meta.db_table, Division._meta.db_table
    return (
        f"SELECT e.id, e.credit_code, e.name, i.full_code, d.code, d.path, e.founded_on, "
        f"NULLIF(e.size_class, ''), e.employees, e.above_scale, e.high_tech, e.srdi, e.little_giant, e.tags "
        f"FROM {e} e LEFT JOIN {i} i ON i.id = e.industry_id LEFT JOIN {d} d ON d.id = e.division_id"
    )


def _years_sql(years: list[int] | None) -> tuple[str, list]:
    sql = f"SELECT enterprise_id, year, revenue, exports, tax FROM {EnterpriseYear._meta.db_table}"
    if years is None:
        return sql, []
    return sql + f" WHERE year IN ({', '.join(str(int(y)) for y in years)})", []


def _copy_frame(sql: str, schema: dict) -> pl.DataFrame:
    """COPY … TO STDOUT as CSV, read by polars (PostgreSQL)."""
    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, NULL '\\N')") as copy:
            for block in copy:
                buffer.write(block)
    if buffer.tell() == 0:
        return pl.DataFrame(schema=schema)
    buffer.seek(0)
    raw = {k: (pl.Utf8 if v == pl.Boolean else v) for k, v in schema.items()}
    frame = pl.read_csv(buffer, has_header=False, new_columns=list(schema), schema=raw, null_values="\\N")
    bools = [k for k, v in schema.items() if v == pl.Boolean]
    return frame.with_columns([(pl.col(b) == "t").alias(b) for b in bools])


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


def _read_both(years: list[int] | None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The enterprises and their figures. On PostgreSQL outside a transaction the two COPYs run at
    once, on two connections (the figures in a thread); inside one (tests), one after the other on
    the connection that sees the transaction's rows."""
    year_sql, _params = _years_sql(years)
    if connection.vendor != "postgresql":
        return _query_frame(_base_sql(), BASE_SCHEMA), _query_frame(year_sql, YEAR_SCHEMA)
    if connection.in_atomic_block:
        return _copy_frame(_base_sql(), BASE_SCHEMA), _copy_frame(year_sql, YEAR_SCHEMA)

    def figures() -> pl.DataFrame:
        try:
            return _copy_frame(year_sql, YEAR_SCHEMA)
        finally:
            connections.close_all()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(figures)
        base = _copy_frame(_base_sql(), BASE_SCHEMA)
        return base, pending.result()


def register_snapshot(*, years: list[int] | None = None) -> pl.DataFrame:
    """The whole register as one polars DataFrame, one row per enterprise (in no particular order),
    for the policy engine.

    Columns: credit_code, name, industry_code ("C1711"), division_code, division_path
    ("350500/350582/350582001/"), founded_on (Date), size_class (micro|small|medium|large), employees
    (Int64), above_scale, high_tech, srdi, little_giant (Boolean), tags (List(Utf8)), then for each year Y
    with data (or each of ``years``) revenue_Y, exports_Y, tax_Y (Float64, yuan); nulls where missing."""
    base, figures = _read_both(years)
    base = base.with_columns(pl.col("tags").fill_null("[]").str.json_decode(pl.List(pl.Utf8)).alias("tags"))
    wanted = sorted(set(years) if years is not None else set(figures["year"].unique().to_list()))
    if wanted and figures.height:
        # with several values, pivot names the columns "revenue_2023", "exports_2023", …
        wide = figures.pivot(on="year", index="enterprise_id", values=["revenue", "exports", "tax"])
        base = base.join(wide, left_on="id", right_on="enterprise_id", how="left")
    year_columns = []
    for y in wanted:
        for what in ("revenue", "exports", "tax"):
            name = f"{what}_{y}"
            if name not in base.columns:
                base = base.with_columns(pl.lit(None, dtype=pl.Float64).alias(name))
            year_columns.append(pl.col(name).cast(pl.Float64))
    return base.select(*[pl.col(c) for c in SNAPSHOT_COLUMNS], *year_columns)
