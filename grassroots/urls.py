from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from org import views as org_views

urlpatterns = [
    path("", include("ledger.urls")),
    path("enterprises/", include("enterprises.urls")),
    path("policies/", include("policies.urls")),
    path("insight/", include("insight.urls")),
    path("open311/", include("open311.urls")),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", org_views.set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("api/", include("ledger.api.urls")),
    path("api/", include("enterprises.api.urls")),
    path("api/", include("policies.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]
