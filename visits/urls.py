from django.urls import path

from visits import views

app_name = "visits"

urlpatterns = [
    path("", views.visit_list, name="list"),
    path("new/", views.visit_new, name="new"),
    path("findings/", views.finding_list, name="findings"),
    path("coverage/", views.coverage, name="coverage"),
    path("enterprises/", views.enterprise_options, name="enterprise-options"),
    path("<int:pk>/", views.visit_detail, name="detail"),
    path("findings/<int:pk>/open/", views.finding_open, name="finding-open"),
    path("export/<slug:name>.<slug:fmt>", views.export, name="export"),
]
