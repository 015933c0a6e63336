from django.core.management.base import BaseCommand

from org.services import divisions_load_reference


class Command(BaseCommand):
    help = "Load Quanzhou's divisions from the reference data (idempotent)."

    def handle(self, *args, **options):
        created = divisions_load_reference()
        self.stdout.write(f"divisions created: {created}")
