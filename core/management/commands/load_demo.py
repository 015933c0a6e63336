import time

from django.core.management.base import BaseCommand, CommandError

from core.demo import CommandOutput, DemoOptions, demo_load, demo_steps


class Command(BaseCommand):
    help = (
        "Load the demo: every installed app's demo.py in turn (Quanzhou's divisions, departments and logins; "
        "a few hundred items with real timelines over the last 12 months; the register; the policies matched "
        "over it). Idempotent: a second run adds nothing."
    )

    def add_arguments(self, parser):
        default = DemoOptions()
        parser.add_argument("--items", type=int, default=default.items, help="how many ledger items (default 400)")
        parser.add_argument(
            "--seed", type=int, default=default.seed, help="seed for Faker and the random choices (default 1)"
        )
        parser.add_argument(
            "--enterprises", type=int, default=default.enterprises, help="the register's size (default 2000)"
        )
        parser.add_argument(
            "--base-url", default=default.base_url, help="where the site is served, for the printed login URL"
        )
        parser.add_argument("--apps", nargs="+", metavar="LABEL", help="only these apps' demos (e.g. org ledger)")

    def handle(self, *args, items, seed, enterprises, base_url, apps, **options):
        if apps:
            unknown = set(apps) - {label for label, _module in demo_steps()}
            if unknown:
                raise CommandError(f"no demo in: {', '.join(sorted(unknown))}")
        started = time.monotonic()
        options = DemoOptions(items=items, seed=seed, enterprises=enterprises, base_url=base_url)
        ran = demo_load(options, CommandOutput(self), only=apps)
        self.stdout.write(f"demo loaded ({', '.join(ran)}) in {time.monotonic() - started:.1f} s")
