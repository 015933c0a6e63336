from django import template

from cockpit.selectors import may_see_figures as _may_see_figures

register = template.Library()


@register.filter
def may_see_figures(user) -> bool:
    return _may_see_figures(user)
