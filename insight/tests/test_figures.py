"""Routing suggestions followed and overruled, as figures."""

import datetime as dt

import pytest
from django.utils import timezone

from core.figures import Where, figure
from insight.models import Suggestion, Target

pytestmark = pytest.mark.django_db


def test_suggestions_accepted_and_overruled_are_counted_by_the_items_division_and_opening(cast, open_item, client):
    today = timezone.localdate()
    items = [open_item(title=f"路灯坏了{i}", submitter_phone=f"1380000000{i}") for i in range(3)]
    for item, overruled in zip(items, (False, True, None), strict=True):
        Suggestion.objects.create(item=item, target=Target.DEPARTMENT, value="1", confidence=0.9, overruled=overruled)
    period = Where(today - dt.timedelta(days=1), today, division_path=cast.county.path)
    assert figure("insight.suggestions_accepted").count(period) == 1
    assert figure("insight.suggestions_overruled").count(period) == 1
    assert figure("insight.suggestions_overruled").count(Where(today, today, division_path=cast.other_county.path)) == 0
    before = Where(today - dt.timedelta(days=30), today - dt.timedelta(days=20))
    assert figure("insight.suggestions_accepted").count(before) == 0
    client.force_login(cast.leader)
    assert client.get(figure("insight.suggestions_overruled").link(period)).status_code == 200
