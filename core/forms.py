"""The form kit: a service's refusal shown on the form that asked for it, and filter forms tidied
the same way on every list page."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.exceptions import ActionRefused


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def attach_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: by field where the form has the field, else on
    the form as a whole."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def service_call(form: forms.Form, call: Callable[[], Any]) -> tuple[Any, int]:
    """Run a write for a valid form: (its result, 200), or (None, the status) with the refusal shown
    on the form: 400 for invalid input, 409 for a refused action or a version conflict. A permission
    refusal is not caught: it is the 403 page, logged."""
    try:
        return call(), 200
    except ValidationError as e:
        attach_errors(form, e)
        return None, 400
    except ActionRefused as e:
        form.add_error(None, str(e.message))
        return None, e.status_code


def tidy_filter_form(form: forms.Form) -> forms.Form:
    """Dates as date pickers, yes/no filters as 全部/是/否, multiple choices as check boxes."""
    for field in form.fields.values():
        if field.widget.is_hidden:  # asked for by a link, not offered on the page
            continue
        if isinstance(field, forms.NullBooleanField):
            field.widget = forms.Select(choices=[("", _("全部")), ("true", _("是")), ("false", _("否"))])
        elif isinstance(field, forms.DateField):
            field.widget = date_input()
        elif isinstance(field, forms.MultipleChoiceField):
            field.widget = forms.CheckboxSelectMultiple(choices=field.choices)
        elif isinstance(field, forms.ChoiceField) and getattr(field, "empty_label", None) is not None:
            field.empty_label = _("全部")  # django-filter's and model choice fields draw it when rendered
            field.widget.choices = field.choices
    return form
