from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from org.models import Department, Division, Person
from org.services import department_create


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "division_type"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]
    raw_id_fields = ["parent"]
    readonly_fields = ["path"]
    list_per_page = 100

    def save_model(self, request, obj, form, change):
        # the subtree queries rely on ``path``: keep it in step with the parent
        obj.path = (obj.parent.path if obj.parent_id else "") + obj.code + "/"
        super().save_model(request, obj, form, change)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "division", "email", "active"]
    list_filter = ["active", "division__level"]
    list_editable = ["active"]
    search_fields = ["code", "name", "division__name"]
    list_select_related = ["division"]
    autocomplete_fields = ["division"]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        made = department_create(  # a new department is recorded, naming the administrator
            code=obj.code, name=obj.name, division=obj.division, email=obj.email, actor=request.user
        )
        obj.pk = made.pk
        if made.active != obj.active:
            Department.objects.filter(pk=made.pk).update(active=obj.active)


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "role", "division", "department", "rank", "title"]
    list_filter = ["role", "rank", "division__level"]
    search_fields = ["name", "user__username", "department__name", "division__name", "phone"]
    list_select_related = ["user", "division", "department"]
    autocomplete_fields = ["user", "division", "department"]
    fieldsets = [
        (None, {"fields": ["user", "name", "role", "rank", "title"]}),
        (_("所属"), {"fields": ["division", "department"]}),
        (_("联系与偏好"), {"fields": ["phone", "language"]}),
    ]
