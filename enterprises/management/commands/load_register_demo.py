from django.core.management.base import BaseCommand

from core.demo import CommandOutput, DemoOptions
from enterprises import demo


class Command(BaseCommand):
    help = "The register's step of load_demo alone: a synthetic demo register of Quanzhou's market entities."

    def add_arguments(self, parser):
        parser.add_argument("--n", type=int, default=2000, help="number of entities")
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, **options):
        demo.load(DemoOptions(enterprises=options["n"], seed=options["seed"]), CommandOutput(self))
