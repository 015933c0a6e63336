"""Links and the fast load of a synthetic register."""

from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from enterprises.models import Enterprise, EnterpriseYear, Industry
from enterprises.services.imports import ENTERPRISE_FIELDS, YEAR_COLUMN
from enterprises.text import search_forms
from org.models import Division


def enterprise_link_user(*, enterprise: Enterprise, user) -> None:
    """Link an enterprise user (a submitter) to their enterprise: they then see it and only it."""
    enterprise.members.add(user)


def register_load_frame(frame, *, batch: int = 50_000) -> int:
    """Load a register frame (the snapshot's columns, e.g. from ``synthetic_register``) without the
    row checks of the import: for trusted data such as the demo and the benchmarks. Rows whose credit
    code is already registered are left alone. On PostgreSQL through COPY. Returns rows offered."""
    import polars as pl

    industries = pl.DataFrame(
        list(Industry.objects.filter(level=Industry.Level.CLASS).values_list("full_code", "pk")),
        schema={"industry_code": pl.Utf8, "industry_id": pl.Int64},
        orient="row",
    )
    divisions = pl.DataFrame(
        list(Division.objects.values_list("code", "pk")),
        schema={"division_code": pl.Utf8, "division_id": pl.Int64},
        orient="row",
    )
    now = timezone.now()
    frame = frame.join(industries, on="industry_code", how="left").join(divisions, on="division_code", how="left")
    names = frame["name"].to_list()
    frame = frame.with_columns(
        pl.Series("name_search", search_forms(names), dtype=pl.Utf8),
        pl.col("tags").list.eval(pl.element().cast(pl.Utf8)),
    )
    year_columns = [c for c in frame.columns if YEAR_COLUMN.match(c)]
    years = sorted({int(c.rsplit("_", 1)[1]) for c in year_columns})
    if connection.vendor == "postgresql":
        _load_frame_pg(frame, years, now, batch)
    else:
        _load_frame_orm(frame, years, now, batch)
    return frame.height


# credit_code, name, name_search, industry_id, division_id, founded_on, size_class, employees and the four flags
_LOAD_COLUMNS = ["credit_code", "name", "name_search", *ENTERPRISE_FIELDS[1:10]]


def _load_frame_orm(frame, years: list[int], now, batch: int) -> None:
    for start in range(0, frame.height, batch):
        part = frame.slice(start, batch)
        with transaction.atomic():
            objs = [
                Enterprise(
                    **{c: r[c] for c in _LOAD_COLUMNS if c != "size_class"},
                    tags=r["tags"] or [],
                    size_class=r["size_class"] or "",
                    updated_at=now,
                )
                for r in part.iter_rows(named=True)
            ]
            Enterprise.objects.bulk_create(objs, ignore_conflicts=True, batch_size=2000)
            ids = dict(
                Enterprise.objects.filter(credit_code__in=part["credit_code"].to_list()).values_list(
                    "credit_code", "pk"
                )
            )
            year_objs = []
            for r in part.iter_rows(named=True):
                for y in years:
                    values = {f: r.get(f"{f}_{y}") for f in ("revenue", "exports", "tax")}
                    if any(v is not None for v in values.values()):
                        values = {k: (None if v is None else Decimal(str(round(v, 2)))) for k, v in values.items()}
                        year_objs.append(EnterpriseYear(enterprise_id=ids[r["credit_code"]], year=y, **values))
            EnterpriseYear.objects.bulk_create(year_objs, ignore_conflicts=True, batch_size=2000)


def _load_frame_pg(frame, years: list[int], now, batch: int) -> None:
    import json

    import polars as pl

    e_table = Enterprise._meta.db_table
    y_table = EnterpriseYear._meta.db_table
    columns = [*_LOAD_COLUMNS, "tags", "contact_name", "contact_phone", "address", "created_at", "updated_at"]
    columns += ["version", "little_giant_level"]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE load_enterprise (LIKE {e_table} INCLUDING DEFAULTS) ON COMMIT DROP")
        cursor.execute("ALTER TABLE load_enterprise DROP COLUMN id")
        cursor.execute("CREATE TEMP TABLE load_year (credit_code varchar(18), year smallint, revenue numeric, "
                       "exports numeric, tax numeric) ON COMMIT DROP")  # fmt: skip
        out = frame.select(
            *_LOAD_COLUMNS[:6],
            pl.col("size_class").fill_null(""),
            *_LOAD_COLUMNS[7:],
            pl.col("tags").map_elements(lambda t: json.dumps(list(t), ensure_ascii=False), return_dtype=pl.Utf8),
            pl.lit("").alias("contact_name"),
            pl.lit("").alias("contact_phone"),
            pl.lit("").alias("address"),
            pl.lit(now.isoformat()).alias("created_at"),
            pl.lit(now.isoformat()).alias("updated_at"),
            pl.lit(1).alias("version"),
            pl.lit("").alias("little_giant_level"),
        )
        _copy(cursor, "load_enterprise", columns, out, batch)
        long = pl.concat(
            [
                frame.select(
                    "credit_code",
                    pl.lit(y).alias("year"),
                    pl.col(f"revenue_{y}").alias("revenue"),
                    pl.col(f"exports_{y}").alias("exports"),
                    pl.col(f"tax_{y}").alias("tax"),
                ).filter(pl.any_horizontal(pl.col("revenue", "exports", "tax").is_not_null()))
                for y in years
            ]
        ) if years else None  # fmt: skip
        if long is not None:
            _copy(cursor, "load_year", ["credit_code", "year", "revenue", "exports", "tax"], long, batch * 3)
        names = ", ".join(columns)
        cursor.execute(
            f"INSERT INTO {e_table} ({names}) SELECT {names} FROM load_enterprise ON CONFLICT (credit_code) DO NOTHING"
        )
        if long is not None:
            cursor.execute(
                f"INSERT INTO {y_table} (enterprise_id, year, revenue, exports, tax) "
                f"SELECT e.id, l.year, round(l.revenue, 2), round(l.exports, 2), round(l.tax, 2) "
                f"FROM load_year l JOIN {e_table} e ON e.credit_code = l.credit_code "
                f"ON CONFLICT (enterprise_id, year) DO NOTHING"
            )
        cursor.execute("DROP TABLE load_enterprise")
        cursor.execute("DROP TABLE load_year")


def _copy(cursor, table: str, columns: list[str], frame, batch: int) -> None:
    """COPY a frame into a table, in CSV batches (psycopg 3)."""
    for start in range(0, frame.height, batch):
        data = frame.slice(start, batch).write_csv(include_header=False, null_value="\\N", float_scientific=False)
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
        with cursor.cursor.copy(sql) as copy:
            copy.write(data.encode("utf-8"))
