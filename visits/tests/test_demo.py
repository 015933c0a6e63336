"""The visits step of the demo: visits over the last year with findings in the ledger, pairings;
loading twice adds nothing."""

import pytest

from core.demo import DemoOptions, demo_load
from visits.models import Finding, Pairing, Visit

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


class Quiet:
    def write(self, text):
        self.last = text

    def success(self, text):
        self.last = text


def test_the_demo_records_visits_with_items_and_pairings_once():
    options = DemoOptions(items=0, enterprises=400)
    out = Quiet()
    demo_load(options, out, only=["org", "ledger", "enterprises", "visits"])
    visits = Visit.objects.count()
    assert visits > 150 and Visit.objects.filter(enterprise__above_scale=True).exists()
    assert Visit.objects.filter(county_level=True).exists() and Visit.objects.filter(enterprise=None).exists()
    opened = Finding.objects.filter(item__isnull=False)
    assert opened.exists() and opened.filter(item__status="dispatched").exists()
    assert Pairing.objects.filter(enterprise__isnull=False).exists() and Pairing.objects.filter(division__isnull=False)
    demo_load(options, out, only=["visits"])
    assert Visit.objects.count() == visits and "already loaded" in out.last
