from django.core.management.base import BaseCommand

from core.demo import CommandOutput, DemoOptions
from policies import demo


class Command(BaseCommand):
    help = (
        "The policy platform's step of load_demo alone: policies, matches, the enterprise login, notifications, "
        "a grant batch."
    )

    def handle(self, *args, **options):
        demo.load(DemoOptions(), CommandOutput(self))
