"""Small display helpers for the ledger's templates (no logic beyond presentation)."""

from django import template

from ledger.services import INTAKE_ROLES
from org.actor import actor_of

register = template.Library()


@register.filter
def person_name(user) -> str:
    """A user as people know them: their person's name, else the username; "" for nobody."""
    if user is None:
        return ""
    person = getattr(user, "person", None)
    return getattr(person, "name", None) or user.get_username()


@register.filter
def may_take_intake(user) -> bool:
    return actor_of(user).role in INTAKE_ROLES


@register.inclusion_tag("ledger/_due.html")
def due(item, today=None):
    """The resolution deadline with its overdue (red) or at-risk (amber) badge."""
    return {"item": item}


@register.filter
def is_required(bound_field) -> bool:
    """Whether the field must be filled: by the form, or (marked on the widget) by the service."""
    return bool(bound_field.field.required or bound_field.field.widget.attrs.get("required"))
