"""``manage.py policies match``: the matching engine on files, so anyone can check it on their own data.

    python manage.py policies match --register FILE.csv --clauses FILE.json --out FILE.csv \
        [--reference-date YYYY-MM-DD]
    python manage.py policies recompute [--clause CODE] [--enterprise CREDIT_CODE] [--no-notify]
    python manage.py policies expire [--today YYYY-MM-DD] [--every MINUTES]

``recompute`` recomputes the stored matches of the published clauses from the register in the
database (all of them, one clause, or one enterprise), then notifies the enterprises of their new
eligible matches, as the background task (policies.tasks.recompute) does; it prints the counts and
the seconds taken.

``expire`` expires the published policies whose expiry date has passed (policies.services.expiry.policies_expire)
and prints how many; with ``--every MINUTES`` it enqueues instead a recurring task (policies.tasks.expire)
that does so every MINUTES, run by the task worker (like ``manage.py reconcile --every``).

``--clauses`` is a JSON list of {"id", "condition", "amount"} (JSON Logic; amount optional). The output
has one row per enterprise and clause: clause_id, credit_code, result (eligible / ineligible / unknown),
amount, missing. The last line printed is one JSON object with the counts and the seconds taken.
"""

import datetime as dt
import json
import time

from django.core.management.base import BaseCommand, CommandError

from org.actor import SYSTEM
from policies.jsonlogic.compile_polars import Clause, evaluate, to_long
from policies.jsonlogic.validate import RuleError, check_amount, check_condition
from policies.models import PolicyClause, PolicyStatus
from policies.register import read_register
from policies.services.delivery import notify_matches
from policies.services.expiry import policies_expire
from policies.services.matching import matches_refresh
from policies.tasks import expire


def load_clauses(path: str) -> list[Clause]:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        raise CommandError(f"{path}: {e}") from e
    if not isinstance(data, list):
        raise CommandError(f"{path}: expected a JSON list of {{id, condition, amount}}")
    clauses, seen = [], set()
    for n, item in enumerate(data):
        if not isinstance(item, dict) or "id" not in item or "condition" not in item:
            raise CommandError(f"{path}: entry {n} needs an id and a condition")
        cid = str(item["id"])
        if cid in seen:
            raise CommandError(f"{path}: clause id {cid!r} appears twice")
        seen.add(cid)
        try:
            check_condition(item["condition"])
        except RuleError as e:
            raise CommandError(f"clause {cid}: condition {e}") from e
        try:
            check_amount(item.get("amount"))
        except RuleError as e:
            raise CommandError(f"clause {cid}: amount {e}") from e
        clauses.append(Clause(cid, item["condition"], item.get("amount")))
    return clauses


class Command(BaseCommand):
    help = "The policy matching engine (政策找企). Subcommands: match, recompute, expire."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        match = sub.add_parser("match", help="match a register file against a clauses file")
        match.add_argument("--register", required=True, help="CSV (or .xlsx) with the documented attribute columns")
        match.add_argument("--clauses", required=True, help='JSON list of {"id", "condition", "amount"}')
        match.add_argument("--out", required=True, help="CSV to write")
        match.add_argument("--reference-date", type=dt.date.fromisoformat, default=None)
        recompute = sub.add_parser("recompute", help="recompute the stored matches from the register")
        recompute.add_argument("--clause", action="append", default=None, help="a clause code (repeatable)")
        recompute.add_argument("--enterprise", action="append", default=None, help="a credit code (repeatable)")
        recompute.add_argument("--reference-date", type=dt.date.fromisoformat, default=None)
        recompute.add_argument("--no-notify", action="store_true", help="do not push the new matches")
        expire = sub.add_parser("expire", help="expire the published policies whose expiry date has passed")
        expire.add_argument("--today", type=dt.date.fromisoformat, default=None, help="YYYY-MM-DD (default: today)")
        every = "instead of running now, enqueue a recurring task that runs every MINUTES (needs a worker)"
        expire.add_argument("--every", type=int, default=0, metavar="MINUTES", help=every)

    def handle(self, *args, **options):
        if options["subcommand"] == "match":
            return self.match(**options)
        if options["subcommand"] == "recompute":
            return self.recompute(**options)
        if options["subcommand"] == "expire":
            return self.expire(**options)

    def expire(self, today=None, every=0, **_):
        if every:
            result = expire.enqueue(every)
            self.stdout.write(f"enqueued recurring expire task {result.id} every {every} minutes")
            return
        self.stdout.write(json.dumps({"expired": policies_expire(today=today, actor=SYSTEM)}))

    def recompute(self, clause=None, enterprise=None, reference_date=None, no_notify=False, **_):
        clause_ids = None
        if clause:
            found = dict(PolicyClause.objects.filter(code__in=clause).values_list("code", "policy__status"))
            unknown = [c for c in clause if c not in found]
            if unknown:
                raise CommandError(f"unknown clause: {', '.join(unknown)}")
            drafts = [c for c in clause if found[c] != PolicyStatus.PUBLISHED]
            if drafts:
                raise CommandError(f"not in a published policy (nothing is matched): {', '.join(drafts)}")
            clause_ids = list(PolicyClause.objects.filter(code__in=clause).values_list("pk", flat=True))
        counts = matches_refresh(clause_ids=clause_ids, credit_codes=enterprise, reference_date=reference_date)
        if not no_notify and counts["changed_clause_ids"]:
            counts["notified"] = notify_matches(clause_ids=counts["changed_clause_ids"])
        self.stdout.write(
            f"{counts['clauses']} clauses × {counts['enterprises']} enterprises: {counts['written']} matches "
            f"written, {counts['deleted']} deleted, {counts['stored']} stored, in {counts['seconds']} s"
        )
        self.stdout.write(json.dumps(counts, default=str))

    def match(self, register, clauses, out, reference_date=None, **_):
        started = time.perf_counter()
        reference_date = reference_date or dt.date.today()
        rules = load_clauses(clauses)
        try:
            frame = read_register(register)
        except Exception as e:  # polars raises many kinds; the message names the column
            raise CommandError(f"{register}: {e}") from e
        wide = evaluate(frame, rules, reference_date, missing=True)
        long = to_long(wide, rules)
        long.write_csv(out)
        counts = long["result"].cast(str).value_counts()
        by = dict(zip(counts["result"].to_list(), counts["count"].to_list(), strict=True))
        summary = {
            "enterprises": frame.height,
            "clauses": len(rules),
            "rows": long.height,
            "eligible": by.get("eligible", 0),
            "ineligible": by.get("ineligible", 0),
            "unknown": by.get("unknown", 0),
            "reference_date": reference_date.isoformat(),
            "seconds": round(time.perf_counter() - started, 3),
        }
        self.stdout.write(f"wrote {long.height} rows to {out}")
        self.stdout.write(json.dumps(summary))
