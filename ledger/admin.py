"""Administration of the ledger's reference data (categories, time limits) and a read-only view
of items. Items change only through the services (ledger/services.py), which check the state
machine and write the event log, so the admin neither adds, changes nor deletes them."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin, ReadOnlyInline, RecordedAdmin
from ledger.models import Callback, Category, Item, ItemEvent, ItemSubmitter, Measure, Result, TimeLimit


class SubcategoryInline(admin.TabularInline):
    model = Category
    fk_name = "parent"
    fields = ["code", "name", "keywords", "active"]
    extra = 1
    verbose_name = _("子分类")
    verbose_name_plural = _("子分类")


class CategoryLevelFilter(admin.SimpleListFilter):
    title = _("层级")
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return [("1", _("大类")), ("2", _("小类"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(parent=None)
        if self.value() == "2":
            return queryset.exclude(parent=None)
        return queryset


@admin.register(Category)
class CategoryAdmin(RecordedAdmin):
    list_display = ["code", "name", "parent", "keywords", "active"]
    list_editable = ["name", "active"]
    list_filter = [CategoryLevelFilter, "active", ("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["code", "name", "keywords"]
    list_select_related = ["parent"]
    inlines = [SubcategoryInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":  # two levels: a parent is itself top-level
            kwargs["queryset"] = Category.objects.filter(parent=None)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_inlines(self, request, obj):
        # sub-categories are edited under a top-level category only
        return self.inlines if obj is None or obj.parent_id is None else []


@admin.register(TimeLimit)
class TimeLimitAdmin(RecordedAdmin):
    list_display = [
        "__str__",
        "category",
        "priority",
        "acknowledge_within",
        "acknowledge_unit",
        "resolve_within",
        "resolve_unit",
    ]
    list_filter = ["priority", "resolve_unit"]
    list_select_related = ["category__parent"]
    autocomplete_fields = ["category"]


class MeasureInline(ReadOnlyInline):
    model = Measure
    fields = ["text", "owner", "due", "done_at", "created_at"]


class ResultInline(ReadOnlyInline):
    model = Result
    fields = ["kind", "text", "amount", "created_by", "created_at"]


class CallbackInline(ReadOnlyInline):
    model = Callback
    fields = ["submitter", "satisfaction", "solved", "note", "by", "at"]


class ItemSubmitterInline(ReadOnlyInline):
    """The submitters of repeats merged into the item (phone and ID numbers left out, as above)."""

    model = ItemSubmitter
    fk_name = "item"
    fields = ["submitter_type", "submitter_name", "enterprise_name", "merged_from", "added_at"]


class ItemEventInline(ReadOnlyInline):
    model = ItemEvent
    fields = ["at", "action", "from_status", "to_status", "actor", "reason", "changes", "request_id"]
    ordering = ["at", "id"]


@admin.register(Item)
class ItemAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "title",
        "status",
        "kind",
        "channel",
        "division",
        "department",
        "opened_at",
        "resolve_due",
    ]
    list_filter = ["status", "kind", "channel", "priority", "supervised"]
    search_fields = ["number", "title", "enterprise_name"]
    list_select_related = ["division", "department"]
    date_hierarchy = "opened_at"
    readonly_fields = ["page_link"]
    inlines = [ItemSubmitterInline, MeasureInline, ResultInline, CallbackInline, ItemEventInline]
    fieldsets = [
        (None, {"fields": ["page_link", "number", "title", "description", "kind", "channel", "category", "priority"]}),
        (_("诉求人"), {"fields": ["submitter_type", "submitter_name", "enterprise_name", "enterprise_credit_code"]}),
        (_("区划"), {"fields": ["division", "address"]}),
        (
            _("办理"),
            {
                "fields": [
                    "status",
                    "merged_into",
                    "first_receiver",
                    "department",
                    "handler",
                    "sponsor",
                    "opened_at",
                    "dispatched_at",
                    "acknowledged_at",
                    "acknowledge_due",
                    "resolve_due",
                    "resolved_at",
                    "closed_at",
                    "satisfaction",
                    "redo_count",
                    "supervised",
                    "urge_count",
                    "version",
                ]
            },
        ),
    ]

    @admin.display(description=_("办理页面"))
    def page_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("ledger:item", args=[obj.pk]), _("在台账中打开"))


@admin.register(ItemEvent)
class ItemEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "item", "action", "from_status", "to_status", "actor", "request_id"]
    list_filter = ["action"]
    search_fields = ["item__number", "request_id"]
    list_select_related = ["item", "actor"]
    date_hierarchy = "at"
