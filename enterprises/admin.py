"""Administration of the register: the industry classification (read-only reference), enterprises
(read-only: they change through imports), their members (enterprise users), and import runs."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from enterprises.models import Enterprise, EnterpriseYear, ImportRun, Industry


@admin.register(Industry)
class IndustryAdmin(ReadOnlyAdmin):
    list_display = ["full_code", "name", "level"]
    list_filter = ["level"]
    search_fields = ["full_code", "name"]


class EnterpriseYearInline(admin.TabularInline):
    model = EnterpriseYear
    extra = 0
    can_delete = False
    readonly_fields = ["year", "revenue", "exports", "tax", "employees"]


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ["credit_code", "name", "industry", "division", "size_class", "above_scale"]
    list_filter = ["size_class", "above_scale", "high_tech", "srdi", "little_giant"]
    search_fields = ["credit_code", "name", "name_search"]
    raw_id_fields = ["industry", "division"]
    filter_horizontal = ["members"]
    inlines = [EnterpriseYearInline]
    readonly_fields = [f for f in ("credit_code", "name", "updated_at", "version")]
    fields = ["credit_code", "name", "members", "updated_at", "version"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ["created_at", "filename", "actor", "total_rows", "created", "updated", "unchanged", "error_rows"]
    readonly_fields = [f.name for f in ImportRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
