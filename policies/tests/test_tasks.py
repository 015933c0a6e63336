"""The background recompute (policies.tasks.recompute, run at once by the tests' immediate backend)
and ``manage.py policies recompute``: snapshot, recompute, notify."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from enterprises.models import Enterprise
from enterprises.selectors import register_snapshot
from enterprises.services import register_load_frame
from enterprises.signals import send_register_changed
from enterprises.synthetic import synthetic_register
from policies.models import Match, Notification, PolicyClause
from policies.services.catalogue import demo_load
from policies.services.matching import matches_compute
from policies.tasks import recompute

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(cast):
    from enterprises.services import industries_load_reference
    from org.services import divisions_load_reference

    industries_load_reference()
    divisions_load_reference()
    register_load_frame(synthetic_register(400, seed=3))
    demo_load()
    return list(PolicyClause.objects.order_by("pk"))


def _stored():
    return {(m.clause_id, m.credit_code): (m.result, None if m.amount is None else float(m.amount), m.missing or "")
            for m in Match.objects.all()}  # fmt: skip


def _expected(clauses):
    frame = matches_compute(register_snapshot(), clauses, timezone.localdate())
    return {(c, cc): (r, a, m or "") for c, cc, r, a, m in frame.iter_rows()}


def test_the_task_recomputes_everything_then_notifies(loaded):
    result = recompute.enqueue()
    counts = result.return_value
    assert counts["written"] == Match.objects.count() > 0
    assert _stored() == _expected(loaded)
    eligible = Match.objects.filter(result="eligible", clause_id__in=counts["changed_clause_ids"]).count()
    assert counts["notified"]["created"] == Notification.objects.count() == eligible
    again = recompute.enqueue().return_value
    assert (again["written"], again["deleted"], again["notified"]) == (0, 0, {})


def test_the_task_recomputes_one_clause_or_some_enterprises(loaded):
    clause = loaded[0]
    counts = recompute.enqueue(clause_ids=[clause.pk]).return_value
    assert set(Match.objects.values_list("clause_id", flat=True)) <= {clause.pk}
    assert counts["clauses"] == 1
    recompute.enqueue()
    codes = list(Enterprise.objects.order_by("pk").values_list("credit_code", flat=True)[:3])
    Enterprise.objects.filter(credit_code__in=codes).update(above_scale=True, high_tech=True, employees=500)
    counts = recompute.enqueue(credit_codes=codes).return_value
    assert counts["enterprises"] == 3 and counts["written"] + counts["deleted"] > 0
    assert _stored() == _expected(loaded)
    one = recompute.enqueue(credit_codes=[codes[0]]).return_value
    assert (one["enterprises"], one["written"], one["deleted"]) == (1, 0, 0)


def test_a_register_change_enqueues_the_recompute_of_the_enterprises_it_names(
    loaded, django_capture_on_commit_callbacks
):
    recompute.enqueue()
    codes = list(Enterprise.objects.order_by("pk").values_list("credit_code", flat=True)[:3])
    Enterprise.objects.filter(credit_code__in=codes).update(above_scale=True, high_tech=True, employees=500)
    before = _stored()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        send_register_changed(credit_codes=codes)
    assert len(callbacks) == 1
    after = _stored()
    assert after == _expected(loaded) and after != before
    assert {cc for (_c, cc) in set(after) ^ set(before)} <= set(codes)  # only the named enterprises' rows moved


def test_the_command_prints_counts_and_seconds(loaded):
    out = StringIO()
    call_command("policies", "recompute", "--clause", loaded[1].code, "--no-notify", stdout=out)
    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    assert summary["clauses"] == 1 and summary["seconds"] >= 0
    assert Notification.objects.count() == 0
    out = StringIO()
    code = Enterprise.objects.values_list("credit_code", flat=True).first()
    call_command("policies", "recompute", "--enterprise", code, stdout=out)
    assert json.loads(out.getvalue().strip().splitlines()[-1])["enterprises"] == 1
    with pytest.raises(Exception, match="unknown clause"):
        call_command("policies", "recompute", "--clause", "nope", stdout=StringIO())
