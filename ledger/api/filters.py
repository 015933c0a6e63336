"""Filters of the API's own lists (the ledger's lists share ledger.filters with the pages)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from ledger.models import Category


class CategoryFilterSet(django_filters.FilterSet):
    parent = django_filters.CharFilter(label=_("上级分类代码"), field_name="parent__code")
    top = django_filters.BooleanFilter(label=_("仅一级分类"), field_name="parent", lookup_expr="isnull")
    active = django_filters.BooleanFilter(label=_("启用"))

    class Meta:
        model = Category
        fields = ["parent", "top", "active"]
