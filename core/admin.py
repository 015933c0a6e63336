"""Admin pieces every app uses: records that change only through their services are shown read-only."""

from django.contrib import admin


class ReadOnlyPermissions:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    """A model written only by its services: listed and shown, never added, changed or deleted here."""


class ReadOnlyInline(ReadOnlyPermissions, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False
