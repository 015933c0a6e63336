"""The working-day clock: deadlines in working days under the official holiday calendar."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from workdays.models import CalendarYear, SpecialDay


@dataclass(frozen=True)
class Deadline:
    due: dt.datetime
    provisional: bool  # counted through a year whose holidays are not yet published


class _Calendar:
    """The special days and published years of a date range, read in one query each."""

    def __init__(self, start: dt.date, end: dt.date):
        self.special = dict(SpecialDay.objects.filter(date__gte=start, date__lte=end).values_list("date", "is_workday"))
        self.published = set(
            CalendarYear.objects.filter(year__gte=start.year, year__lte=end.year).values_list("year", flat=True)
        )

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.special:
            return self.special[day]
        return day.weekday() < 5

    def is_published(self, day: dt.date) -> bool:
        return day.year in self.published


def _span(days: int) -> int:
    # Room enough for weekends and the longest holiday (Spring Festival, 8–9 days).
    return days * 2 + 30


def end_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


def is_working_day(day: dt.date) -> bool:
    return _Calendar(day, day).is_working_day(day)


def add_working_days(start: dt.datetime, days: int) -> Deadline:
    """The end of the ``days``-th working day after the day of ``start`` (which does not count)."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = timezone.localtime(start).date()
    if days == 0:
        return Deadline(end_of_day(day), False)
    calendar = _Calendar(day, day + dt.timedelta(days=_span(days)))
    provisional = False
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        provisional |= not calendar.is_published(day)
        if calendar.is_working_day(day):
            counted += 1
    return Deadline(end_of_day(day), provisional)


def add_hours(start: dt.datetime, hours: int) -> Deadline:
    """Hour limits (urgent and critical items) run on the clock, weekends and holidays included."""
    return Deadline(start + dt.timedelta(hours=hours), False)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end``; negative when ``end`` is earlier."""
    if end == start:
        return 0
    if end < start:
        return -working_days_between(end, start)
    calendar = _Calendar(start, end)
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        count += calendar.is_working_day(day)
    return count
