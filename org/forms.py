from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import date_input


class WhereForm(forms.Form):
    start = forms.DateField(label=_("开始日期"), required=False, widget=date_input())
    end = forms.DateField(label=_("结束日期"), required=False, widget=date_input())
    division = forms.CharField(label=_("区划代码"), required=False, max_length=20)
    department = forms.CharField(label=_("部门代码"), required=False, max_length=32)
