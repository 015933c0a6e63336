"""One FilterSet per list, shared by the page, the export and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ledger.models import Status
from org.models import Division
from visits.models import Finding, Visit

SOLVED = (Status.RESOLVED, Status.CALLED_BACK, Status.CLOSED)


def _division(prefix: str):
    def method(self, qs, name, value):
        division = Division.objects.filter(code=value).first()
        return qs.none() if division is None else qs.filter(**{f"{prefix}division_path__startswith": division.path})

    return method


class VisitFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("企业或地点"), method="filter_q")
    start = django_filters.DateFilter(label=_("走访日期起"), field_name="visited_on", lookup_expr="gte")
    end = django_filters.DateFilter(label=_("走访日期止"), field_name="visited_on", lookup_expr="lte")
    division = django_filters.CharFilter(label=_("区划代码"), method="filter_division")
    county_level = django_filters.BooleanFilter(label=_("县处级以上干部参加"))
    enterprise = django_filters.BooleanFilter(label=_("走访企业"), field_name="enterprise", lookup_expr="isnull",
                                              exclude=True)  # fmt: skip

    above_scale = django_filters.BooleanFilter(label=_("四上企业"), field_name="enterprise__above_scale")

    class Meta:
        model = Visit
        fields = ["q", "start", "end", "division", "county_level", "enterprise", "above_scale"]

    filter_division = _division("")

    def filter_q(self, qs, name, value):
        return qs.filter(Q(enterprise__name__icontains=value) | Q(place__icontains=value))


class FindingFilterSet(django_filters.FilterSet):
    start = django_filters.DateFilter(label=_("走访日期起"), field_name="visit__visited_on", lookup_expr="gte")
    end = django_filters.DateFilter(label=_("走访日期止"), field_name="visit__visited_on", lookup_expr="lte")
    division = django_filters.CharFilter(label=_("区划代码"), method="filter_division")
    opened = django_filters.BooleanFilter(label=_("已转为事项"), field_name="item", lookup_expr="isnull", exclude=True)
    solved = django_filters.BooleanFilter(label=_("已解决"), method="filter_solved")
    above_scale = django_filters.BooleanFilter(label=_("四上企业"), field_name="visit__enterprise__above_scale")

    class Meta:
        model = Finding
        fields = ["start", "end", "division", "opened", "solved", "above_scale"]

    filter_division = _division("visit__")

    def filter_solved(self, qs, name, value):
        q = Q(item__status__in=SOLVED)
        return qs.filter(q) if value else qs.exclude(q)
