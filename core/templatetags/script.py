"""``{{ value|script }}``: data stored in Simplified script (names of divisions, departments,
categories…) shown in Traditional script when the user reads the Traditional interface."""

from django import template
from django.utils.translation import get_language

from core.script import to_traditional

register = template.Library()


@register.filter
def script(value):
    if value is None or get_language() != "zh-hant":
        return value
    return to_traditional(str(value))
