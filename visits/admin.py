from django.contrib import admin

from core.admin import ReadOnlyAdmin, ReadOnlyInline
from visits.models import Finding, Visit


class FindingInline(ReadOnlyInline):
    model = Finding
    fields = ("text", "kind", "item")


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ("visited_on", "enterprise", "division", "county_level", "created_by")
    list_filter = ("county_level",)
    search_fields = ("enterprise__name", "place")
    inlines = [FindingInline]
