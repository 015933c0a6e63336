"""Display helpers of the policy pages: money in yuan with thousands separators."""

import decimal

from django import template

register = template.Library()


@register.filter
def yuan(value) -> str:
    """12345.5 → "12,345.50"; None → "—"."""
    if value is None or value == "":
        return "—"
    try:
        return f"{decimal.Decimal(str(value)):,.2f}"
    except (decimal.InvalidOperation, ValueError):
        return str(value)
