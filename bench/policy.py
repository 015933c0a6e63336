#!/usr/bin/env python3
"""Benchmark of the policy matching engine (政策找企): the 75 demo clauses over N enterprises.

    python bench/policy.py                 # N = 1,500,000
    python bench/policy.py --n 100000      # smaller
    python bench/policy.py --skip-pg       # without PostgreSQL (and without the import figures)

What it measures (medians of several runs; each part that reports a peak memory runs in its own process):

- eval_s, eval_peak_mb: the vectorised engine (Polars) on a snapshot in memory: every clause's result
  for every enterprise (three-valued) and every amount; peak RSS of that process (snapshot included);
- prepare_s: dictionary-encoding the snapshot's text columns, done once per snapshot (not in eval_s);
- duckdb_eval_s: the same clauses as SQL (compile_sql) in DuckDB on the same data (the alternative
  engine, for the choice; needs duckdb);
- recompute_pg_s, recompute_peak_mb: the whole recompute from PostgreSQL: snapshot read
  (enterprises.selectors.register_snapshot), evaluation, and writing the changed matches; the first
  run, which writes every match, is reported apart (recompute_pg_first_s, matches_stored), and its
  peak is in recompute_peak_mb (the process's peak RSS after the first and the timed runs);
  snapshot_s, snapshot_peak_mb: the snapshot read alone (its peak measured before anything else);
- one_enterprise_ms: one enterprise changed: its results for all 75 clauses, diffed and written;
- one_clause_ms: one clause changed (its employee threshold moves between 60 and 70, so a new rule
  version, and the enterprises in between change): matches_recompute of that clause over all
  enterprises, with the snapshot in memory. It includes reading the clause's previous wording
  (ClauseVersion), compiling and running both wordings in one plan with the missing trace on the
  stored rows, the digest check that proves the stored rows equal the previous wording's results (so
  nothing is read back), the diff in Polars and the write of the changed rows only, in one
  transaction, with the clause's digest and matched version. one_clause_changed_rows: the rows written
  or deleted; one_clause_read_back: clauses read back from the database (0 expected);
  one_clause_eval_ms: the evaluation alone (compile and run of the new wording, with the missing trace);
- naive_extrapolated_s: a row-by-row Python loop (the reference evaluator) on a sample, extrapolated to N;
- openfisca_s: OpenFisca (openfisca-core) computing the same 75 clauses on the same data, with one
  Enterprise entity and one variable per clause. OpenFisca has no missing values: they are zero, false
  or empty there (ours must not do that), so it does less than we do;
- import_csv_100k_s, import_xlsx_100k_s: enterprises.services.register_import of 100,000 enterprises.

PostgreSQL: a throwaway database ``grassroots_policy_bench`` on BENCH_PG_URL (default
postgres://postgres@127.0.0.1:5432/), dropped afterwards. The last line is one JSON object.
"""

import argparse
import datetime as dt
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
PG_BASE = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/").rstrip("/") + "/"
PG_NAME = "grassroots_policy_bench"
REFERENCE_DATE = dt.date(2025, 6, 30)  # the synthetic register has figures for 2022–2024
CLAUSES = ROOT / "policies" / "demo" / "match_clauses.json"

if Path(sys.executable).resolve() != VENV_PYTHON.resolve() and VENV_PYTHON.exists():
    os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), *sys.argv])
sys.path.insert(0, str(ROOT))


def peak_mb() -> float:
    """This process's peak RSS. VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec, so a child
    started by a big parent would report the parent's peak (here: the main process, which holds the
    register and runs OpenFisca)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def median(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 4) if values else None


def timed(fn, runs):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return median(times)


def engine_clauses():
    from policies.jsonlogic.compile_polars import Clause

    return [Clause(c["id"], c["condition"], c.get("amount")) for c in json.loads(CLAUSES.read_text())]


def child(argv: list[str], env: dict | None = None) -> dict:
    done = subprocess.run([str(VENV_PYTHON), __file__, *argv], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, **(env or {})}, timeout=3600)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------
# Children


def child_eval(parquet: str, runs: int) -> dict:
    import polars as pl

    from policies.jsonlogic.compile_polars import compile_plan, prepare

    frame = pl.read_parquet(parquet)
    started = time.perf_counter()
    prepared = prepare(frame)
    prepare_s = time.perf_counter() - started
    clauses = engine_clauses()
    plan = compile_plan(clauses, REFERENCE_DATE, prepared.schema)
    wide, amounts = plan.run_sparse(prepared)
    eval_s = timed(lambda: plan.run_sparse(prepared), runs)
    eligible = int(wide.select(pl.sum_horizontal([pl.col(f"r{i}").fill_null(False) for i in range(len(clauses))]))
                   .to_series().sum())  # fmt: skip
    unknown = int(wide.select(pl.sum_horizontal([pl.col(f"r{i}").is_null() for i in range(len(clauses))]))
                  .to_series().sum())  # fmt: skip
    return {"eval_s": eval_s, "eval_peak_mb": peak_mb(), "prepare_s": round(prepare_s, 3), "eligible": eligible,
            "unknown": unknown, "amount_rows": amounts.height}  # fmt: skip


def child_duckdb(parquet: str, runs: int) -> dict:
    import duckdb

    from policies.jsonlogic.compile_sql import select_sql

    con = duckdb.connect()
    con.execute(f"SET threads={os.cpu_count()}")
    con.execute(f"CREATE TABLE register AS SELECT * FROM read_parquet('{parquet}')")
    columns = {r[0] for r in con.execute("DESCRIBE register").fetchall()}
    sql = select_sql(engine_clauses(), REFERENCE_DATE, "register", columns=columns, missing=False)
    sql = sql.replace(" ORDER BY credit_code", "")
    return {"duckdb_eval_s": timed(lambda: con.execute(f"CREATE OR REPLACE TEMP TABLE o AS {sql}"), runs)}


def child_recompute(runs: int) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.settings")
    django.setup()
    import polars as pl

    from enterprises.selectors import register_snapshot
    from org.actor import SYSTEM
    from policies.jsonlogic.compile_polars import prepare
    from policies.models import Match, PolicyClause
    from policies.services.catalogue import clause_save
    from policies.services.matching import matches_recompute, matches_recompute_enterprise

    def full():
        snapshot = prepare(register_snapshot())
        return snapshot, matches_recompute(frame=snapshot, reference_date=REFERENCE_DATE)

    started = time.perf_counter()
    snapshot = register_snapshot()
    snapshot_s = time.perf_counter() - started
    snapshot_peak = peak_mb()
    del snapshot
    started = time.perf_counter()
    snapshot, first = full()
    first_s = time.perf_counter() - started
    times, changed = [], []
    for _ in range(runs):
        snapshot = None  # a worker holds one snapshot at a time
        started = time.perf_counter()
        snapshot, counts = full()
        times.append(time.perf_counter() - started)
        changed.append(counts["written"] + counts["deleted"])
    out = {
        "recompute_pg_first_s": round(first_s, 3),
        "recompute_pg_s": median(times),
        "recompute_peak_mb": peak_mb(),
        "matches_stored": Match.objects.count(),
        "recompute_changed_rows": changed,
        "snapshot_rows": snapshot.height,
        "snapshot_s": round(snapshot_s, 3),
        "snapshot_peak_mb": snapshot_peak,
    }

    # one enterprise changed: flip its above-scale flag and raise its revenue. The rule set is loaded
    # once, as a worker handling a stream of enterprise changes holds it
    published = list(PolicyClause.objects.filter(policy__status="published"))
    rnd = random.Random(1)
    ms = []
    for _ in range(max(10, runs * 4)):
        row = snapshot.row(rnd.randrange(snapshot.height), named=True)
        row = {**row, "above_scale": not row["above_scale"], "revenue_2024": (row["revenue_2024"] or 0) * 1.5 + 1e7}
        started = time.perf_counter()
        matches_recompute_enterprise(row=row, reference_date=REFERENCE_DATE, clauses=published)
        ms.append((time.perf_counter() - started) * 1000)
    out["one_enterprise_ms"] = median(ms)

    # one clause changed: the employee threshold of 工业企业稳岗补助 moves, so its column is recomputed
    clause = PolicyClause.objects.get(code="wgy-06")
    ms = []
    for k in range(max(3, runs)):
        threshold = 50 + 10 * ((k % 2) + 1)
        condition = {"and": [{"industry_prefix": ["C"]}, {">=": [{"var": "employees"}, threshold]},
                             {"<=": [{"var": "employees"}, 1000]}]}  # fmt: skip
        clause = clause_save(
            actor=SYSTEM,
            policy=clause.policy,
            code=clause.code,
            number=clause.number,
            title=clause.title,
            condition=condition,
            benefit=clause.benefit,
            cap=clause.cap,
            budget=clause.budget,
        )
        started = time.perf_counter()
        counts = matches_recompute(frame=snapshot, reference_date=REFERENCE_DATE, clauses=[clause])
        ms.append((time.perf_counter() - started) * 1000)
    out["one_clause_ms"] = median(ms)
    out["one_clause_read_back"] = counts.get("clauses_read")
    from policies.jsonlogic.compile_polars import compile_plan
    from policies.services.matching import engine_clauses as clauses_of

    def one_clause_eval():
        compile_plan(clauses_of([clause]), REFERENCE_DATE, snapshot.schema, missing=True).run_sparse(snapshot)

    out["one_clause_eval_ms"] = round(timed(one_clause_eval, 5) * 1000, 1)
    out["one_clause_changed_rows"] = counts["written"] + counts["deleted"]
    del pl
    return out


def child_import(tmp: str) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.settings")
    django.setup()
    from enterprises.services import register_import
    from enterprises.synthetic import synthetic_register, write_csv, write_xlsx

    frame = synthetic_register(100_000, seed=7)
    out = {}
    for fmt, writer, seed_shift in (("csv", write_csv, 0), ("xlsx", write_xlsx, 1)):
        part = synthetic_register(100_000, seed=7 + seed_shift) if seed_shift else frame
        path = Path(tmp) / f"register100k.{fmt}"
        writer(part, path)
        started = time.perf_counter()
        with open(path, "rb") as f:
            register_import(file=f, filename=path.name)
        out[f"import_{fmt}_100k_s"] = round(time.perf_counter() - started, 2)
    return out


# ---------------------------------------------------------------------------------------------
# In the main process


def naive(frame, sample: int) -> float:
    """The reference evaluator in a plain Python loop over a sample, extrapolated to all rows."""
    from policies.jsonlogic.reference import evaluate_clause

    rows = frame.head(sample).to_dicts()
    clauses = engine_clauses()
    started = time.perf_counter()
    for row in rows:
        for c in clauses:
            evaluate_clause(c.condition, c.amount, row, REFERENCE_DATE)
    return round((time.perf_counter() - started) * frame.height / len(rows), 2)


def openfisca(frame, runs: int) -> tuple[float | None, str | None]:
    """The 75 clauses as OpenFisca variables of an Enterprise entity, on the same data (missing values
    become 0 / False / "" / 1970-01-01: OpenFisca has no missing values)."""
    try:
        import numpy as np
        from openfisca_core import periods
        from openfisca_core.entities import build_entity
        from openfisca_core.simulations import SimulationBuilder
        from openfisca_core.taxbenefitsystems import TaxBenefitSystem
        from openfisca_core.variables import Variable
    except ImportError:
        return None, "openfisca-core is not installed: pip install -r requirements-bench.txt"
    import polars as pl

    from policies.jsonlogic import attributes as A
    from policies.jsonlogic.validate import growth_attr, op_of

    Enterprise = build_entity(key="enterprise", plural="enterprises", label="市场主体", is_person=True)
    types = {}
    for name, dtype in frame.schema.items():
        if name in ("name", "credit_code"):
            continue
        if dtype == pl.Boolean:
            types[name] = (bool, False)
        elif dtype in (pl.Float64, pl.Int64):
            types[name] = (float, 0.0)
        elif dtype == pl.Date:
            types[name] = (dt.date, dt.date(1970, 1, 1))
        else:
            types[name] = (str, "")
    variables = []
    for name, (vtype, _) in types.items():
        attrs = {"value_type": vtype, "entity": Enterprise, "definition_period": periods.DateUnit.YEAR,
                 "label": name}  # fmt: skip
        if vtype is str:
            attrs["max_length"] = 200  # OpenFisca keeps texts as bytes (numpy |S)
        variables.append(type(name, (Variable,), attrs))

    def np_eval(rule, get):
        parsed = op_of(rule)
        if parsed is None:
            return rule
        op, args = parsed
        ev = [np_eval(a, get) for a in args] if op not in ("growth", "industry_prefix", "division_under") else []
        if op == "var":
            return get(A.resolve(args[0], REFERENCE_DATE))
        if op == "and":
            return np.logical_and.reduce(ev)
        if op == "or":
            return np.logical_or.reduce(ev)
        if op == "!":
            return np.logical_not(ev[0])
        if op in ("<", "<=") and len(args) == 3:
            cmp = np.less if op == "<" else np.less_equal
            return cmp(ev[0], ev[1]) & cmp(ev[1], ev[2])
        if op in (">", ">=", "<", "<=", "==", "!="):
            a, b = ev
            if isinstance(b, str) and len(b) == 10 and b[4] == "-":
                b = np.datetime64(b)
            elif isinstance(b, str):
                b = b.encode()
            return {">": np.greater, ">=": np.greater_equal, "<": np.less, "<=": np.less_equal, "==": np.equal,
                    "!=": np.not_equal}[op](a, b)  # fmt: skip
        if op == "+":
            return sum(ev[1:], ev[0])
        if op == "*":
            out = ev[0]
            for v in ev[1:]:
                out = out * v
            return out
        if op == "-":
            return -ev[0] if len(ev) == 1 else ev[0] - ev[1]
        if op == "/":
            return ev[0] / ev[1]
        if op == "min":
            return np.minimum.reduce([np.broadcast_to(v, frame.height) for v in ev])
        if op == "max":
            return np.maximum.reduce([np.broadcast_to(v, frame.height) for v in ev])
        if op == "in":
            needle, hay = ev
            if isinstance(hay, list):
                return np.isin(needle, [h.encode() if isinstance(h, str) else h for h in hay])
            return np.char.find(hay, needle.encode()) >= 0
        if op == "growth":
            base = get(A.resolve(growth_attr(args[0], args[1]), REFERENCE_DATE))
            cur = get(A.resolve(growth_attr(args[0], args[2]), REFERENCE_DATE))
            return np.where(base > 0, (cur - base) / np.where(base > 0, base, 1), 0)
        if op == "industry_prefix":
            codes = get("industry_code")
            return np.logical_or.reduce([np.char.startswith(codes, p.encode()) for p in args])
        if op == "division_under":
            paths = get("division_path")
            return np.logical_or.reduce([np.char.find(paths, f"/{d}/".encode()) >= 0 for d in args])
        if op == "certified":
            return get(args[0])
        if op == "has_tag":
            return np.char.find(get("tags"), args[0].encode()) >= 0
        if op == "within_years":
            d = ev[0]
            return (d > np.datetime64(A.years_ago(REFERENCE_DATE, args[1]))) & (d <= np.datetime64(REFERENCE_DATE))
        raise ValueError(op)

    def text(array, name):
        return array  # texts stay bytes (numpy |S, as OpenFisca keeps them); literals are encoded to match

    def formulas(c, i):  # OpenFisca reads a formula's parameter names: no default arguments here
        def eligible(enterprise, period):
            return np_eval(c.condition, lambda n: text(enterprise(n, period), n))

        def amount(enterprise, period):
            ok = enterprise(f"eligible_{i}", period)
            value = 0.0 if c.amount is None else np_eval(c.amount, lambda n: text(enterprise(n, period), n))
            return np.where(ok, value, 0.0)

        return eligible, amount

    clauses = engine_clauses()
    for i, c in enumerate(clauses):
        eligible, amount = formulas(c, i)
        base = {"entity": Enterprise, "definition_period": periods.DateUnit.YEAR}
        variables.append(type(f"eligible_{i}", (Variable,), {**base, "value_type": bool, "formula": eligible}))
        variables.append(type(f"amount_{i}", (Variable,), {**base, "value_type": float, "formula": amount}))

    system = TaxBenefitSystem([Enterprise])
    for v in variables:
        system.add_variable(v)
    flat = frame.with_columns(pl.col("tags").list.join(";"))
    columns = {}
    for name, (vtype, default) in types.items():
        s = flat.get_column(name).fill_null(default)
        values = s.to_numpy()
        if vtype is dt.date:
            values = values.astype("datetime64[D]")
        elif vtype is str:
            values = np.char.encode(values.astype(str), "utf-8")
        columns[name] = values
    times = []
    for _ in range(runs):
        sim = SimulationBuilder().build_default_simulation(system, count=frame.height)
        for name, values in columns.items():
            sim.set_input(name, periods.period("2025"), values)
        started = time.perf_counter()
        for i in range(len(clauses)):
            sim.calculate(f"eligible_{i}", periods.period("2025"))
            sim.calculate(f"amount_{i}", periods.period("2025"))
        times.append(time.perf_counter() - started)
    return median(times), None


def pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_BASE + "postgres", autocommit=True) as conn:
        conn.execute(sql)


def manage(env: dict, *argv: str) -> None:
    done = subprocess.run([str(VENV_PYTHON), "manage.py", *argv], env={**os.environ, **env}, cwd=ROOT,
                          capture_output=True, text=True, timeout=3600)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(argv)} failed:\n{done.stderr[-3000:]}")


def main(args) -> dict:
    import polars as pl

    from enterprises.synthetic import synthetic_register

    figures: dict = {"n": args.n, "clauses": len(engine_clauses()), "cpus": os.cpu_count()}
    notes: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        frame = synthetic_register(args.n, seed=1)
        parquet = str(Path(tmp) / "register.parquet")
        frame.write_parquet(parquet)
        if args.only_pg:
            del frame
        else:
            figures |= in_memory(args, frame, parquet, notes)
            del frame
        del pl

        for key in ("recompute_pg_s", "recompute_peak_mb", "one_enterprise_ms", "one_clause_ms",
                    "import_csv_100k_s", "import_xlsx_100k_s"):  # fmt: skip
            figures.setdefault(key, None)
        if not args.skip_pg:
            figures |= postgresql(args, tmp, notes)
    figures["notes"] = notes
    return figures


def in_memory(args, frame, parquet, notes) -> dict:
    """The engine, DuckDB, the naive loop and OpenFisca on the snapshot in memory."""
    figures = child(["--child", "eval", "--parquet", parquet, "--runs", str(args.runs)])
    try:
        figures |= child(["--child", "duckdb", "--parquet", parquet, "--runs", "3"])
    except Exception as e:  # a missing peer is a note, not a failure
        figures["duckdb_eval_s"] = None
        notes.append(f"duckdb: {str(e)[-200:]}")
    figures["naive_extrapolated_s"] = naive(frame, min(args.n, 20_000))
    of, note = openfisca(frame, 3)
    figures["openfisca_s"] = of
    if note:
        notes.append(note)
    if of and figures["eval_s"]:
        figures["speedup_vs_openfisca"] = round(of / figures["eval_s"], 1)
    return figures


def postgresql(args, tmp, notes) -> dict:
    """A throwaway database with the register loaded by the enterprises app, and the demo clauses."""
    figures = {}
    env = {"DATABASE_URL": PG_BASE + PG_NAME, "DJANGO_SETTINGS_MODULE": "grassroots.settings", "DEBUG": "false",
           "SECRET_KEY": "bench-only-" + "x" * 50, "ALLOWED_HOSTS": "127.0.0.1"}  # fmt: skip
    pg_admin(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
    pg_admin(f"CREATE DATABASE {PG_NAME}")
    try:
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "load_divisions")
        started = time.perf_counter()
        manage(env, "register_synthetic", "--n", str(args.n), "--seed", "1", "--load")
        figures["load_register_s"] = round(time.perf_counter() - started, 1)
        manage(env, "shell", "-c", "from policies.services.catalogue import demo_load; demo_load()")
        figures |= child(["--child", "recompute", "--runs", str(args.runs)], env)
        if not args.only_pg:
            try:
                figures |= child(["--child", "import", "--tmp", tmp], env)
            except Exception as e:
                notes.append(f"import: {str(e)[-300:]}")
    except Exception as e:
        notes.append(f"postgresql: {str(e)[-500:]}")
    finally:
        pg_admin(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_500_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--only-pg", action="store_true", help="only the PostgreSQL figures (no peers, no import)")
    parser.add_argument("--child")
    parser.add_argument("--parquet")
    parser.add_argument("--tmp")
    args = parser.parse_args()
    if args.child:
        result = {"eval": lambda: child_eval(args.parquet, args.runs),
                  "duckdb": lambda: child_duckdb(args.parquet, args.runs),
                  "recompute": lambda: child_recompute(args.runs),
                  "import": lambda: child_import(args.tmp)}[args.child]()  # fmt: skip
        print(json.dumps(result))
    else:
        figures = main(args)
        for k, v in figures.items():
            if k != "notes":
                print(f"{k:28s} {v}")
        for note in figures["notes"]:
            print("note:", note)
        print(json.dumps(figures, ensure_ascii=False))
