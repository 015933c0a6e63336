"""One FilterSet per list, shared by the pages and the API."""

import django_filters
from django import forms
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ledger.machine import ACTIVE_STATUSES
from ledger.models import Channel, Item, Kind, Measure, Result, ResultKind, Status
from ledger.selectors import at_risk_q, on_time_q, overdue_q, satisfied_q
from org.models import Department, Division, Person, Role


class HiddenDateRange(django_filters.widgets.DateRangeWidget):
    """A period a figure's link asks for (``…_after``/``…_before``, see ledger.figures): kept in the
    filter form as hidden inputs, so filtering the list again keeps it."""

    def __init__(self, attrs=None):
        django_filters.widgets.SuffixedMultiWidget.__init__(self, (forms.HiddenInput, forms.HiddenInput), attrs)


def _period(field_name: str) -> django_filters.DateFromToRangeFilter:
    return django_filters.DateFromToRangeFilter(field_name=field_name, widget=HiddenDateRange)


class ItemFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("关键词"), method="filter_q")
    status = django_filters.MultipleChoiceFilter(label=_("状态"), choices=Status.choices)
    division = django_filters.CharFilter(label=_("区划代码"), method="filter_division")
    department = django_filters.ModelChoiceFilter(
        label=_("承办部门"), queryset=Department.objects.all(), to_field_name="code"
    )
    sponsor = django_filters.ModelChoiceFilter(
        label=_("包保领导"),
        queryset=Person.objects.filter(role=Role.LEADER),
        field_name="sponsor__person",
    )
    channel = django_filters.ChoiceFilter(label=_("渠道"), choices=Channel.choices)
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=Kind.choices)
    overdue = django_filters.BooleanFilter(label=_("已超期"), method="filter_overdue")
    at_risk = django_filters.BooleanFilter(label=_("即将到期"), method="filter_at_risk")
    opened_after = django_filters.DateFilter(label=_("受理日期起"), field_name="opened_at", lookup_expr="date__gte")
    opened_before = django_filters.DateFilter(label=_("受理日期止"), field_name="opened_at", lookup_expr="date__lte")
    # What the figures link to (ledger.figures): hidden, as the page offers no field for them.
    dispatched = _period("dispatched_at")
    resolved = _period("resolved_at")
    closed = _period("closed_at")
    satisfied = django_filters.DateFromToRangeFilter(method="filter_satisfied", widget=HiddenDateRange)  # 满意回访
    on_time = django_filters.BooleanFilter(method="filter_on_time", widget=forms.HiddenInput)  # 按期办结, or late

    class Meta:
        model = Item
        fields = ["q", "status", "division", "department", "sponsor", "channel", "kind", "overdue", "at_risk"]

    def filter_q(self, qs, name, value):
        return qs.filter(Q(title__icontains=value) | Q(number__startswith=value) | Q(description__icontains=value))

    def filter_division(self, qs, name, value):
        division = Division.objects.filter(code=value).first()
        if division is None:
            return qs.none()
        return qs.filter(division_path__startswith=division.path)

    def filter_overdue(self, qs, name, value):
        q = overdue_q(timezone.now())
        return qs.filter(q) if value else qs.exclude(q)

    def filter_at_risk(self, qs, name, value):
        q = at_risk_q(timezone.now())
        return qs.filter(q) if value else qs.exclude(q)

    def filter_satisfied(self, qs, name, value):
        when = Q(at__gte=value.start) if value.start else Q()
        return qs.filter(satisfied_q(when & Q(at__lte=value.stop) if value.stop else when))

    def filter_on_time(self, qs, name, value):
        return qs.filter(on_time_q() if value else Q(resolved_at__gt=F("resolve_due")))


class MeasureFilterSet(django_filters.FilterSet):
    done = django_filters.BooleanFilter(label=_("已完成"), field_name="done_at", lookup_expr="isnull", exclude=True)
    item_status = django_filters.MultipleChoiceFilter(
        label=_("事项状态"), field_name="item__status", choices=Status.choices
    )
    department = django_filters.ModelChoiceFilter(
        label=_("承办部门"), field_name="item__department", queryset=Department.objects.all(), to_field_name="code"
    )
    overdue = django_filters.BooleanFilter(label=_("已超期"), method="filter_overdue")

    class Meta:
        model = Measure
        fields = ["done", "item_status", "department", "overdue"]

    def filter_overdue(self, qs, name, value):
        q = Q(done_at__isnull=True, due__lt=timezone.localdate(), item__status__in=ACTIVE_STATUSES)
        return qs.filter(q) if value else qs.exclude(q)


class ResultFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("成果类型"), choices=ResultKind.choices)
    department = django_filters.ModelChoiceFilter(
        label=_("承办部门"), field_name="item__department", queryset=Department.objects.all(), to_field_name="code"
    )
    created_after = django_filters.DateFilter(label=_("填报日期起"), field_name="created_at", lookup_expr="date__gte")
    created_before = django_filters.DateFilter(label=_("填报日期止"), field_name="created_at", lookup_expr="date__lte")

    class Meta:
        model = Result
        fields = ["kind", "department", "created_after", "created_before"]
