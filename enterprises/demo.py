"""The register's demo: the industry classification and a synthetic register of Quanzhou's market
entities (``options.enterprises`` of them) with figures for the last three years, so that "上年度"
(last year) is known on the demo's today. A step of ``manage.py load_demo`` (core.demo), after org's
divisions; idempotent: entities are matched by credit code."""

from django.utils import timezone

from core.demo import DemoOptions, Output
from enterprises.models import Enterprise
from enterprises.services import industries_load_reference, register_load_frame
from enterprises.synthetic import synthetic_register
from org.services import divisions_load_reference


def load(options: DemoOptions, out: Output) -> None:
    divisions_load_reference()  # only adds the divisions that are missing
    industries_load_reference()
    before = Enterprise.objects.count()
    if options.enterprises > 0:
        year = timezone.localdate().year
        register_load_frame(
            synthetic_register(options.enterprises, seed=options.seed, years=(year - 3, year - 2, year - 1))
        )
    out.write(f"enterprises: {Enterprise.objects.count()} ({Enterprise.objects.count() - before} new)")
