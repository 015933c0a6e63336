"""The working-day clock on real calendars (seeded from chinese-calendar by a migration)."""

import datetime as dt

import pytest
from django.utils import timezone

from workdays.models import CalendarYear
from workdays.selectors import add_working_days, is_working_day, working_days_between
from workdays.services import calendar_publish_year

pytestmark = pytest.mark.django_db


def at(y, m, d, h=10):
    return timezone.make_aware(dt.datetime(y, m, d, h))


def test_the_2025_national_day_break_is_rest_and_its_make_up_weekend_days_are_work():
    assert is_working_day(dt.date(2025, 9, 28))  # Sunday, made a working day
    assert is_working_day(dt.date(2025, 10, 11))  # Saturday, made a working day
    for day in range(1, 9):
        assert not is_working_day(dt.date(2025, 10, day))


def test_a_deadline_counts_over_the_national_day_break():
    # Opened Friday 26 September 2025; working days: 28 Sep (Sun), 29, 30, then 9, 10, 11 (Sat) Oct.
    deadline = add_working_days(at(2025, 9, 26), 6)
    assert timezone.localtime(deadline.due).date() == dt.date(2025, 10, 11)
    assert not deadline.provisional


def test_one_working_day_after_the_eve_of_the_break_is_the_make_up_sunday():
    assert timezone.localtime(add_working_days(at(2025, 9, 27), 1).due).date() == dt.date(2025, 9, 28)


def test_a_deadline_into_an_unpublished_year_counts_weekends_and_is_provisional():
    # Opened Thursday 24 December 2026; 2027 is not yet published.
    deadline = add_working_days(at(2026, 12, 24), 10)
    assert deadline.provisional
    # 25, 28, 29, 30, 31 Dec 2026 (2026 rules: 1 Jan 2027 unknown) then 1, 4, 5, 6, 7 Jan 2027.
    assert timezone.localtime(deadline.due).date() == dt.date(2027, 1, 7)


def test_publishing_the_next_year_makes_its_deadlines_firm(admin_user):
    calendar_publish_year(
        year=2027, days=[(dt.date(2027, 1, 1), False, "元旦")], source="国务院办公厅通知（测试）", actor=admin_user
    )
    deadline = add_working_days(at(2026, 12, 24), 10)
    assert not deadline.provisional
    assert timezone.localtime(deadline.due).date() == dt.date(2027, 1, 8)
    assert CalendarYear.objects.filter(year=2027).exists()


def test_working_days_between_skips_the_spring_festival():
    # 2025 Spring Festival: 28 Jan – 4 Feb off, 26 Jan (Sun) and 8 Feb (Sat) worked.
    assert working_days_between(dt.date(2025, 1, 27), dt.date(2025, 2, 5)) == 1
    assert working_days_between(dt.date(2025, 2, 5), dt.date(2025, 1, 27)) == -1
