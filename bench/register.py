#!/usr/bin/env python3
"""Benchmark of the market-entity register (市场主体): importing a register file, and the columnar
snapshot the policy engine reads.

    python bench/register.py                 # 100,000-row imports, 1.5 million-row snapshot
    python bench/register.py --n 5000 --snapshot-n 50000 --runs 2    # a quick smoke test

What it measures (medians of ``--runs`` runs, each in a fresh subprocess on an emptied register):

- ``register_import`` of a synthetic register of ``--n`` rows (every row valid, three years of figures)
  from CSV and from .xlsx: seconds, and the peak resident memory of the importing process in MB (the
  Python interpreter and Django included: VmHWM);
- the same CSV imported a second time: nothing changes (``reimport_csv_s``; ``reimport_changed`` must be 0);
- ``register_snapshot()`` of ``--snapshot-n`` enterprises loaded with ``register_load_frame`` (COPY);
- ``search_ms_1_5m``: the register page's name search over those enterprises (``--snapshot-n``; the
  key names its size), median of five names × three runs, count and first page, with the trigram
  index (pg_trgm GIN on ``name_search``, migration enterprises 0003); ``search_ms_1_5m_no_index``:
  the same with the index dropped (in a transaction rolled back), the figure before it;
- ``synthetic_register`` itself (``generate_1_5m_s`` is for the snapshot's size).

PostgreSQL only: a throwaway database ``grassroots_register_bench`` on BENCH_PG_URL (default
postgres://postgres@127.0.0.1:5432/), dropped afterwards. The last line printed is one JSON object.
"""

import argparse
import importlib.util
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
# The orchestration helpers are bench/ledger.py's (loaded by path: "ledger" is the Django app).
_spec = importlib.util.spec_from_file_location("bench_ledger", ROOT / "bench" / "ledger.py")
_ledger = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_ledger)
PG_BASE = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/").rstrip("/") + "/"
PG_NAME = "grassroots_register_bench"
ENV = {
    "DJANGO_SETTINGS_MODULE": "grassroots.settings",
    "DEBUG": "false",
    "SECRET_KEY": "bench-only-secret-key-not-for-production-" + "x" * 20,
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "TASKS_BACKEND": "db",  # the import enqueues the recompute of the matches: queued, not run, here
}


# =============================================================================================
# Workers: a subprocess each, with DATABASE_URL set; they print one JSON line


def _django():
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _empty_register():
    from django.db import connection

    from enterprises.models import Enterprise, EnterpriseYear, ImportRun

    with connection.cursor() as cursor:
        tables = [m._meta.db_table for m in (EnterpriseYear, Enterprise, ImportRun)]
        cursor.execute(f"TRUNCATE {', '.join(tables)}, enterprises_enterprise_members RESTART IDENTITY CASCADE")


def worker_import(args) -> dict:
    _django()
    from enterprises.services import register_import

    if not args.keep:
        _empty_register()
    baseline = _peak()
    started = time.perf_counter()
    with open(args.file, "rb") as f:
        run = register_import(file=f, filename=Path(args.file).name, actor=None)
    elapsed = time.perf_counter() - started
    peak = _peak()
    return {
        "s": elapsed,
        "peak_mb": peak,
        "baseline_mb": baseline,
        "created": run.created,
        "updated": run.updated,
        "unchanged": run.unchanged,
        "errors": run.error_rows,
    }


def worker_load(args) -> dict:
    _django()
    from enterprises.services import register_load_frame
    from enterprises.synthetic import synthetic_register

    _empty_register()
    started = time.perf_counter()
    frame = synthetic_register(args.n, seed=11)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    register_load_frame(frame)
    loaded = time.perf_counter() - started
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE enterprises_enterprise")
        cursor.execute("ANALYZE enterprises_enterpriseyear")
    return {"generate_s": generated, "load_s": loaded}


def worker_snapshot(args) -> dict:
    _django()
    from enterprises.selectors import register_snapshot

    started = time.perf_counter()
    frame = register_snapshot()
    elapsed = time.perf_counter() - started
    return {"s": elapsed, "rows": frame.height, "columns": len(frame.columns), "peak_mb": _peak()}


SEARCH_TERMS = ["信远鞋业", "瑞新餐饮", "晋江市晖恒", "远鑫石材有限", "鸿祥贸易商行"]


def worker_search(args) -> dict:
    """The register page's name search (search_q through the FilterSet, as the city administrator
    sees it: the count and the first page), over the loaded register; ``--no-index``: with the
    trigram index dropped, in a transaction rolled back afterwards (the figure before it)."""
    _django()
    from django.core.paginator import Paginator
    from django.db import connection, transaction

    from enterprises.filters import EnterpriseFilterSet
    from enterprises.models import Enterprise

    def once(term):
        qs = EnterpriseFilterSet({"q": term}, queryset=Enterprise.objects.all()).qs
        page = Paginator(qs, 50).get_page(1)
        return page.paginator.count, len(list(page.object_list))

    out = {}
    with transaction.atomic():
        if args.no_index:
            with connection.cursor() as cursor:
                cursor.execute("DROP INDEX IF EXISTS enterprise_name_search_trgm")
        times, found = [], {}
        for term in SEARCH_TERMS:
            once(term)  # warm
            for _ in range(3):
                started = time.perf_counter()
                found[term] = once(term)[0]
                times.append((time.perf_counter() - started) * 1000)
        out = {"ms": statistics.median(times), "found": found}
        transaction.set_rollback(True)
    return out


def _peak() -> float:
    """Peak RSS of this process (VmHWM: ru_maxrss would carry a parent's peak over exec)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_files(args) -> dict:
    _django()
    from enterprises.synthetic import synthetic_register, write_csv, write_xlsx

    frame = synthetic_register(args.n, seed=7)
    write_csv(frame, Path(args.dir) / "register.csv")
    write_xlsx(frame, Path(args.dir) / "register.xlsx")
    return {"rows": frame.height}


WORKERS = {"import": worker_import, "load": worker_load, "snapshot": worker_snapshot, "files": worker_files,
           "search": worker_search}  # fmt: skip


# =============================================================================================
# The orchestrator


def run_worker(name: str, env: dict, **kwargs) -> dict:
    return _ledger.run_worker(name, env, script=__file__, **kwargs)


manage = _ledger.manage


def pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_BASE + "postgres", autocommit=True) as conn:
        conn.execute(sql)


def median(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 3) if values else None


def main(args) -> dict:
    env = {**os.environ, **ENV, "DATABASE_URL": PG_BASE + PG_NAME}
    size = args.n
    label = f"{size // 1000}k" if size % 1000 == 0 else str(size)
    figures: dict = {"n": size, "snapshot_n": args.snapshot_n, "runs": args.runs, "notes": []}
    pg_admin(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
    pg_admin(f"CREATE DATABASE {PG_NAME}")
    try:
        manage(env, "migrate", "-v0")
        manage(env, "load_divisions")
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            run_worker("files", env, n=size, dir=tmp)
            print(f"files of {size} rows written in {time.perf_counter() - started:.1f}s", file=sys.stderr)
            for fmt in ("csv", "xlsx"):
                runs = [run_worker("import", env, file=f"{tmp}/register.{fmt}") for _ in range(args.runs)]
                for r in runs:
                    print(f"import {fmt}: {r}", file=sys.stderr)
                    if r["errors"] or r["created"] != size:
                        figures["notes"].append(f"import {fmt}: {r['errors']} bad rows, {r['created']} created")
                figures[f"import_{fmt}_{label}_s"] = median([r["s"] for r in runs])
                figures[f"import_{fmt}_{label}_peak_mb"] = median([r["peak_mb"] for r in runs])
                figures[f"import_{fmt}_rows_per_s"] = round(size / figures[f"import_{fmt}_{label}_s"])
            again = [run_worker("import", env, file=f"{tmp}/register.csv", keep=True) for _ in range(args.runs)]
            figures["reimport_csv_s"] = median([r["s"] for r in again])
            figures["reimport_changed"] = max(r["created"] + r["updated"] for r in again)
        load = run_worker("load", env, n=args.snapshot_n)
        figures["generate_snapshot_n_s"] = round(load["generate_s"], 3)
        figures["load_snapshot_n_s"] = round(load["load_s"], 3)
        snaps = [run_worker("snapshot", env) for _ in range(args.runs)]
        figures["snapshot_s"] = median([r["s"] for r in snaps])
        figures["snapshot_peak_mb"] = median([r["peak_mb"] for r in snaps])
        figures["snapshot_rows"] = snaps[0]["rows"]
        figures["snapshot_columns"] = snaps[0]["columns"]
        label_n = f"{args.snapshot_n / 1e6:g}m".replace(".", "_") if args.snapshot_n >= 1e6 else f"{args.snapshot_n}"
        before = run_worker("search", env, no_index=True)
        after = run_worker("search", env)
        figures[f"search_ms_{label_n}_no_index"] = round(before["ms"], 1)
        figures[f"search_ms_{label_n}"] = round(after["ms"], 1)
        figures["search_found"] = after["found"]
    finally:
        pg_admin(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000, help="rows of the imported files")
    parser.add_argument("--snapshot-n", type=int, default=1_500_000, help="enterprises in the snapshot")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--worker", choices=WORKERS)
    parser.add_argument("--file")
    parser.add_argument("--dir")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--no-index", "--no_index", dest="no_index", action="store_true")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(WORKERS[args.worker](args)))
        sys.exit(0)
    if Path(sys.executable).resolve() != VENV_PYTHON.resolve() and VENV_PYTHON.exists():
        os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), __file__, *sys.argv[1:]])
    result = main(args)
    if not result["notes"]:
        del result["notes"]
    print(json.dumps(result, ensure_ascii=False))
