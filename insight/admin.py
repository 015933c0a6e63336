from django.contrib import admin

from insight.models import HotIssue, RoutingModel, Suggestion


@admin.register(RoutingModel)
class RoutingModelAdmin(admin.ModelAdmin):
    list_display = ("target", "version", "active", "n_train", "created_at")
    list_filter = ("target", "active")
    readonly_fields = ("target", "version", "path", "n_train", "metrics", "active", "created_at")

    def has_add_permission(self, request):
        return False  # versions come from training (manage.py routing retrain)


@admin.register(Suggestion)
class SuggestionAdmin(admin.ModelAdmin):
    list_display = ("item", "target", "value", "confidence", "chosen", "overruled", "created_at")
    list_filter = ("target", "overruled")
    raw_id_fields = ("item",)


@admin.register(HotIssue)
class HotIssueAdmin(admin.ModelAdmin):
    list_display = ("label", "item", "created_by", "created_at")
    raw_id_fields = ("item", "sources")
