"""Filters of the reference lists (API only: the pages pick divisions and departments from forms)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from org.models import Department, Division
from org.selectors import departments_for_division


class DivisionFilterSet(django_filters.FilterSet):
    parent = django_filters.CharFilter(label=_("上级区划代码"), field_name="parent__code")
    level = django_filters.ChoiceFilter(label=_("层级"), choices=Division.Level.choices)
    q = django_filters.CharFilter(label=_("名称包含"), field_name="name", lookup_expr="icontains")

    class Meta:
        model = Division
        fields = ["parent", "level", "q"]


class DepartmentFilterSet(django_filters.FilterSet):
    division = django_filters.CharFilter(label=_("所属区划代码"), field_name="division__code")
    handles = django_filters.CharFilter(label=_("可承办该区划事项的部门（区划代码）"), method="filter_handles")
    active = django_filters.BooleanFilter(label=_("启用"))

    class Meta:
        model = Department
        fields = ["division", "handles", "active"]

    def filter_handles(self, qs, name, value):
        division = Division.objects.filter(code=value).first()
        if division is None:
            return qs.none()
        return qs.filter(pk__in=departments_for_division(division=division).values("pk"))
