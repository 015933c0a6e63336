from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from org import views as org_views

admin.site.site_header = _("四下基层 · 系统管理")
admin.site.site_title = _("四下基层 · 系统管理")
admin.site.index_title = _("系统管理")
if settings.TASKS_BACKEND != "rq":  # the RQ dashboard only where RQ runs the tasks
    from django_rq.models import Dashboard

    admin.site.unregister(Dashboard)

urlpatterns = [
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    path("", include("ledger.urls")),
    path("enterprises/", include("enterprises.urls")),
    path("policies/", include("policies.urls")),
    path("insight/", include("insight.urls")),
    path("open311/", include("open311.urls")),
    path("visits/", include("visits.urls")),
    path("", include("cockpit.urls")),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", org_views.set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("api/", include("ledger.api.urls")),
    path("api/", include("enterprises.api.urls")),
    path("api/", include("policies.api.urls")),
    path("api/", include("visits.api.urls")),
    path("api/", include("cockpit.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]
