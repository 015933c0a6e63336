from django.core.management.base import BaseCommand

from workdays.services import calendar_seed_from_package


class Command(BaseCommand):
    help = "Record the official holidays and make-up working days the chinese-calendar package knows."

    def handle(self, *args, **options):
        added = calendar_seed_from_package()
        self.stdout.write(f"special days added: {added}")
