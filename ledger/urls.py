from django.urls import path

from ledger import views

app_name = "ledger"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("items/<int:pk>/", views.item_detail, name="item"),
    path("items/<int:pk>/act/<slug:action>/", views.item_act, name="act"),
    path("intake/", views.intake, name="intake"),
    path("ledger/", views.ledger, name="ledger"),
    path("ledger/export/<slug:name>.<slug:fmt>", views.ledger_export, name="export"),
    path("ledger/exports/<int:pk>/", views.export_job, name="export_job"),
    path("ledger/exports/<int:pk>/download/", views.export_download, name="export_download"),
]
