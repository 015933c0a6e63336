"""One FilterSet for the register, shared by the pages, the export and the API."""

import json
import re

import django_filters
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise, SizeClass
from enterprises.text import search_form
from org.models import Division

_CODE_LIKE = re.compile(r"^[0-9A-Za-z]{4,18}$")


def search_q(value: str) -> Q:
    """A name in either script (a Traditional query finds a Simplified name and back), or the start
    of a credit code."""
    value = (value or "").strip()
    q = Q(name_search__contains=search_form(value))
    if _CODE_LIKE.match(value):
        q |= Q(credit_code__startswith=value.upper())
    return q


class EnterpriseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("名称或信用代码"), method="filter_q")
    industry = django_filters.CharFilter(label=_("行业代码"), method="filter_industry")
    division = django_filters.CharFilter(label=_("区划代码"), method="filter_division")
    size_class = django_filters.MultipleChoiceFilter(label=_("企业规模"), choices=SizeClass.choices)
    above_scale = django_filters.BooleanFilter(label=_("四上企业"))
    high_tech = django_filters.BooleanFilter(label=_("高新技术企业"))
    srdi = django_filters.BooleanFilter(label=_("专精特新"))
    little_giant = django_filters.BooleanFilter(label=_("专精特新“小巨人”"))
    tag = django_filters.CharFilter(label=_("标签"), method="filter_tag")

    class Meta:
        model = Enterprise
        fields = ["q", "industry", "division", "size_class", "above_scale", "high_tech", "srdi", "little_giant"]

    def filter_q(self, qs, name, value):
        return qs.filter(search_q(value))

    def filter_industry(self, qs, name, value):
        """A code at any level: "C" (manufacturing), "C17", "C171", "C1711"; the digits alone also do."""
        value = value.strip().upper()
        if value[:1].isdigit():
            return qs.filter(industry__code__startswith=value)
        return qs.filter(industry__full_code__startswith=value)

    def filter_division(self, qs, name, value):
        division = Division.objects.filter(code=value.strip()).first()
        if division is None:
            return qs.none()
        return qs.filter(division__path__startswith=division.path)

    def filter_tag(self, qs, name, value):
        value = value.strip()
        if not value:
            return qs
        # The JSON text holds the tag in quotes (escaped to ASCII on SQLite): works on both databases.
        text = Cast("tags", TextField())
        qs = qs.annotate(tags_text=text)
        return qs.filter(
            Q(tags_text__contains=json.dumps(value)) | Q(tags_text__contains=json.dumps(value, ensure_ascii=False))
        )
