from django.urls import path

from enterprises import views

app_name = "enterprises"

urlpatterns = [
    path("", views.register, name="register"),
    path("export.<slug:fmt>", views.register_export, name="export"),
    path("<int:pk>/", views.enterprise_detail, name="detail"),
    path("import/", views.register_import, name="import"),
    path("import/<int:pk>/", views.import_run, name="import_run"),
]
