import time

from django.core.management.base import BaseCommand

from ledger.demo import PASSWORD, demo_load


class Command(BaseCommand):
    help = (
        "Load the demo: Quanzhou's divisions, categories, departments, demo logins and a few hundred items "
        "with real timelines over the last 12 months. Idempotent: a second run adds nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--items", type=int, default=400, help="how many items to generate (default 400)")
        parser.add_argument("--seed", type=int, default=1, help="seed for Faker and the random choices (default 1)")
        parser.add_argument(
            "--base-url", default="http://127.0.0.1:8000", help="where the site is served, for the printed login URL"
        )

    def handle(self, *args, items, seed, base_url, **options):
        started = time.monotonic()
        summary = demo_load(items=items, seed=seed)
        elapsed = time.monotonic() - started
        out = self.stdout
        created = ", ".join(f"{n} {what}" for what, n in summary.created.items() if n)
        out.write(f"demo data: created {created or 'nothing new'} in {elapsed:.1f} s")
        if summary.items_skipped:
            out.write("demo items were already loaded: none added")
        stats = summary.stats
        statuses = " · ".join(f"{k.removeprefix('status ')} {v}" for k, v in stats.items() if k.startswith("status "))
        out.write(f"items: {stats['items']} ({statuses})")
        out.write(
            f"overdue {stats['overdue']} · at risk {stats['at risk']} · results {stats['results']} "
            f"(funds granted {stats['funds granted']}) · callbacks "
            + " / ".join(f"{k.removeprefix('callbacks ')} {v}" for k, v in stats.items() if k.startswith("callbacks "))
        )
        base = base_url.rstrip("/")
        out.write("")
        out.write(self.style.SUCCESS(f"Log in at {base}/login/   (admin: {base}/admin/, API docs: {base}/api/docs/)"))
        out.write(f"Every demo login has the password: {PASSWORD}")
        out.write("")
        width = max(len(u) for u, _r, _s in summary.logins) + 2
        out.write(f"  {'username'.ljust(width)}{_pad('role', 12)}scope")
        for username, role, scope in summary.logins:
            out.write(f"  {username.ljust(width)}{_pad(role, 12)}{scope}")
        if summary.other_handlers:
            names = ", ".join(u for u, _s in summary.other_handlers)
            out.write(f"  and one handler (承办人) for every other department: {names}")


def _pad(text: str, width: int) -> str:
    """Pad for a terminal, where a Chinese character takes two columns."""
    columns = sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
    return text + " " * max(1, width - columns)
