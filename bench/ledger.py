#!/usr/bin/env python3
"""Benchmark of the ledger: how fast items enter it, and how the ledger page and export hold up at 100,000 items.

    python bench/ledger.py            # full sizes (a few minutes)
    python bench/ledger.py --quick    # small sizes, a smoke test in under a minute

What it measures (every figure is the median of several runs):

- items opened per second through the service layer (``item_open`` alone, each call its own
  transaction, as pages and the API call it) on SQLite and on PostgreSQL; ``item_open`` followed by
  ``item_dispatch`` (调度立账) is shown beside it;
- items opened per second through the HTTP API (``POST /api/items/`` with token auth) on PostgreSQL,
  with the site under gunicorn on 127.0.0.1 and as many concurrent clients as gunicorn workers;
- the floor: the same rows written with plain psycopg ``COPY`` (and ``executemany``) into a scratch
  table with the ledger's columns, and the ratio of the service rate to it;
- with 100,000 items in PostgreSQL (bulk-copied, not through the services): the first page of
  ``GET /ledger/`` as the city administrator, in ms, and ``GET /ledger/export/items.xlsx`` in s.

Each database is used by subprocesses with their own DATABASE_URL: SQLite in a temporary directory,
PostgreSQL in a throwaway database (``grassroots_bench`` on BENCH_PG_URL, default
postgres://postgres@127.0.0.1:5432/) that is dropped afterwards. Only loopback traffic.
The last line printed is one JSON object with the figures.
"""

import argparse
import concurrent.futures
import contextlib
import datetime as dt
import http.client
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
PG_BASE = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/").rstrip("/") + "/"
PG_NAME = "grassroots_bench"

SIZES = {
    # service items per run, runs; API items per run, runs; floor rows per run, runs; big table; page runs; export runs
    "full": dict(service=300, service_runs=5, api=400, api_runs=3, floor=20_000, floor_runs=5, big=100_000,
                 page_runs=7, export_runs=3, export_limit_s=1200),
    "quick": dict(service=40, service_runs=3, api=40, api_runs=2, floor=2_000, floor_runs=3, big=2_000,
                  page_runs=3, export_runs=2, export_limit_s=120),
}  # fmt: skip

BASE_ENV = {
    "DJANGO_SETTINGS_MODULE": "grassroots.settings",
    "DEBUG": "false",  # as in production: no query log, no debug pages
    "SECRET_KEY": "bench-only-secret-key-not-for-production-" + "x" * 20,
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "false",
    "SESSION_COOKIE_SECURE": "false",
    "CSRF_COOKIE_SECURE": "false",
    "SECURE_HSTS_SECONDS": "0",
    "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    "TASKS_BACKEND": "immediate",
}

# The request every opening sends, through the services and the API alike.
CATEGORY, DIVISION, DEPARTMENT, CALLTAKER, ADMIN = "0201", "350502001001", "350502-ZJJ", "calltaker", "admin"


def payload(i: int) -> dict:
    return {
        "title": f"金山路{i % 300 + 1}号路面塌陷",
        "description": f"金山路{i % 300 + 1}号门口路面出现塌陷，过往车辆和行人存在安全隐患，请尽快处理。（压测 {i}）",
        "kind": "problem",
        "channel": "hotline",
        "category": CATEGORY,
        "division": DIVISION,
        "submitter_type": "resident",
        "submitter_name": "王小明",
        "submitter_phone": "13812345678",
    }


# =============================================================================================
# Workers: run in a subprocess with DATABASE_URL set, print one JSON line


def _django():
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def worker_setup(_args) -> dict:
    """Divisions, categories, departments and logins (the demo without items), and an API token."""
    _django()
    from io import StringIO

    from django.contrib.auth.models import User
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    call_command("load_demo", items=0, apps=["org", "ledger"], stdout=StringIO())
    token, _ = Token.objects.get_or_create(user=User.objects.get(username=CALLTAKER))
    return {"token": token.key}


def worker_service(args) -> dict:
    """Items per second through item_open, and through item_open + item_dispatch."""
    _django()
    from django.contrib.auth.models import User

    from ledger.models import Category
    from ledger.services import item_dispatch, item_open
    from org.models import Department, Division

    actor = User.objects.select_related("person__division").get(username=CALLTAKER)
    category = Category.objects.select_related("parent").get(code=CATEGORY)
    division = Division.objects.get(code=DIVISION)
    department = Department.objects.select_related("division").get(code=DEPARTMENT)
    refs = {"category": category, "division": division}

    def open_one(i):
        return item_open(actor=actor, **(payload(i) | refs))

    open_one(0)  # warm up: first queries, caches
    opened, dispatched = [], []
    counter = 1
    for _ in range(args.runs):
        started = time.perf_counter()
        for _ in range(args.n):
            open_one(counter)
            counter += 1
        opened.append(args.n / (time.perf_counter() - started))
        started = time.perf_counter()
        for _ in range(args.n):
            item_dispatch(item=open_one(counter), actor=actor, department=department)
            counter += 1
        dispatched.append(args.n / (time.perf_counter() - started))
    return {"open": opened, "open_dispatch": dispatched}


def _columns(cursor, table: str) -> list[tuple[str, str, bool, bool]]:
    """(name, type, nullable, has default) of a table's columns, in order."""
    cursor.execute(
        "SELECT column_name, data_type, is_nullable = 'YES', column_default IS NOT NULL OR is_identity = 'YES' "
        "FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position",
        [table],
    )
    return cursor.fetchall()


def _blank(kind: str, nullable: bool):
    if nullable:
        return None
    if kind in ("integer", "bigint", "smallint", "numeric"):
        return 0
    if kind == "boolean":
        return False
    if kind == "jsonb":
        return "{}"
    return ""


def _refs(cursor) -> dict:
    def one(sql, *params):
        cursor.execute(sql, params)
        return cursor.fetchone()

    return {
        "category_id": one("SELECT id FROM ledger_category WHERE code = %s", CATEGORY)[0],
        "division": one("SELECT id, path FROM org_division WHERE code = %s", DIVISION),
        "first_receiver_id": one("SELECT id FROM auth_user WHERE username = %s", CALLTAKER)[0],
    }


def worker_floor(args) -> dict:
    """The floor: the same item rows with plain psycopg, COPY and executemany, into a scratch table."""
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"]) as conn, conn.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_floor")
        cur.execute("CREATE TABLE bench_floor (LIKE ledger_item INCLUDING DEFAULTS INCLUDING IDENTITY)")
        conn.commit()
        columns = [c for c in _columns(cur, "bench_floor") if c[0] != "id"]
        refs = _refs(cur)
        now = dt.datetime.now(dt.UTC)

        def rows(start):
            for i in range(start, start + args.n):
                known = payload(i) | {
                    "number": f"F{i:012d}",
                    "category_id": refs["category_id"],
                    "division_id": refs["division"][0],
                    "division_path": refs["division"][1],
                    "first_receiver_id": refs["first_receiver_id"],
                    "status": "open",
                    "priority": "normal",
                    "opened_at": now,
                    "updated_at": now,
                    "version": 1,
                }
                yield [known[name] if name in known else _blank(kind, nullable) for name, kind, nullable, _d in columns]

        names = ", ".join(c[0] for c in columns)
        copy_rates, many_rates = [], []
        for run in range(args.runs):
            cur.execute("TRUNCATE bench_floor")
            conn.commit()
            batch = list(rows(run * args.n))
            started = time.perf_counter()
            with cur.copy(f"COPY bench_floor ({names}) FROM STDIN") as copy:
                for row in batch:
                    copy.write_row(row)
            conn.commit()
            copy_rates.append(args.n / (time.perf_counter() - started))

            cur.execute("TRUNCATE bench_floor")
            conn.commit()
            marks = ", ".join(["%s"] * len(columns))
            started = time.perf_counter()
            cur.executemany(f"INSERT INTO bench_floor ({names}) VALUES ({marks})", batch)
            conn.commit()
            many_rates.append(args.n / (time.perf_counter() - started))
        cur.execute("DROP TABLE bench_floor")
        conn.commit()
    return {"copy": copy_rates, "executemany": many_rates}


def worker_bulk(args) -> dict:
    """N items straight into ledger_item with COPY (not through the services), spread over a year,
    every status, the demo's villages, categories and departments; then a session for the admin."""
    _django()
    import psycopg
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.test import Client

    from ledger.models import Category, Status
    from org.models import Department, Division, Person, Role

    rng = random.Random(7)
    categories = list(Category.objects.exclude(parent=None).values_list("id", flat=True))
    villages = list(Division.objects.filter(level="village").values_list("id", "path"))
    departments = [(d.id, d.division.path) for d in Department.objects.select_related("division")]
    receivers = list(Person.objects.filter(role=Role.CALL_TAKER).values_list("user_id", "division__path"))
    statuses = [s for s in Status.values if s != Status.MERGED]  # a merged item needs the item it joined
    weights = [5, 5, 2, 15, 3, 5, 5, 60]
    now = dt.datetime.now(dt.UTC)
    kinds = ["problem", "complaint", "request", "consultation", "suggestion", "report", "dispute", "petition"]
    channels = ["hotline", "visit", "symposium", "research", "online_campaign", "neighbourhood_centre"]

    with psycopg.connect(os.environ["DATABASE_URL"]) as conn, conn.cursor() as cur:
        columns = [c for c in _columns(cur, "ledger_item") if c[0] != "id"]
        names = ", ".join(c[0] for c in columns)
        fits: dict[str, list] = {}
        started = time.perf_counter()
        with cur.copy(f"COPY ledger_item ({names}) FROM STDIN") as copy:
            for i in range(args.n):
                division_id, path = rng.choice(villages)
                receiver = rng.choice([r for r in receivers if path.startswith(r[1])] or receivers)[0]
                status = rng.choices(statuses, weights)[0]
                opened = now - dt.timedelta(days=rng.uniform(0.1, 365))
                dispatched = opened + dt.timedelta(hours=rng.uniform(0.2, 6)) if status != "open" else None
                if path not in fits:
                    fits[path] = [d for d in departments if path.startswith(d[1])]
                fit = fits[path]
                department = rng.choice(fit)[0] if dispatched and status != "returned" else None
                resolved = dispatched + dt.timedelta(days=rng.uniform(1, 9)) if status in (
                    "resolved", "called_back", "closed"
                ) else None  # fmt: skip
                known = payload(i) | {
                    "number": f"{opened:%Y%m%d}B{i:07d}",
                    "kind": rng.choice(kinds),
                    "channel": rng.choice(channels),
                    "category_id": rng.choice(categories),
                    "division_id": division_id,
                    "division_path": path,
                    "first_receiver_id": receiver,
                    "department_id": department,
                    "status": status,
                    "priority": "normal",
                    "opened_at": opened,
                    "dispatched_at": dispatched,
                    "acknowledged_at": dispatched + dt.timedelta(hours=2) if department else None,
                    "acknowledge_due": dispatched + dt.timedelta(days=1) if department else None,
                    "resolve_due": dispatched + dt.timedelta(days=9) if department else None,
                    "resolved_at": resolved,
                    "closed_at": resolved + dt.timedelta(days=2) if status == "closed" else None,
                    "satisfaction": "satisfied" if status in ("called_back", "closed") else "",
                    "updated_at": resolved or dispatched or opened,
                    "version": 1,
                }
                copy.write_row(
                    [known[n] if n in known else _blank(kind, nullable) for n, kind, nullable, _d in columns]
                )
        conn.commit()
        cur.execute("ANALYZE ledger_item")
        conn.commit()
        elapsed = time.perf_counter() - started
        cur.execute("SELECT count(*) FROM ledger_item")
        total = cur.fetchone()[0]

    client = Client()
    client.force_login(User.objects.get(username=ADMIN), backend="django.contrib.auth.backends.ModelBackend")
    return {
        "rows_per_s": args.n / elapsed,
        "items": total,
        "session": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "cookie": settings.SESSION_COOKIE_NAME,
    }


WORKERS = {"setup": worker_setup, "service": worker_service, "floor": worker_floor, "bulk": worker_bulk}


# =============================================================================================
# The orchestrator


def run_worker(name: str, env: dict, script: str = __file__, **kwargs) -> dict:
    """Run ``script --worker name`` in a subprocess with ``env``; its last stdout line is JSON.
    Keyword arguments become options (``True`` a bare flag, ``False`` left out)."""
    argv = [str(VENV_PYTHON), script, "--worker", name]
    for key, value in kwargs.items():
        if value is True:
            argv.append(f"--{key}")
        elif value is not False:
            argv.append(f"--{key}={value}")
    done = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"worker {name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def manage(env: dict, *argv: str) -> None:
    done = subprocess.run(
        [str(VENV_PYTHON), "manage.py", *argv], env=env, cwd=ROOT, capture_output=True, text=True, timeout=1800
    )
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(argv)} failed:\n{done.stderr[-3000:]}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(env: dict, task_worker: bool = False):
    """The site under gunicorn on a free loopback port, and with ``task_worker`` the task worker
    (manage.py db_worker) beside it; yields (port, workers)."""
    port = free_port()
    background = None
    if task_worker:
        background = subprocess.Popen(
            [str(VENV_PYTHON), "manage.py", "db_worker", "--no-reload", "--interval=0.2"],
            env=env | {"TASKS_BACKEND": "db"},
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    workers = min(8, 2 * (os.cpu_count() or 1) + 1)
    proc = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "grassroots.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            f"--workers={workers}",
            "--timeout=900",
            "--log-level=warning",
        ],
        env=env | {"DB_CONN_MAX_AGE": "60"} | ({"TASKS_BACKEND": "db"} if task_worker else {}),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(300):  # up to 30 s
            if proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {proc.stderr.read()[-2000:]}")
            with contextlib.suppress(OSError):
                if request(port, "GET", "/login/")[0] == 200:
                    break
            time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not answer within 30 s")
        yield port, workers
    finally:
        for p in (proc, background):
            if p is None:
                continue
            p.terminate()
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()


def request(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return response.status, dict(response.getheaders()), data
    finally:
        conn.close()


def api_rate(port: int, clients: int, token: str, n: int, start: int) -> tuple[float, int]:
    """POST n items with ``clients`` concurrent clients; returns (items/s, failures)."""
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}

    def post(i):
        status, _h, data = request(port, "POST", "/api/items/", json.dumps(payload(i)).encode(), headers)
        if status != 201:
            return f"{status}: {data[:300].decode(errors='replace')}"
        return None

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        errors = [e for e in pool.map(post, range(start, start + n)) if e]
    elapsed = time.perf_counter() - started
    if errors:
        print(f"  API: {len(errors)} of {n} requests failed, e.g. {errors[0]}", file=sys.stderr)
    return n / elapsed, len(errors)


def pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_BASE + "postgres", autocommit=True) as conn:
        conn.execute(sql)


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def main(quick: bool) -> dict:
    size = SIZES["quick" if quick else "full"]
    notes: list[str] = []
    figures: dict = {"mode": "quick" if quick else "full", "big_items": size["big"]}

    # SQLite ---------------------------------------------------------------------------------
    tmp = Path(tempfile.mkdtemp(prefix="grassroots-bench-"))
    try:
        env = os.environ | BASE_ENV | {"DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}"}
        print("SQLite: migrating and loading the reference data…", file=sys.stderr)
        manage(env, "migrate", "--noinput", "-v0")
        run_worker("setup", env)
        service = run_worker("service", env, n=size["service"], runs=size["service_runs"])
        figures["service_items_per_s_sqlite"] = median(service["open"])
        figures["service_open_dispatch_items_per_s_sqlite"] = median(service["open_dispatch"])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    # PostgreSQL -----------------------------------------------------------------------------
    try:
        pg_admin(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
        pg_admin(f"CREATE DATABASE {PG_NAME}")
    except Exception as e:  # no PostgreSQL here: report what we have
        notes.append(f"PostgreSQL not reachable at {PG_BASE}: {e}")
        return figures | {"notes": notes}
    media = Path(tempfile.mkdtemp(prefix="grassroots-bench-media-"))  # the export jobs' files
    try:
        env = os.environ | BASE_ENV | {"DATABASE_URL": PG_BASE + PG_NAME, "MEDIA_ROOT": str(media)}
        print("PostgreSQL: migrating and loading the reference data…", file=sys.stderr)
        manage(env, "migrate", "--noinput", "-v0")
        token = run_worker("setup", env)["token"]
        print("PostgreSQL: service layer…", file=sys.stderr)
        service = run_worker("service", env, n=size["service"], runs=size["service_runs"])
        figures["service_items_per_s_pg"] = median(service["open"])
        figures["service_open_dispatch_items_per_s_pg"] = median(service["open_dispatch"])
        print("PostgreSQL: floor (COPY, executemany)…", file=sys.stderr)
        floor = run_worker("floor", env, n=size["floor"], runs=size["floor_runs"])
        figures["floor_rows_per_s_pg"] = median(floor["copy"])
        figures["floor_executemany_rows_per_s_pg"] = median(floor["executemany"])

        with gunicorn(env) as (port, workers):
            figures["gunicorn_workers"] = workers
            print(f"PostgreSQL: POST /api/items/ with {workers} clients…", file=sys.stderr)
            status, _h, _d = request(port, "POST", "/api/items/", b"{}", {"Content-Type": "application/json"})
            if status == 404:
                notes.append("POST /api/items/ is not there (404): API figure not measured")
            else:
                rates, failed = [], 0
                for run in range(size["api_runs"]):
                    rate, errors = api_rate(port, workers, token, size["api"], 1_000_000 + run * size["api"])
                    rates.append(rate)
                    failed += errors
                figures["api_items_per_s_pg"] = median(rates) if not failed else None
                if failed:
                    notes.append(f"POST /api/items/: {failed} requests failed; API figure withheld")

        print(f"PostgreSQL: bulk-copying {size['big']:,} items…", file=sys.stderr)
        bulk = run_worker("bulk", env, n=size["big"])
        figures["bulk_copy_rows_per_s_pg"] = bulk["rows_per_s"]
        figures["items_in_db"] = bulk["items"]
        cookie = {"Cookie": f"{bulk['cookie']}={bulk['session']}"}
        with gunicorn(env, task_worker=True) as (port, _workers):
            print("PostgreSQL: GET /ledger/ and the .xlsx export…", file=sys.stderr)
            figures["ledger_page_ms_100k"] = timed_get(port, "/ledger/", cookie, size["page_runs"], notes)
            exports = [
                timed_export(port, "/ledger/export/items.xlsx", cookie, notes, size["export_limit_s"])
                for _ in range(size["export_runs"])
            ]
            if all(e is not None for e in exports):
                figures["xlsx_export_s_100k"] = statistics.median(e[0] for e in exports)
                figures["xlsx_export_mode"] = exports[0][1]
    finally:
        shutil.rmtree(media, ignore_errors=True)
        with contextlib.suppress(Exception):
            pg_admin(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")

    service_pg, floor_pg = figures.get("service_items_per_s_pg"), figures.get("floor_rows_per_s_pg")
    figures["service_to_floor_ratio_pg"] = service_pg / floor_pg if service_pg and floor_pg else None
    return figures | {"notes": notes}


def timed_get(port: int, path: str, headers: dict, runs: int, notes: list) -> float | None:
    """The median time of GET ``path`` in ms, after one warm-up request."""
    request(port, "GET", path, headers=headers)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        status, response_headers, _body = request(port, "GET", path, headers=headers)
        elapsed = time.perf_counter() - started
        if status != 200:
            notes.append(f"GET {path}: {status} {response_headers.get('Location', '')}: not measured")
            return None
        times.append(elapsed * 1000)
    return statistics.median(times)


def timed_export(port: int, path: str, headers: dict, notes: list, limit_s: float = 1800) -> tuple[float, str] | None:
    """Seconds until the user has the whole file: the answer itself, or, for a large list, the
    export job it redirects to, whose download is polled until the task worker has written it."""
    started = time.perf_counter()
    status, response_headers, body = request(port, "GET", path, headers=headers)
    mode = "sync"
    if status == 302 and "/exports/" in response_headers.get("Location", ""):
        mode = "job"
        download = response_headers["Location"].split("?")[0].rstrip("/") + "/download/"
        while time.perf_counter() - started < limit_s:
            status, response_headers, body = request(port, "GET", download, headers=headers)
            if status == 200:
                break
            time.sleep(0.2)
    elapsed = time.perf_counter() - started
    if status != 200:
        notes.append(f"GET {path}: {status} {response_headers.get('Location', '')}: not measured")
        return None
    if not body.startswith(b"PK"):
        notes.append(f"GET {path}: the answer is not an .xlsx file")
        return None
    return elapsed, mode


def table(f: dict) -> str:
    def fmt(value, digits=0):
        if value is None:
            return "—"
        return f"{value:,.{digits}f}"

    big = f"{f['big_items']:,}"
    rows = [
        ("item_open via services (items/s)", fmt(f.get("service_items_per_s_sqlite")),
         fmt(f.get("service_items_per_s_pg"))),
        ("item_open + item_dispatch via services (items/s)", fmt(f.get("service_open_dispatch_items_per_s_sqlite")),
         fmt(f.get("service_open_dispatch_items_per_s_pg"))),
        (f"POST /api/items/, gunicorn ×{f.get('gunicorn_workers', '?')} (items/s)", "",
         fmt(f.get("api_items_per_s_pg"))),
        ("floor: psycopg COPY, scratch table (rows/s)", "", fmt(f.get("floor_rows_per_s_pg"))),
        ("floor: psycopg executemany (rows/s)", "", fmt(f.get("floor_executemany_rows_per_s_pg"))),
        ("service item_open / COPY floor", "", fmt(f.get("service_to_floor_ratio_pg"), 4)),
        (f"GET /ledger/ first page, {big} items (ms)", "", fmt(f.get("ledger_page_ms_100k"), 1)),
        (f"GET /ledger/export/items.xlsx, {big} items, {f.get('xlsx_export_mode', '?')} (s)", "",
         fmt(f.get("xlsx_export_s_100k"), 2)),
    ]  # fmt: skip
    width = max(len(r[0]) for r in rows) + 2
    lines = [f"Grassroots ledger benchmark ({f['mode']}; medians)", f"{'':{width}}{'SQLite':>12}{'PostgreSQL':>14}"]
    lines += [f"{name:{width}}{a:>12}{b:>14}" for name, a, b in rows]
    lines += [f"note: {n}" for n in f.get("notes", [])]
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test in under a minute")
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, default=100, help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(WORKERS[args.worker](args)))
        sys.exit(0)
    if not VENV_PYTHON.exists():
        sys.exit("no .venv: run ./bin/run or ./bin/test once first (or: . bin/setup-venv dev)")
    if Path(sys.prefix).resolve() != VENV_PYTHON.parent.parent.resolve():
        os.execv(VENV_PYTHON, [str(VENV_PYTHON), __file__, *sys.argv[1:]])  # psycopg and Django live there
    figures = main(args.quick)
    print(table(figures))
    print(json.dumps(figures, ensure_ascii=False))
