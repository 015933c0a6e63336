"""Every write to the policy catalogue and to the matches.

Recompute has three modes, all writing only what changed (new, changed and vanished matches):
full (every published clause over the whole snapshot), one enterprise (its row only) and one clause
(its column only). Only eligible and unknown results are stored (an absent row means not eligible).
"""

import datetime as dt
import decimal
import hashlib
import io
import json
import time
from pathlib import Path
from typing import Any

import polars as pl
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from policies.jsonlogic.compile_polars import Clause, compile_plan, prepare
from policies.jsonlogic.validate import RuleError, check_amount, check_condition
from policies.models import ClauseMode, Match, Policy, PolicyClause, PolicyStatus

DEMO = Path(__file__).resolve().parent / "demo" / "clauses.json"


def rule_version(condition: Any, benefit: Any, cap: Any = None) -> str:
    """A clause's rule version: a hash of its condition and benefit JSON (16 hex digits)."""
    text = json.dumps({"condition": condition, "benefit": benefit, "cap": None if cap is None else f"{float(cap):.2f}"},
                      sort_keys=True, ensure_ascii=False, separators=(",", ":"))  # fmt: skip
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def amount_rule(benefit: Any, cap: Any = None) -> Any:
    """The amount as one JSON Logic formula: the benefit, capped."""
    if benefit is None:
        return None
    return {"min": [benefit, float(cap)]} if cap is not None else benefit


def clause_check(*, condition: Any, benefit: Any = None, cap: Any = None, budget: Any = None) -> None:
    """Raise ValidationError (by field) when a clause cannot be accepted."""
    errors: dict[str, list[str]] = {}
    try:
        check_condition(condition)
    except RuleError as e:
        errors["condition"] = [str(e)]
    try:
        check_amount(benefit)
    except RuleError as e:
        errors["benefit"] = [str(e)]
    for field, value in (("cap", cap), ("budget", budget)):
        if value is not None and decimal.Decimal(str(value)) < 0:
            errors[field] = ["must not be negative"]
    if errors:
        raise ValidationError(errors)


def clause_save(*, policy: Policy, code: str, number: int, title: str, condition, benefit=None, cap=None,
                mode=ClauseMode.APPLY, budget=None, department="", is_example=False) -> PolicyClause:  # fmt: skip
    """Create or update a clause after validation; its rule version follows its condition and benefit."""
    clause_check(condition=condition, benefit=benefit, cap=cap, budget=budget)
    clause, _ = PolicyClause.objects.update_or_create(
        code=code,
        defaults=dict(
            policy=policy,
            number=number,
            title=title,
            condition=condition,
            benefit=benefit,
            cap=cap,
            mode=mode,
            budget=budget,
            department=department,
            is_example=is_example,
            rule_version=rule_version(condition, benefit, cap),
        ),  # fmt: skip
    )
    return clause


def policy_publish(*, policy: Policy) -> Policy:
    """Publish a draft: every clause is checked again first."""
    with transaction.atomic():
        policy = Policy.objects.select_for_update().get(pk=policy.pk)
        for clause in policy.clauses.all():
            clause_check(condition=clause.condition, benefit=clause.benefit, cap=clause.cap, budget=clause.budget)
        policy.status = PolicyStatus.PUBLISHED
        policy.save(update_fields=["status"])
    return policy


def demo_load(*, path: Path = DEMO, publish: bool = True) -> list[Policy]:
    """The six demo packages (75 clauses), written for the demo and marked as examples."""
    data = json.loads(path.read_text())
    policies = []
    with transaction.atomic():
        for p in data["policies"]:
            policy, _ = Policy.objects.update_or_create(
                code=p["code"],
                defaults=dict(
                    title=p["title"],
                    issuer=p["issuer"],
                    document_number=p.get("document_number", ""),
                    issued_on=dt.date.fromisoformat(p["issued_on"]),
                    full_text=p.get("full_text", ""),
                    is_example=True,
                ),  # fmt: skip
            )
            for c in p["clauses"]:
                clause_save(policy=policy, code=c["id"], number=c["number"], title=c["title"],
                            condition=c["condition"], benefit=c.get("benefit"), cap=c.get("cap"),
                            mode=c.get("mode", ClauseMode.APPLY), budget=c.get("budget"),
                            department=c.get("department", ""), is_example=True)  # fmt: skip
            if publish:
                policy_publish(policy=policy)
            policies.append(policy)
    return policies


# ---------------------------------------------------------------------------------------------
# Recompute


def engine_clauses(clauses) -> list[Clause]:
    return [Clause(str(c.pk), c.condition, amount_rule(c.benefit, c.cap)) for c in clauses]


def matches_compute(frame: pl.DataFrame, clauses, reference_date: dt.date) -> pl.DataFrame:
    """The stored form of the results: clause_id, credit_code, result, amount, missing, rule_version,
    for eligible and unknown results only."""
    clauses = list(clauses)
    frame = prepare(frame)
    plan = compile_plan(engine_clauses(clauses), reference_date, frame.schema, missing="apart")
    wide, amounts = plan.run_sparse(frame)
    rows = pl.int_range(0, frame.height, dtype=pl.UInt32, eager=True).alias("row")
    parts = []
    for i, clause in enumerate(clauses):
        r = wide.get_column(f"r{i}")
        stored = r.is_null() | r.fill_null(False)  # eligible or unknown
        trace = plan.traces[i]
        needed = sorted(set(trace.meta.root_names()) & set(frame.columns))
        base = pl.DataFrame([rows, r.alias(f"r{i}"), wide.get_column("credit_code")])
        sub = base.hstack(frame.select(needed).get_columns()).filter(stored)  # the trace on these rows only
        part = sub.lazy().select(
            pl.col("row"),
            pl.lit(clause.pk, dtype=pl.Int64).alias("clause_id"),
            pl.col("credit_code"),
            pl.when(pl.col(f"r{i}")).then(pl.lit("eligible")).otherwise(pl.lit("unknown")).alias("result"),
            (pl.lit(None, dtype=pl.Float64) if i in plan.formulas else plan.amount_of(i)).alias("amount"),
            trace.alias("missing"),
        )
        if i in plan.formulas:
            money = amounts.lazy().select(pl.col("row"), pl.col(f"a{i}").alias("formula"))
            part = part.join(money, on="row", how="left").with_columns(pl.col("formula").alias("amount"))
        parts.append(
            part.select(
                pl.col("clause_id"),
                pl.col("credit_code"),
                pl.col("result"),
                pl.col("amount").round(2),
                pl.col("missing"),
                pl.lit(clause.rule_version).alias("rule_version"),
            )
        )
    if not parts:
        return _empty()
    return pl.concat(parts).collect()


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema=_SCHEMA)


_SCHEMA = {"clause_id": pl.Int64, "credit_code": pl.Utf8, "result": pl.Utf8, "amount": pl.Float64,
           "missing": pl.Utf8, "rule_version": pl.Utf8}  # fmt: skip
_KEYS = ["clause_id", "credit_code"]
_VALUES = ["result", "amount", "missing", "rule_version"]


def _existing(clause_ids: list[int], credit_codes: list[str] | None) -> pl.DataFrame:
    if connection.vendor == "postgresql" and credit_codes is None:
        ids = ",".join(str(int(i)) for i in clause_ids) or "NULL"
        sql = (f"COPY (SELECT clause_id, credit_code, result, amount::float8, missing, rule_version FROM "
               f"policies_match WHERE clause_id IN ({ids})) TO STDOUT WITH (FORMAT csv)")  # fmt: skip
        buf = io.BytesIO()
        with connection.cursor() as cur, cur.connection.cursor().copy(sql) as copy:
            for block in copy:
                buf.write(block)
        if not buf.getvalue():
            return _empty()
        buf.seek(0)
        frame = pl.read_csv(buf, has_header=False, new_columns=list(_SCHEMA), schema_overrides=_SCHEMA)
        return frame.with_columns(pl.col("missing").fill_null(""))
    qs = Match.objects.filter(clause_id__in=clause_ids)
    if credit_codes is not None:
        qs = qs.filter(credit_code__in=credit_codes)
    rows = list(qs.values_list("clause_id", "credit_code", "result", "amount", "missing", "rule_version"))
    rows = [(a, b, c, None if d is None else float(d), e, f) for a, b, c, d, e, f in rows]
    return pl.DataFrame(rows, schema=_SCHEMA, orient="row") if rows else _empty()


def matches_diff(new: pl.DataFrame, old: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(rows to write: new or changed, keys to delete: stored but no longer eligible nor unknown),
    from one full join on (clause, enterprise)."""
    joined = new.with_columns(pl.lit(True).alias("_new")).join(
        old.with_columns(pl.lit(True).alias("_old")), on=_KEYS, how="full", coalesce=True, suffix="_old"
    )
    changed = pl.lit(False)
    for v in _VALUES:
        changed = changed | pl.col(v).ne_missing(pl.col(f"{v}_old"))
    upserts = joined.filter(pl.col("_new").fill_null(False) & changed).select(new.columns)
    deletes = joined.filter(pl.col("_new").is_null()).select(_KEYS)
    return upserts, deletes


def _write(upserts: pl.DataFrame, deletes: pl.DataFrame, computed_at) -> None:
    if connection.vendor == "postgresql" and upserts.height + deletes.height > 2000:
        return _write_copy(upserts, deletes, computed_at)
    with transaction.atomic():
        for clause_id, group in deletes.group_by("clause_id"):
            codes = group["credit_code"].to_list()
            for start in range(0, len(codes), 1000):
                Match.objects.filter(clause_id=clause_id[0], credit_code__in=codes[start : start + 1000]).delete()
        objs = [
            Match(
                clause_id=c,
                credit_code=cc,
                result=r,
                amount=None if a is None else decimal.Decimal(str(a)),
                missing=m or "",
                rule_version=v,
                computed_at=computed_at,
            )  # fmt: skip
            for c, cc, r, a, m, v in upserts.select(list(_SCHEMA)).iter_rows()
        ]
        Match.objects.bulk_create(
            objs,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["clause", "credit_code"],
            update_fields=["result", "amount", "missing", "rule_version", "computed_at"],
        )


def _copy_in(cur, table: str, frame: pl.DataFrame) -> None:
    buf = io.BytesIO()
    frame.write_csv(buf, include_header=False)
    with cur.copy(f"COPY {table} FROM STDIN WITH (FORMAT csv)") as copy:
        copy.write(buf.getvalue())


def _write_copy(upserts: pl.DataFrame, deletes: pl.DataFrame, computed_at) -> None:
    """PostgreSQL: COPY the changes into temporary tables, then one INSERT … ON CONFLICT and one DELETE."""
    with transaction.atomic(), connection.cursor() as django_cur:
        cur = django_cur.connection.cursor()
        cur.execute("CREATE TEMP TABLE _match_up (clause_id bigint, credit_code text, result text, amount numeric, "
                    "missing text, rule_version text) ON COMMIT DROP")  # fmt: skip
        cur.execute("CREATE TEMP TABLE _match_del (clause_id bigint, credit_code text) ON COMMIT DROP")
        _copy_in(cur, "_match_up", upserts.select(list(_SCHEMA)))
        _copy_in(cur, "_match_del", deletes)
        cur.execute(
            "DELETE FROM policies_match m USING _match_del d WHERE m.clause_id = d.clause_id "
            "AND m.credit_code = d.credit_code"
        )
        cur.execute(
            "INSERT INTO policies_match (clause_id, credit_code, result, amount, missing, rule_version, computed_at) "
            "SELECT clause_id, credit_code, result, amount, coalesce(missing, ''), rule_version, %s FROM _match_up "
            "ON CONFLICT (clause_id, credit_code) DO UPDATE SET result = excluded.result, amount = excluded.amount, "
            "missing = excluded.missing, rule_version = excluded.rule_version, computed_at = excluded.computed_at",
            [computed_at],
        )


def _row_hashes(frame: pl.DataFrame) -> pl.Series:
    return frame.select(pl.struct([pl.col(c) for c in _SCHEMA]).hash(seed=0)).to_series()


def digest(frame: pl.DataFrame) -> tuple[int, int, int]:
    """(rows, sum of the low 32 bits, sum of the high 32 bits) of the rows' hashes: order-independent,
    without overflow, and updatable row by row."""
    if frame.height == 0:
        return (0, 0, 0)
    h = _row_hashes(frame)
    lo = int((h % (1 << 32)).sum())
    hi = int((h // (1 << 32)).sum())
    return (frame.height, lo, hi)


def _digest_text(d: tuple[int, int, int]) -> str:
    return ":".join(str(x) for x in d)


def _digest_parse(text: str) -> tuple[int, int, int] | None:
    try:
        rows, lo, hi = (int(x) for x in text.split(":"))
        return rows, lo, hi
    except ValueError:
        return None


def matches_recompute(
    *, frame: pl.DataFrame, reference_date: dt.date, clauses=None, credit_code: str | None = None
) -> dict[str, Any]:
    """Recompute and store the matches. ``clauses`` (default: every clause of a published policy)
    limits the columns, ``credit_code`` the rows. Returns counts and seconds."""
    started = time.perf_counter()
    if clauses is None:
        clauses = PolicyClause.objects.filter(policy__status=PolicyStatus.PUBLISHED)
    clauses = list(clauses)
    if credit_code is not None:
        frame = frame.filter(pl.col("credit_code") == credit_code)
    new = matches_compute(frame, clauses, reference_date)
    if credit_code is not None:
        old = _existing([c.pk for c in clauses], [credit_code])
        upserts, deletes = matches_diff(new, old)
        with transaction.atomic():
            _write(upserts, deletes, timezone.now())
            changed_ids = set(upserts["clause_id"].to_list()) | set(deletes["clause_id"].to_list())
            _digests_update(clauses, new, old, changed_ids)
        return {"written": upserts.height, "deleted": deletes.height, "stored": new.height,
                "seconds": round(time.perf_counter() - started, 3)}  # fmt: skip
    # Whole clauses: only those whose results differ from what was stored last time are read back.
    by_clause = {key[0]: part for key, part in new.group_by("clause_id")}
    digests = {pk: _digest_text(digest(part)) for pk, part in by_clause.items()}
    changed = [c for c in clauses if digests.get(c.pk, _digest_text((0, 0, 0))) != c.matches_digest]
    upserts, deletes = _empty(), _empty().select(_KEYS)
    if changed:
        ids = {c.pk for c in changed}
        old = _existing(sorted(ids), None)
        upserts, deletes = matches_diff(new.filter(pl.col("clause_id").is_in(sorted(ids))), old)
    with transaction.atomic():
        _write(upserts, deletes, timezone.now())
        for c in changed:
            c.matches_digest = digests.get(c.pk, _digest_text((0, 0, 0)))
        PolicyClause.objects.bulk_update(changed, ["matches_digest"])
    return {"written": upserts.height, "deleted": deletes.height, "stored": new.height, "clauses_read": len(changed),
            "seconds": round(time.perf_counter() - started, 3)}  # fmt: skip


def _digests_update(clauses, new: pl.DataFrame, old: pl.DataFrame, changed_ids: set[int] | None = None) -> None:
    """One enterprise's rows changed: move each clause's digest by (new rows − old rows)."""
    touched = []
    for clause in clauses:
        if changed_ids is not None and clause.pk not in changed_ids:
            continue
        stored = _digest_parse(clause.matches_digest)
        if stored is None:
            continue  # never computed in full: the next full recompute reads it back
        n, o = (f.filter(pl.col("clause_id") == clause.pk) for f in (new, old))
        if n.height == 0 and o.height == 0:
            continue
        dn, do = digest(n), digest(o)
        updated = _digest_text(tuple(s + a - b for s, a, b in zip(stored, dn, do, strict=True)))
        if updated != clause.matches_digest:
            clause.matches_digest = updated
            touched.append(clause)
    PolicyClause.objects.bulk_update(touched, ["matches_digest"])


def matches_recompute_enterprise(*, row: dict, reference_date: dt.date, clauses=None) -> dict[str, Any]:
    """One enterprise changed: its results for every clause, written where they changed.

    One row does not pay for a vectorised plan, so this runs the row-by-row reference evaluator,
    which the property tests hold to exactly the engine's results."""
    from policies.jsonlogic.reference import evaluate_clause

    started = time.perf_counter()
    if clauses is None:
        clauses = PolicyClause.objects.filter(policy__status=PolicyStatus.PUBLISHED)
    clauses = list(clauses)
    code = row["credit_code"]
    new = []
    for clause in clauses:
        result, amount, missing = evaluate_clause(clause.condition, amount_rule(clause.benefit, clause.cap), row,
                                                  reference_date)  # fmt: skip
        if result != "ineligible":
            new.append((clause.pk, code, result, None if amount is None else round(amount, 2), ";".join(missing),
                        clause.rule_version))  # fmt: skip
    old_rows = _existing([c.pk for c in clauses], [code]).rows()
    by_key_old = {r[0]: r for r in old_rows}
    by_key_new = {r[0]: r for r in new}
    up_rows = [r for k, r in by_key_new.items() if by_key_old.get(k) != r]  # plain tuples: one row is small
    del_rows = [(k, code) for k in by_key_old if k not in by_key_new]
    upserts = pl.DataFrame(up_rows, schema=_SCHEMA, orient="row") if up_rows else _empty()
    deletes = pl.DataFrame(del_rows, schema={"clause_id": pl.Int64, "credit_code": pl.Utf8}, orient="row")
    new_frame = pl.DataFrame(new, schema=_SCHEMA, orient="row") if new else _empty()
    if up_rows or del_rows:
        old = pl.DataFrame(old_rows, schema=_SCHEMA, orient="row") if old_rows else _empty()
        with transaction.atomic():
            _write(upserts, deletes, timezone.now())
            changed_ids = {r[0] for r in up_rows} | {k for k, _ in del_rows}
            _digests_update(clauses, new_frame, old, changed_ids)
    return {"written": upserts.height, "deleted": deletes.height, "stored": new_frame.height,
            "seconds": round(time.perf_counter() - started, 4)}  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Delivery: notifications, grant batches, applications
