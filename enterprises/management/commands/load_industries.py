from django.core.management.base import BaseCommand

from enterprises.services import industries_load_reference


class Command(BaseCommand):
    help = "Load the GB/T 4754-2017 industry classification from enterprises/data/ (idempotent)."

    def handle(self, *args, **options):
        self.stdout.write(f"industries created: {industries_load_reference()}")
