from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import date_input
from enterprises.models import Enterprise
from ledger.forms import CategoryField
from ledger.models import Kind
from org.models import Division
from visits import selectors


def _lookup(datalist: str) -> forms.TextInput:
    return forms.TextInput(attrs={"list": datalist, "autocomplete": "off"})


class VisitForm(forms.Form):
    """Quick entry, made for a phone held in a factory: the enterprise by name or credit code, who
    went, and what was heard."""

    enterprise = forms.CharField(
        label=_("企业（名称或统一社会信用代码）"), required=False, max_length=200, widget=_lookup("enterprise-options")
    )
    division = forms.CharField(
        label=_("或所在区划代码（走访村、社区、中心）"),
        required=False,
        max_length=20,
        widget=_lookup("division-options"),
    )
    place = forms.CharField(label=_("地点"), required=False, max_length=100)
    visited_on = forms.DateField(label=_("走访日期"), widget=date_input())
    officials = forms.ModelMultipleChoiceField(label=_("走访干部"), queryset=None,
                                               widget=forms.CheckboxSelectMultiple)  # fmt: skip
    summary = forms.CharField(label=_("走访情况"), required=False, max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["officials"].queryset = selectors.official_choices(user=user)
        self.fields["officials"].label_from_instance = lambda p: f"{p.name}（{p.get_rank_display() or p.title or ''}）"
        if not self.is_bound:
            self.initial.setdefault("visited_on", timezone.localdate())
            person = getattr(user, "person", None)
            if person is not None:
                self.initial.setdefault("officials", [person.pk])

    def clean_enterprise(self) -> Enterprise | None:
        value = self.cleaned_data["enterprise"].strip()
        if not value:
            return None
        found = list(selectors.enterprise_search(user=self.user, q=value, limit=2))
        exact = [e for e in found if value in (e.credit_code, e.name)]
        if len(exact) == 1 or len(found) == 1:
            return (exact or found)[0]
        if not found:
            raise forms.ValidationError(_("在您的管辖范围内找不到该企业：%(value)s") % {"value": value})
        raise forms.ValidationError(_("有多家企业符合“%(value)s”，请输入完整名称或信用代码。") % {"value": value})

    def clean_division(self) -> Division | None:
        code = self.cleaned_data["division"].strip()
        if not code:
            return None
        division = Division.objects.filter(code=code).first()
        if division is None:
            raise forms.ValidationError(_("未知的区划代码：%(code)s") % {"code": code})
        return division


class FindingForm(forms.Form):
    text = forms.CharField(label=_("问题或建议"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    kind = forms.ChoiceField(label=_("类型"), choices=Kind.choices, initial=Kind.PROBLEM)
    category = CategoryField(label=_("分类（选择后立即转为事项）"), required=False)

    def has_changed(self):
        return bool((self.data.get(self.add_prefix("text")) or "").strip()) or super().has_changed()


FindingFormSet = forms.formset_factory(FindingForm, extra=2, max_num=20)


class OpenItemForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=Kind.choices)
    category = CategoryField(required=True)
