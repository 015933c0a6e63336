from django.core.management.base import BaseCommand
from django.utils import timezone

from enterprises.models import Enterprise
from enterprises.services import industries_load_reference, register_load_frame
from enterprises.synthetic import synthetic_register
from org.services import divisions_load_reference


class Command(BaseCommand):
    help = "Fill the register with a synthetic demo register of Quanzhou's market entities (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--n", type=int, default=2000, help="number of entities")
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, **options):
        divisions_load_reference()  # only adds the divisions that are missing
        industries_load_reference()
        before = Enterprise.objects.count()
        # figures for the last three years, so that "上年度" (last year) is known on the demo's today
        year = timezone.localdate().year
        register_load_frame(
            synthetic_register(options["n"], seed=options["seed"], years=(year - 3, year - 2, year - 1))
        )
        self.stdout.write(f"enterprises: {Enterprise.objects.count()} ({Enterprise.objects.count() - before} new)")
