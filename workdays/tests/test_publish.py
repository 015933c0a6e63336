"""Publishing a year's calendar names who did it, with the days that changed."""

import datetime as dt

import pytest

from core.history import history_of
from workdays.models import CalendarYear, SpecialDay
from workdays.services import calendar_publish_year

pytestmark = pytest.mark.django_db


def test_a_published_year_is_recorded_with_its_actor_and_the_days_that_changed(cast):
    days = [(dt.date(2031, 1, 1), False, "元旦")]
    year = calendar_publish_year(year=2031, days=days, source="国务院办公厅通知", actor=cast.admin)
    calendar_publish_year(year=2031, days=days, source="国务院办公厅通知", actor=cast.leader)
    first, second = history_of(year)
    assert (first.action, first.actor, first.changes) == (
        "publish",
        cast.admin,
        {"2031-01-01": [None, [False, "元旦"]]},
    )
    assert (second.actor, second.changes) == (cast.leader, {})  # nothing changed


def test_a_year_without_an_actor_is_refused_before_anything_is_written():
    with pytest.raises(ValueError, match="actor"):
        calendar_publish_year(year=2031, days=[(dt.date(2031, 1, 1), False, "元旦")], source="通知", actor=None)
    assert (
        not CalendarYear.objects.filter(year=2031).exists() and not SpecialDay.objects.filter(date__year=2031).exists()
    )
