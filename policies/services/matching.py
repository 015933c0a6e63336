"""The stored matches (政策找企): computing, diffing and writing them.

Recompute has three modes, all writing only what changed (new, changed and vanished matches):
full (every published clause over the whole snapshot), one enterprise (its row only) and one clause
(its column only). Only eligible and unknown results are stored (an absent row means not eligible).
"""

import dataclasses
import datetime as dt
import decimal
import io
import time
from typing import Any

import polars as pl
import psycopg
from django.db import connection, transaction
from django.utils import timezone

from enterprises.selectors import register_snapshot
from policies.jsonlogic.compile_polars import Clause, compile_plan, prepare
from policies.jsonlogic.reference import evaluate_clause
from policies.models import ClauseVersion, Match, PolicyClause, PolicyStatus
from policies.selectors import amount_rule

# ---------------------------------------------------------------------------------------------
# Recompute
#
# A clause's stored rows are summed up by ``matches_digest`` (order-independent hashes of their
# content: clause, enterprise, result, amount, missing) and ``matched_version`` (the rule version
# they reflect). A row's ``rule_version`` is the version under which it was last written: a row
# whose result, amount and missing data stay the same under a new version is not rewritten.
#
# To know what changed without reading the stored rows back, the recompute evaluates what it can
# prove is stored: when the clause changed since its last recompute, its previous wording (the
# ClauseVersion of ``matched_version``) on the same snapshot; when that computation's digest equals
# the stored digest, the diff is in memory. Else (the register changed too, or no earlier version
# is kept) the clause's rows are read back. A whole recompute goes by groups of clauses (about
# GROUP_ROWS matches each), each evaluated, diffed and written in turn, so that memory holds one
# group's matches at a time.

GROUP_ROWS = 1_500_000  # matches per group in a whole recompute (as last stored; a clause never split)
GROUP_CLAUSES = 25


@dataclasses.dataclass(frozen=True)
class _Rule:
    """An earlier wording of a clause (a ClauseVersion), evaluated under the clause's id."""

    pk: int
    rule_version: str
    condition: Any
    benefit: Any = None
    cap: Any = None


def engine_clauses(clauses) -> list[Clause]:
    return [Clause(str(c.pk), c.condition, amount_rule(c.benefit, c.cap)) for c in clauses]


class _Evaluated:
    """Every rule's result over the snapshot, from one compiled plan (so that what rules share, such as
    a clause's old and new wordings, is evaluated once); each rule's stored form is then built on
    demand, with the missing trace run on its stored rows only."""

    def __init__(self, frame: pl.DataFrame, rules, reference_date: dt.date):
        self.rules = list(rules)
        self.frame = prepare(frame)
        self.plan = compile_plan(engine_clauses(self.rules), reference_date, self.frame.schema, missing="apart")
        self.wide, self.amounts = self.plan.run_sparse(self.frame)

    def stored_counts(self) -> list[int]:
        """How many rows each rule stores (eligible or unknown)."""
        if not self.rules:
            return []
        row = self.wide.select(
            [(pl.col(f"r{i}").is_null() | pl.col(f"r{i}").fill_null(False)).sum() for i in range(len(self.rules))]
        ).row(0)
        return [int(n) for n in row]

    def parts(self, indices) -> list[pl.DataFrame]:
        """The stored form (clause_id, credit_code, result, amount, missing) of these rules, after
        ``row``: the enterprise's row in the snapshot."""
        plan, frame, wide = self.plan, self.frame, self.wide
        codes = frame.get_column("credit_code")  # the snapshot's (one block), not the result's (chunked)
        parts = []
        for i in indices:
            r = wide.get_column(f"r{i}")
            rows = (r.is_null() | r.fill_null(False)).arg_true().alias("row")  # stored: eligible or unknown
            trace = plan.traces[i]
            needed = sorted(set(trace.meta.root_names()) & set(frame.columns))
            picked = [r.gather(rows).alias(f"r{i}"), codes.gather(rows)]
            picked += [frame.get_column(n).gather(rows) for n in needed]
            sub = pl.DataFrame([rows, *picked])  # the trace runs on these rows only
            part = sub.lazy().select(
                pl.col("row"),
                pl.lit(self.rules[i].pk, dtype=pl.Int64).alias("clause_id"),
                pl.col("credit_code"),
                pl.when(pl.col(f"r{i}")).then(pl.lit("eligible")).otherwise(pl.lit("unknown")).alias("result"),
                (pl.lit(None, dtype=pl.Float64) if i in plan.formulas else plan.amount_of(i)).alias("amount"),
                trace.alias("missing"),
            )
            if i in plan.formulas:
                money = self.amounts.lazy().select(pl.col("row"), pl.col(f"a{i}").alias("formula"))
                part = part.join(money, on="row", how="left").with_columns(pl.col("formula").alias("amount"))
            parts.append(
                part.select(
                    pl.col("row"), pl.col(_KEYS), pl.col("result"), pl.col("amount").round(2), pl.col("missing")
                )
            )
        return pl.collect_all(parts) if parts else []

    def pair(self, i: int, o: int) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
        """A clause (rule ``i``) and its previous wording (rule ``o``) in one pass over the rows
        either stores: (new part, old part, rows to write, keys to delete), the parts as ``parts``
        gives them and the diff as ``matches_diff`` on them."""
        plan, frame, wide = self.plan, self.frame, self.wide
        rn, ro = wide.get_column(f"r{i}"), wide.get_column(f"r{o}")
        rows = ((rn.is_null() | rn.fill_null(False)) | (ro.is_null() | ro.fill_null(False))).arg_true().alias("row")
        roots = set(plan.traces[i].meta.root_names()) | set(plan.traces[o].meta.root_names())
        picked = [rn.gather(rows).alias(f"r{i}"), ro.gather(rows).alias(f"r{o}")]
        picked += [frame.get_column(n).gather(rows) for n in sorted({"credit_code"} | (roots & set(frame.columns)))]
        lazy = pl.DataFrame([rows, *picked]).lazy()
        formulas = [k for k in (i, o) if k in plan.formulas]
        if formulas:
            lazy = lazy.join(self.amounts.lazy().select("row", *[f"a{k}" for k in formulas]), on="row", how="left")

        def columns(k: int, tag: str) -> list[pl.Expr]:
            r = pl.col(f"r{k}")
            stored = r.is_null() | r.fill_null(False)
            amount = pl.col(f"a{k}") if k in plan.formulas else plan.amount_of(k)
            return [
                stored.alias(f"s_{tag}"),
                pl.when(r).then(pl.lit("eligible")).otherwise(pl.lit("unknown")).alias(f"result_{tag}"),
                pl.when(stored).then(amount.round(2)).alias(f"amount_{tag}"),
                pl.when(stored).then(plan.traces[k]).alias(f"missing_{tag}"),
            ]

        both = lazy.select("row", "credit_code", *columns(i, "new"), *columns(o, "old")).collect()
        clause_id = pl.lit(self.rules[i].pk, dtype=pl.Int64).alias("clause_id")

        def part(tag: str, where: pl.Expr, *extra: pl.Expr) -> pl.DataFrame:
            return both.filter(where).select(
                pl.col("row"),
                clause_id,
                pl.col("credit_code"),
                *[pl.col(f"{v}_{tag}").alias(v) for v in _VALUES],
                *extra,
            )

        new, old = pl.col("s_new"), pl.col("s_old")
        changed = ~old
        for v in _VALUES:
            changed = changed | pl.col(f"{v}_new").ne_missing(pl.col(f"{v}_old"))
        upserts = part("new", new & changed, old.alias("_update")).drop("row")
        deletes = both.filter(old & ~new).select(clause_id, pl.col("credit_code"))
        return part("new", new), part("old", old), upserts, deletes


def matches_compute(frame: pl.DataFrame, clauses, reference_date: dt.date) -> pl.DataFrame:
    """The stored form of the results: clause_id, credit_code, result, amount, missing, for eligible
    and unknown results only."""
    clauses = list(clauses)
    parts = _Evaluated(frame, clauses, reference_date).parts(range(len(clauses))) if clauses else []
    return pl.concat(parts).drop("row") if parts else _empty()


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema=_SCHEMA)


_SCHEMA = {"clause_id": pl.Int64, "credit_code": pl.Utf8, "result": pl.Utf8, "amount": pl.Float64,
           "missing": pl.Utf8}  # fmt: skip
_KEYS = ["clause_id", "credit_code"]
_VALUES = ["result", "amount", "missing"]


def _existing(clause_ids: list[int], credit_codes: list[str] | None) -> pl.DataFrame:
    if connection.vendor == "postgresql" and credit_codes is None:
        ids = ",".join(str(int(i)) for i in clause_ids) or "NULL"
        sql = (f"COPY (SELECT clause_id, credit_code, result, amount::float8, missing FROM "
               f"policies_match WHERE clause_id IN ({ids})) TO STDOUT WITH (FORMAT csv)")  # fmt: skip
        buf = io.BytesIO()
        with connection.cursor() as cur, cur.connection.cursor().copy(sql) as copy:
            for block in copy:
                buf.write(block)
        if not buf.tell():
            return _empty()
        buf.seek(0)
        frame = pl.read_csv(buf, has_header=False, new_columns=list(_SCHEMA), schema_overrides=_SCHEMA)
        del buf
        return frame.with_columns(pl.col("missing").fill_null(""))
    qs = Match.objects.filter(clause_id__in=clause_ids)
    if credit_codes is not None:
        qs = qs.filter(credit_code__in=credit_codes)
    rows = list(qs.values_list("clause_id", "credit_code", "result", "amount", "missing"))
    rows = [(a, b, c, None if d is None else float(d), e) for a, b, c, d, e in rows]
    return pl.DataFrame(rows, schema=_SCHEMA, orient="row") if rows else _empty()


def matches_diff(new: pl.DataFrame, old: pl.DataFrame, on: list[str] = _KEYS) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(rows to write: new or changed, keys to delete: stored but no longer eligible nor unknown),
    from one full join ``on`` (clause and enterprise; or the snapshot's ``row`` when both sides were
    computed from the same snapshot). The rows to write say whether a row is there already
    (``_update``) or is new."""
    joined = new.with_columns(pl.lit(True).alias("_new")).join(
        old.with_columns(pl.lit(True).alias("_old")), on=on, how="full", coalesce=True, suffix="_old"
    )
    changed = pl.lit(False)
    for v in _VALUES:
        changed = changed | pl.col(v).ne_missing(pl.col(f"{v}_old"))
    upserts = joined.filter(pl.col("_new").fill_null(False) & changed).select(
        *_SCHEMA, pl.col("_old").fill_null(False).alias("_update")
    )
    deletes = joined.filter(pl.col("_new").is_null()).select(
        [pl.col(k) if k in on else pl.col(f"{k}_old").alias(k) for k in _KEYS]
    )
    return upserts, deletes


def _write(upserts: pl.DataFrame, deletes: pl.DataFrame, computed_at, versions: dict[int, str]) -> None:
    """Write the changes; each written row carries its clause's current rule version (``versions``)."""
    if connection.vendor == "postgresql" and upserts.height + deletes.height > 200:
        return _write_pg(upserts, deletes, computed_at, versions)  # else a few statements do
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
                rule_version=versions[c],
                computed_at=computed_at,
            )  # fmt: skip
            for c, cc, r, a, m in upserts.select(list(_SCHEMA)).iter_rows()
        ]
        Match.objects.bulk_create(
            objs,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["clause", "credit_code"],
            update_fields=["result", "amount", "missing", "rule_version", "computed_at"],
        )


def _copy_in(cur, table: str, frame: pl.DataFrame, rows: int = 200_000) -> None:
    """COPY a frame in slices, so that no more than one slice's CSV is in memory at a time."""
    with cur.copy(f"COPY {table} FROM STDIN WITH (FORMAT csv, NULL '\\N')") as copy:
        for start in range(0, frame.height, rows):
            buf = io.BytesIO()
            frame.slice(start, rows).write_csv(buf, include_header=False, null_value="\\N")
            copy.write(buf.getbuffer())
            del buf


_MATCH_COLUMNS = "clause_id, credit_code, result, amount, missing, rule_version, computed_at"


def _write_pg(upserts: pl.DataFrame, deletes: pl.DataFrame, computed_at, versions: dict[int, str]) -> None:
    """PostgreSQL: vanished rows deleted by key arrays; new rows (known to be absent: ``_update`` is
    false) COPied straight into the table; changed rows (and new ones, should a row be there after all:
    another recompute at the same time) through a temporary table and INSERT … ON CONFLICT."""
    version = pl.col("clause_id").replace_strict(versions, return_dtype=pl.Utf8).alias("rule_version")
    stamp = pl.lit(computed_at.isoformat()).alias("computed_at")
    known = pl.col("_update") if "_update" in upserts.columns else pl.lit(True)  # not known to be absent
    rows = upserts.select("clause_id", "credit_code", "result", "amount", pl.col("missing").fill_null(""), version,
                          stamp, known.alias("_u"))  # fmt: skip
    with transaction.atomic(), connection.cursor() as django_cur:
        cur = django_cur.connection.cursor()
        # matches are derived data, written with their clauses' digests in one transaction: a crash may
        # lose the last recompute (the next one redoes it), never mix it up, so no wait for the disk
        cur.execute("SET LOCAL synchronous_commit TO OFF")
        for (clause_id,), group in deletes.group_by("clause_id"):
            codes = group.get_column("credit_code").to_list()
            for start in range(0, len(codes), 50_000):
                cur.execute("DELETE FROM policies_match WHERE clause_id = %s AND credit_code = ANY(%s)",
                            [clause_id, codes[start : start + 50_000]])  # fmt: skip
        inserts = rows.filter(~pl.col("_u")).drop("_u")
        updates = rows.filter(pl.col("_u")).drop("_u")
        del rows
        if inserts.height:
            try:
                with transaction.atomic():
                    _copy_in(cur, f"policies_match ({_MATCH_COLUMNS})", inserts)
            except psycopg.errors.UniqueViolation:
                updates = pl.concat([updates, inserts])
        if updates.height:
            cur.execute("CREATE TEMP TABLE _match_up (clause_id bigint, credit_code text, result text, amount numeric, "
                        "missing text, rule_version text, computed_at timestamptz) ON COMMIT DROP")  # fmt: skip
            _copy_in(cur, "_match_up", updates)
            cur.execute(
                f"INSERT INTO policies_match ({_MATCH_COLUMNS}) SELECT {_MATCH_COLUMNS} FROM _match_up "
                "ON CONFLICT (clause_id, credit_code) DO UPDATE SET result = excluded.result, "
                "amount = excluded.amount, missing = excluded.missing, rule_version = excluded.rule_version, "
                "computed_at = excluded.computed_at"
            )
            cur.execute("DROP TABLE _match_up")  # now: an outer transaction may write again


def _row_hashes(frame: pl.DataFrame) -> pl.Series:
    return frame.select(pl.struct([pl.col(c) for c in _SCHEMA]).hash(seed=0)).to_series()


def digest(frame: pl.DataFrame) -> tuple[int, int, int]:
    """(rows, sum of the low 32 bits, sum of the high 32 bits) of the rows' hashes (their content, not
    the rule version): order-independent, without overflow, and updatable row by row."""
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
    *,
    frame: pl.DataFrame,
    reference_date: dt.date,
    clauses=None,
    credit_code: str | None = None,
    credit_codes: list[str] | None = None,
) -> dict[str, Any]:
    """Recompute and store the matches. ``clauses`` (default: every clause of a published policy)
    limits the columns, ``credit_code`` (or ``credit_codes``) the rows. Returns counts and seconds:
    ``written`` and ``deleted`` rows, ``stored`` (the matches now stored for these clauses and rows),
    ``changed_clause_ids`` (the clauses whose stored rows changed) and, for whole clauses,
    ``clauses_changed``, ``clauses_read`` (read back from the database) and ``clauses_diffed``
    (diffed against their previous wording in memory)."""
    started = time.perf_counter()
    if clauses is None:
        clauses = PolicyClause.objects.filter(policy__status=PolicyStatus.PUBLISHED)
    clauses = list(clauses)
    versions = {c.pk: c.rule_version for c in clauses}
    if credit_code is not None or credit_codes is not None:
        codes = sorted({credit_code} if credit_code is not None else set(credit_codes))
        frame = frame.filter(pl.col("credit_code").is_in(codes))
        new = matches_compute(frame, clauses, reference_date)
        old = pl.concat([_existing([c.pk for c in clauses], codes[i : i + 5000]) for i in range(0, len(codes), 5000)]
                        or [_empty()])  # fmt: skip
        upserts, deletes = matches_diff(new, old)
        with transaction.atomic():
            _write(upserts, deletes, timezone.now(), versions)
            changed_ids = set(upserts["clause_id"].to_list()) | set(deletes["clause_id"].to_list())
            _digests_update(clauses, new, old, changed_ids)
        return {"written": upserts.height, "deleted": deletes.height, "stored": new.height,
                "changed_clause_ids": sorted(changed_ids),
                "seconds": round(time.perf_counter() - started, 3)}  # fmt: skip
    previous = _previous_rules(clauses)
    olds = [previous[c.pk] for c in clauses if c.pk in previous]
    counts = {"written": 0, "deleted": 0, "stored": 0, "clauses_changed": 0, "clauses_read": 0, "clauses_diffed": 0,
              "changed_clause_ids": []}  # fmt: skip
    if not clauses:
        counts["seconds"] = round(time.perf_counter() - started, 3)
        return counts
    evaluated = _Evaluated(frame, [*clauses, *olds], reference_date)
    old_index = {rule.pk: len(clauses) + k for k, rule in enumerate(olds)}
    computed_at = timezone.now()
    for group in _groups(clauses, evaluated.stored_counts()):
        _recompute_group(evaluated, [(i, clauses[i], old_index.get(clauses[i].pk)) for i in group], computed_at,
                         counts)  # fmt: skip
    counts["seconds"] = round(time.perf_counter() - started, 3)
    return counts


def matches_refresh(
    *, clause_ids: list[int] | None = None, credit_codes: list[str] | None = None, reference_date: dt.date | None = None
) -> dict[str, Any]:
    """Snapshot the register (only ``credit_codes`` when given) and recompute the published clauses'
    matches (only ``clause_ids`` when given): what the background task and ``manage.py policies
    recompute`` run. Returns the counts, with ``snapshot_s`` and ``enterprises``."""
    started = time.perf_counter()
    clauses = PolicyClause.objects.filter(policy__status=PolicyStatus.PUBLISHED).order_by("pk")
    if clause_ids is not None:
        clauses = clauses.filter(pk__in=clause_ids)
    clauses = list(clauses)
    frame = prepare(register_snapshot(credit_codes=credit_codes))
    snapshot_s = time.perf_counter() - started
    counts = matches_recompute(frame=frame, reference_date=reference_date or timezone.localdate(), clauses=clauses,
                               credit_codes=credit_codes)  # fmt: skip
    return counts | {"clauses": len(clauses), "enterprises": frame.height, "snapshot_s": round(snapshot_s, 3),
                     "seconds": round(time.perf_counter() - started, 3)}  # fmt: skip


def _groups(clauses, stored: list[int]) -> list[list[int]]:
    """Clause indices in groups of about GROUP_ROWS matches (a clause is never split), so that a
    group's matches, new and old, fit in memory."""
    groups, group, rows = [], [], 0
    for i in range(len(clauses)):
        if group and (rows + stored[i] > GROUP_ROWS or len(group) >= GROUP_CLAUSES):
            groups.append(group)
            group, rows = [], 0
        group.append(i)
        rows += stored[i]
    return [*groups, group] if group else groups


def _previous_rules(clauses) -> dict[int, _Rule]:
    """The wording each changed clause's stored matches reflect (its ``matched_version``), when kept."""
    stale = {c.pk: c.matched_version for c in clauses if c.matched_version and c.matched_version != c.rule_version
             and c.matches_digest}  # fmt: skip
    if not stale:
        return {}
    found = ClauseVersion.objects.filter(clause_id__in=list(stale), rule_version__in=set(stale.values()))
    return {v.clause_id: _Rule(v.clause_id, v.rule_version, v.condition, v.benefit, v.cap)
            for v in found if stale[v.clause_id] == v.rule_version}  # fmt: skip


def _recompute_group(evaluated: _Evaluated, group: list[tuple[int, Any, int | None]], computed_at, counts) -> None:
    """One group of (index, clause, index of its previous wording or None): digests, diffs, writes."""
    alone = evaluated.parts([i for i, _c, o in group if o is None])
    new_parts, pairs = [], {}
    for i, _c, o in group:
        if o is None:
            new_parts.append(alone.pop(0))
        else:
            pairs[i] = evaluated.pair(i, o)  # with its previous wording, in one pass, diffed already
            new_parts.append(pairs[i][0])
    upserts, deletes, read_back, touched = [], [], [], []
    for (i, clause, _o), part in zip(group, new_parts, strict=True):
        counts["stored"] += part.height
        now = _digest_text(digest(part))
        if now != clause.matches_digest:
            counts["clauses_changed"] += 1
            counts["changed_clause_ids"].append(clause.pk)
            if i in pairs and _digest_text(digest(pairs[i][1])) == clause.matches_digest:
                upserts.append(pairs[i][2])  # the stored rows are the previous wording's: no read back
                deletes.append(pairs[i][3])
                counts["clauses_diffed"] += 1
            else:
                read_back.append((clause, part))
        if now != clause.matches_digest or clause.matched_version != clause.rule_version:
            clause.matches_digest, clause.matched_version = now, clause.rule_version
            touched.append(clause)
    del pairs, new_parts
    if read_back:
        ids = [c.pk for c, _ in read_back]
        new = pl.concat([p.drop("row") for _, p in read_back])
        del read_back
        up, down = matches_diff(new, _existing(ids, None))
        del new
        upserts.append(up)
        deletes.append(down)
        counts["clauses_read"] += len(ids)
    up = pl.concat(upserts) if upserts else _empty()
    down = pl.concat(deletes) if deletes else _empty().select(_KEYS)
    del upserts, deletes
    counts["written"] += up.height
    counts["deleted"] += down.height
    if up.height or down.height or touched:
        with transaction.atomic():
            _write(up, down, computed_at, {c.pk: c.rule_version for _i, c, _o in group})
            PolicyClause.objects.bulk_update(touched, ["matches_digest", "matched_version"])


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
            new.append((clause.pk, code, result, None if amount is None else round(amount, 2), ";".join(missing)))
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
            _write(upserts, deletes, timezone.now(), {c.pk: c.rule_version for c in clauses})
            changed_ids = {r[0] for r in up_rows} | {k for k, _ in del_rows}
            _digests_update(clauses, new_frame, old, changed_ids)
    return {"written": upserts.height, "deleted": deletes.height, "stored": new_frame.height,
            "seconds": round(time.perf_counter() - started, 4)}  # fmt: skip
