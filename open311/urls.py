from django.urls import path, register_converter

from open311 import views


class Format:
    regex = "xml|json"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(Format, "fmt")

app_name = "open311"

urlpatterns = [
    path("v2/discovery.<fmt:fmt>", views.discovery, name="discovery"),
    path("v2/services.<fmt:fmt>", views.service_list, name="services"),
    path("v2/services/<str:code>.<fmt:fmt>", views.service_definition, name="service-definition"),
    path("v2/requests.<fmt:fmt>", views.requests, name="requests"),
    path("v2/tokens/<str:token>.<fmt:fmt>", views.token, name="token"),
    path("v2/requests/<str:service_request_id>.<fmt:fmt>", views.request_detail, name="request"),
    path("v2/servicerequestupdates.<fmt:fmt>", views.updates, name="updates"),
]
