"""Administration of Open311: client apps and their API keys (a key is shown once, when it is made),
the extra questions of categories, how categories are offered, and the review of batch requests."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from core.exceptions import ActionRefused
from open311 import services
from open311.models import ApiClient, ApiKey, CategoryAttribute, ServiceOption, ServiceRequestToken


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    fields = ["prefix", "created_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at", "revoked_at"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ["name", "channel", "division", "rate_limit", "active", "created_at"]
    list_filter = ["active", "channel"]
    fields = ["name", "channel", "division", "rate_limit", "active", "user"]
    readonly_fields = ["user"]
    inlines = [ApiKeyInline]
    actions = ["make_key"]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        made = services.client_create(
            name=obj.name, division=obj.division, channel=obj.channel, rate_limit=obj.rate_limit
        )
        obj.pk, obj.user = made.pk, made.user
        obj.created_at = made.created_at

    @admin.action(description=_("生成新的 API 密钥"))
    def make_key(self, request, queryset):
        for client in queryset:
            _key, raw = services.key_create(client=client, actor=request.user)
            self.message_user(
                request,
                _("%(client)s 的新密钥（只显示这一次）：%(key)s") % {"client": client, "key": raw},
                messages.WARNING,
            )


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["client", "prefix", "created_at", "revoked_at"]
    list_filter = ["client", ("revoked_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["client", "prefix", "created_at", "revoked_at"]
    fields = readonly_fields
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # keys are made from a client (action) or by manage.py open311_key

    @admin.action(description=_("吊销所选密钥"))
    def revoke(self, request, queryset):
        for key in queryset:
            services.key_revoke(key=key, actor=request.user)
        self.message_user(request, _("已吊销 %(n)d 个密钥。") % {"n": queryset.count()})


@admin.register(CategoryAttribute)
class CategoryAttributeAdmin(admin.ModelAdmin):
    list_display = ["category", "code", "description", "datatype", "required", "order"]
    list_filter = ["datatype", "required"]
    search_fields = ["code", "description", "category__name"]


@admin.register(ServiceOption)
class ServiceOptionAdmin(admin.ModelAdmin):
    list_display = ["category", "batch", "kind", "published"]
    list_filter = ["batch", "published"]


@admin.register(ServiceRequestToken)
class ServiceRequestTokenAdmin(admin.ModelAdmin):
    list_display = ["token", "client", "category", "status", "created_at", "item"]
    list_filter = ["status", "client"]
    readonly_fields = ["token", "client", "category", "payload", "status", "item", "created_at", "decided_at",
                       "decided_by"]  # fmt: skip
    fields = [*readonly_fields, "reason"]
    actions = ["accept", "reject"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("审核通过并立账"))
    def accept(self, request, queryset):
        for token in queryset:
            try:
                services.token_accept(token=token, reviewer=request.user)
            except ActionRefused as e:
                self.message_user(request, f"{token}: {e.message}", messages.ERROR)

    @admin.action(description=_("不予受理"))
    def reject(self, request, queryset):
        for token in queryset:
            try:
                services.token_reject(token=token, reviewer=request.user)
            except ActionRefused as e:
                self.message_user(request, f"{token}: {e.message}", messages.ERROR)
