import datetime as dt

import chinese_calendar
from django.db import transaction

from core.history import actor_user, record
from workdays.models import CalendarYear, SpecialDay


@transaction.atomic
def calendar_seed_from_package() -> int:
    """Record every year the ``chinese-calendar`` package knows. Idempotent; returns days added."""
    known = set(CalendarYear.objects.values_list("year", flat=True))
    added = 0
    first, last = min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year
    for year in range(first, last + 1):
        if year in known:
            continue
        days = []
        day = dt.date(year, 1, 1)
        while day.year == year:
            is_workday, name = chinese_calendar.get_holiday_detail(day)
            is_workday = not is_workday
            if is_workday != (day.weekday() < 5):
                days.append(SpecialDay(date=day, is_workday=is_workday, name=_holiday_name(name)))
            day += dt.timedelta(days=1)
        SpecialDay.objects.bulk_create(days, ignore_conflicts=True)
        CalendarYear.objects.create(year=year, source="chinese-calendar " + chinese_calendar.__version__)
        added += len(days)
    return added


_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def _holiday_name(name: str | None) -> str:
    return _NAMES.get(name or "", name or "")


@transaction.atomic
def calendar_publish_year(
    *, year: int, days: list[tuple[dt.date, bool, str]], source: str, actor, reason: str = ""
) -> CalendarYear:
    """Record a year's official arrangement, as an administrator enters it from the State Council's
    notice: each (date, is_workday, name) that departs from the weekday rule. ``actor``: a user or
    the system actor (``org.actor.SYSTEM``); the publication is recorded in the year's history."""
    actor_user(actor)  # refuses a missing actor before anything is written
    changes = {}
    for date, is_workday, name in days:
        if date.year != year:
            raise ValueError(f"{date} is not in {year}")
        before = SpecialDay.objects.filter(date=date).values_list("is_workday", "name").first()
        SpecialDay.objects.update_or_create(date=date, defaults={"is_workday": is_workday, "name": name})
        if before != (is_workday, name):
            changes[date.isoformat()] = [list(before) if before else None, [is_workday, name]]
    calendar_year, _ = CalendarYear.objects.update_or_create(year=year, defaults={"source": source})
    record(calendar_year, actor=actor, action="publish", reason=reason or source, changes=changes)
    return calendar_year
