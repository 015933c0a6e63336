"""Admin pieces every app uses.

- ``RecordedAdmin``: reference data edited in the admin (divisions, departments, categories, time
  limits…). Each add, change and delete is recorded through ``core.history.record`` with the changed
  fields and the admin user, and the admin's 历史 button shows that history (the same rows as
  everywhere else), not Django's own log.
- ``ReadOnlyAdmin``: records that change only through their services, listed and shown, never added,
  changed or deleted here; its 历史 button shows their history too."""

from django.contrib import admin
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from core.history import created, diff, history_rows, record, snapshot, to_json


class HistoryView:
    """The admin's 历史 page shows the record's ``ChangeRecord`` history."""

    def history_view(self, request, object_id, extra_context=None):
        obj = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not self.has_view_or_change_permission(request, obj):
            return super().history_view(request, object_id, extra_context)
        context = {
            **self.admin_site.each_context(request),
            "title": _("变更历史：%(object)s") % {"object": obj},
            "subtitle": None,
            "object": obj,
            "opts": self.model._meta,
            "history": history_rows(obj),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/core_history.html", context)


class RecordedAdmin(HistoryView, admin.ModelAdmin):
    """Reference data edited in the admin, every change recorded (who, when, which fields, why)."""

    def save_model(self, request, obj, form, change):
        before = snapshot(type(obj).objects.get(pk=obj.pk)) if change and obj.pk else None
        super().save_model(request, obj, form, change)
        changes = diff(before, snapshot(obj)) if before is not None else created(obj)
        if changes or not change:
            record(obj, actor=request.user, action="change" if change else "create", changes=changes,
                   reason=_("在系统管理中修改") if change else _("在系统管理中新增"))  # fmt: skip

    def delete_model(self, request, obj):
        _record_delete(request, obj)
        super().delete_model(request, obj)

    def save_formset(self, request, form, formset, change):
        """Inline rows (a category's subcategories…) are recorded too, under the parent record."""
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            _record_delete(request, obj, parent=form.instance)
            obj.delete()
        for obj in instances:
            before = snapshot(type(obj).objects.get(pk=obj.pk)) if obj.pk else None
            obj.save()
            changes = diff(before, snapshot(obj)) if before is not None else created(obj)
            record(obj, actor=request.user, action="change" if before else "create", changes=changes,
                   parent=form.instance, reason=_("在系统管理中修改") if before else _("在系统管理中新增"))  # fmt: skip
        formset.save_m2m()

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


def _record_delete(request, obj, parent=None) -> None:
    gone = {k: [to_json(v), None] for k, v in snapshot(obj).items()}
    record(obj, actor=request.user, action="delete", changes=gone, parent=parent, reason=_("在系统管理中删除"))


class ReadOnlyPermissions:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyPermissions, HistoryView, admin.ModelAdmin):
    """A model written only by its services: listed and shown, never added, changed or deleted here."""


class ReadOnlyInline(ReadOnlyPermissions, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False
