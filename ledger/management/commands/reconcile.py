import json

from django.core.management.base import BaseCommand

from ledger.reconcile import ledger_reconcile
from ledger.tasks import reconcile


class Command(BaseCommand):
    help = "Reconcile the ledger (清单对账): flag at-risk and overdue items, notify, escalate. Safe to run from cron."

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=int,
            default=0,
            metavar="MINUTES",
            help="instead of running now, enqueue a recurring task that runs every MINUTES (needs a worker)",
        )

    def handle(self, *args, every, **options):
        if every:
            result = reconcile.enqueue(every)
            self.stdout.write(f"enqueued recurring reconcile task {result.id} every {every} minutes")
            return
        self.stdout.write(json.dumps(ledger_reconcile()))
