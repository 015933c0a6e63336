from django.urls import path

from cockpit.api import views

urlpatterns = [
    path("figures/", views.figures, name="api-figures"),
]
