from django import template

from org.models import Role
from org.selectors import person_of

register = template.Library()


@register.filter
def may_see_hot_issues(user) -> bool:
    person = person_of(user) if user.is_authenticated else None
    return person is not None and person.role in {Role.ADMIN, Role.LEADER, Role.AUDITOR, Role.CALL_TAKER}


@register.filter
def may_see_routing(user) -> bool:
    person = person_of(user) if user.is_authenticated else None
    return person is not None and person.role in {Role.ADMIN, Role.LEADER, Role.AUDITOR}
