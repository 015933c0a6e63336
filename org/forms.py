from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.figures import Where
from core.forms import attach_errors, date_input
from org.where import where_for


class WhereForm(forms.Form):
    start = forms.DateField(label=_("开始日期"), required=False, widget=date_input())
    end = forms.DateField(label=_("结束日期"), required=False, widget=date_input())
    division = forms.CharField(label=_("区划代码"), required=False, max_length=20)
    department = forms.CharField(label=_("部门代码"), required=False, max_length=32)

    def where(self, user) -> Where | None:
        """The period and part of ``user``'s scope these filters ask for (``org.where.where_for``), or
        None with the errors on the form (a 400 for the page). Outside the scope: PermissionDenied."""
        if self.is_bound and not self.is_valid():
            return None
        data = self.cleaned_data if self.is_bound else {}
        try:
            return where_for(user=user, start=data.get("start"), end=data.get("end"),
                             division=data.get("division") or "", department=data.get("department") or "")  # fmt: skip
        except ValidationError as e:
            attach_errors(self, e)
            return None
