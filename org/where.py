"""A period and a part of the user's scope, as every figure and coverage page asks for it: the one
place that checks the period, resolves the division and department, and refuses what lies outside
the user's scope (org.actor)."""

import datetime as dt
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from core.figures import Where
from org.actor import actor_of
from org.models import Department, Division, Role

security_log = logging.getLogger("grassroots.security")


def where_for(*, user, start: dt.date | None, end: dt.date | None, division: str = "", department: str = "") -> Where:
    """The filter of the figures ``user`` asked for, within their scope: 400 for a period that ends
    before it starts or lies in the future and for an unknown division or department; 403 (logged)
    for a division or department outside the user's scope. Defaults: this year to today, the user's
    own working division (a handler: their department)."""
    actor = actor_of(user)
    if not actor.is_staff_role or actor.division is None:
        raise PermissionDenied(_("您无权查看统计数据。"))
    today = timezone.localdate()
    start = start or today.replace(month=1, day=1)
    end = end or today
    errors: dict[str, str] = {}
    if end < start:
        errors["end"] = _("结束日期不能早于开始日期。")
    if start > today:
        errors["start"] = _("开始日期不能晚于今天。")
    if end > today:
        errors["end"] = _("结束日期不能晚于今天。")
    place = actor.division
    if division:
        place = Division.objects.filter(code=division).first()
        if place is None:
            errors["division"] = _("未知的区划代码：%(code)s") % {"code": division}
    unit = actor.department if actor.role == Role.HANDLER else None
    if department:
        unit = Department.objects.select_related("division").filter(code=department).first()
        if unit is None:
            errors["department"] = _("未知的部门代码：%(code)s") % {"code": department}
    if errors:
        raise ValidationError(errors)
    out_of_scope = not actor.within(place)
    if unit is not None:
        if actor.role == Role.HANDLER:
            out_of_scope |= unit.pk != getattr(actor.department, "pk", None)
        else:  # a department of the user's area, or one above it (counted within the user's area)
            out_of_scope |= not (actor.within(unit.division) or actor.division.path.startswith(unit.division.path))
    if out_of_scope:
        security_log.warning("refused figures of %s/%s to %s", division, department, user.username)
        raise PermissionDenied(_("所选区划或部门不在您的管辖范围内。"))
    return Where(start=start, end=end, division_path=place.path, department_id=unit.pk if unit else None)
