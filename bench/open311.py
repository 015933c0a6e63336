#!/usr/bin/env python3
"""Benchmark of the Open311 GeoReport v2 endpoint under gunicorn on PostgreSQL.

    python bench/open311.py            # full sizes: 100,000 items in the list
    python bench/open311.py --quick    # small sizes, a smoke test

What it measures (every figure is the median of several runs):

- POST /open311/v2/requests.json per second (form-encoded, as FixMyStreet sends it, with an
  api_key whose rate limit is raised for the run), with as many concurrent clients as gunicorn
  workers; each POST opens an item through ledger.services.item_open;
- with 100,000 items bulk-copied into ledger_item (bench/ledger.py's bulk worker): GET
  /open311/v2/requests.json (the default 90-day window, the default page), in ms; the same in XML,
  with page_size=500, and one request by id beside it.

It reuses bench/ledger.py's helpers (throwaway PostgreSQL database, gunicorn on a free loopback port,
the demo's reference data, the bulk loader) by importing that file. The database is
``grassroots_bench_open311`` on BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/), dropped
afterwards. The last line printed is one JSON object with post_per_s and list_ms_100k.
"""

import argparse
import concurrent.futures
import contextlib
import importlib.util
import json
import os
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("bench_ledger", ROOT / "bench" / "ledger.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

PG_NAME = "grassroots_bench_open311"
SIZES = {
    "full": dict(post=400, post_runs=3, big=100_000, list_runs=7),
    "quick": dict(post=40, post_runs=2, big=2_000, list_runs=3),
}


def post_body(key: str, i: int) -> dict:
    return {
        "api_key": key,
        "service_code": bench.CATEGORY,
        "description": f"金山路{i % 300 + 1}号门口路面出现塌陷，过往车辆和行人存在安全隐患，请尽快处理。（压测 {i}）",
        "address_string": f"鲤城区海滨街道金山路{i % 300 + 1}号",
        "lat": "24.9",
        "long": "118.58",
        "first_name": "小明",
        "last_name": "王",
        "phone": "13812345678",
    }


def worker_key(_args) -> dict:
    """A client app for the benchmark, with a rate limit high enough for the run, and its key."""
    bench._django()
    from open311 import services
    from org.actor import SYSTEM
    from org.models import Division

    client = services.client_create(
        name="bench", division=Division.objects.filter(parent=None).order_by("code").first(), rate_limit=10**9
    )
    return {"key": services.key_create(client=client, actor=SYSTEM)[1]}


WORKERS = {"key": worker_key}


def run_worker(name: str, env: dict, **kwargs) -> dict:
    return bench.run_worker(name, env, script=__file__, **kwargs)


def post_rate(port: int, clients: int, key: str, n: int, start: int) -> tuple[float, int]:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}

    def post(i):
        body = urllib.parse.urlencode(post_body(key, i)).encode()
        status, _h, data = bench.request(port, "POST", "/open311/v2/requests.json", body, headers)
        return None if status == 201 else f"{status}: {data[:300].decode(errors='replace')}"

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        errors = [e for e in pool.map(post, range(start, start + n)) if e]
    elapsed = time.perf_counter() - started
    if errors:
        print(f"  POST: {len(errors)} of {n} failed, e.g. {errors[0]}", file=sys.stderr)
    return n / elapsed, len(errors)


def main(quick: bool) -> dict:
    size = SIZES["quick" if quick else "full"]
    notes: list[str] = []
    figures: dict = {"mode": "quick" if quick else "full", "big_items": size["big"]}
    try:
        bench.pg_admin(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
        bench.pg_admin(f"CREATE DATABASE {PG_NAME}")
    except Exception as e:
        notes.append(f"PostgreSQL not reachable at {bench.PG_BASE}: {e}")
        return figures | {"post_per_s": None, "list_ms_100k": None, "notes": notes}
    try:
        env = os.environ | bench.BASE_ENV | {"DATABASE_URL": bench.PG_BASE + PG_NAME}
        print("PostgreSQL: migrating and loading the reference data…", file=sys.stderr)
        bench.manage(env, "migrate", "--noinput", "-v0")
        bench.run_worker("setup", env)
        key = run_worker("key", env)["key"]
        with bench.gunicorn(env) as (port, workers):
            figures["gunicorn_workers"] = workers
            print(f"PostgreSQL: POST /open311/v2/requests.json with {workers} clients…", file=sys.stderr)
            post_rate(port, workers, key, 10, 0)  # warm up every worker
            rates, failed = [], 0
            for run in range(size["post_runs"]):
                rate, errors = post_rate(port, workers, key, size["post"], 1_000 + run * size["post"])
                rates.append(rate)
                failed += errors
            figures["post_per_s"] = bench.median(rates) if not failed else None
            if failed:
                notes.append(f"POST: {failed} requests failed; figure withheld")

        print(f"PostgreSQL: bulk-copying {size['big']:,} items…", file=sys.stderr)
        bulk = bench.run_worker("bulk", env, n=size["big"])
        figures["items_in_db"] = bulk["items"]
        with bench.gunicorn(env) as (port, workers):
            print("PostgreSQL: GET /open311/v2/requests…", file=sys.stderr)
            for _ in range(2 * workers):  # warm up every worker: first queries, imports
                bench.request(port, "GET", "/open311/v2/requests.json")
            runs = size["list_runs"]
            figures["list_ms_100k"] = bench.timed_get(port, "/open311/v2/requests.json", {}, runs, notes)
            figures["list_xml_ms_100k"] = bench.timed_get(port, "/open311/v2/requests.xml", {}, runs, notes)
            figures["list_500_ms_100k"] = bench.timed_get(
                port, "/open311/v2/requests.json?page_size=500", {}, runs, notes
            )
            figures["list_closed_ms_100k"] = bench.timed_get(
                port, "/open311/v2/requests.json?status=closed&extensions=true", {}, runs, notes
            )
            _s, _h, body = bench.request(port, "GET", "/open311/v2/requests.json?page_size=1")
            number = json.loads(body)[0]["service_request_id"] if body.startswith(b"[{") else None
            if number:
                figures["one_ms_100k"] = bench.timed_get(port, f"/open311/v2/requests/{number}.json", {}, runs, notes)
    finally:
        with contextlib.suppress(Exception):
            bench.pg_admin(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
    return figures | {"notes": notes}


def table(f: dict) -> str:
    def fmt(value, digits=0):
        return "—" if value is None else f"{value:,.{digits}f}"

    big = f"{f['big_items']:,}"
    rows = [
        (f"POST /open311/v2/requests.json, gunicorn ×{f.get('gunicorn_workers', '?')} (requests/s)",
         fmt(f.get("post_per_s"))),
        (f"GET requests.json, default page, {big} items (ms)", fmt(f.get("list_ms_100k"), 1)),
        (f"GET requests.xml, default page, {big} items (ms)", fmt(f.get("list_xml_ms_100k"), 1)),
        (f"GET requests.json?page_size=500, {big} items (ms)", fmt(f.get("list_500_ms_100k"), 1)),
        (f"GET requests.json?status=closed&extensions=true, {big} items (ms)", fmt(f.get("list_closed_ms_100k"), 1)),
        (f"GET requests/<id>.json, {big} items (ms)", fmt(f.get("one_ms_100k"), 1)),
    ]  # fmt: skip
    width = max(len(r[0]) for r in rows) + 2
    lines = [f"Grassroots Open311 benchmark ({f['mode']}; PostgreSQL; medians)"]
    lines += [f"{name:{width}}{value:>12}" for name, value in rows]
    lines += [f"note: {n}" for n in f.get("notes", [])]
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test")
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(WORKERS[args.worker](args)))
        sys.exit(0)
    if not bench.VENV_PYTHON.exists():
        sys.exit("no .venv: run ./bin/run or ./bin/test once first (or: . bin/setup-venv dev)")
    if Path(sys.prefix).resolve() != bench.VENV_PYTHON.parent.parent.resolve():
        os.execv(bench.VENV_PYTHON, [str(bench.VENV_PYTHON), __file__, *sys.argv[1:]])
    figures = main(args.quick)
    print(table(figures))
    print(json.dumps(figures, ensure_ascii=False))
