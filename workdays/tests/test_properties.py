"""Properties of the working-day clock over every published year."""

import datetime as dt

import chinese_calendar
import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from workdays.selectors import add_working_days, is_working_day, working_days_between

pytestmark = pytest.mark.django_db

days = st.dates(min_value=dt.date(2005, 1, 1), max_value=dt.date(2026, 11, 30))


@settings(max_examples=200, deadline=None)
@given(day=days)
def test_the_calendar_agrees_with_chinese_calendar_on_every_published_day(day):
    assert is_working_day(day) == chinese_calendar.is_workday(day)


@settings(max_examples=100, deadline=None)
@given(day=days, n=st.integers(min_value=1, max_value=20))
def test_a_deadline_lands_on_a_working_day_exactly_n_working_days_later(day, n):
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(9)))
    deadline = add_working_days(start, n)
    due = timezone.localtime(deadline.due).date()
    assert is_working_day(due) or deadline.provisional
    assert working_days_between(day, due) == n
