"""Who may open an enterprise of the register, on the permission kit: its division's staff and the
city; another county's staff get 404; the anonymous are sent to log in (401 through the API)."""

from django.urls import reverse
from django.utils import timezone

from core.testing import Endpoint, permission_tests
from enterprises.models import Enterprise
from enterprises.tests.conftest import code


def firm(register) -> Enterprise:
    """An enterprise of 鲤城区."""
    name = "泉州市鸿达鞋业有限公司"
    return Enterprise.objects.create(
        credit_code=code(), name=name, name_search=name, division=register.village, updated_at=timezone.now()
    )


SEE = dict(make=firm, allowed=["call_taker", "admin"], out_of_scope=["other_handler"])

test_an_enterprise_is_seen_by_its_divisions_staff_only = permission_tests(
    Endpoint("page", lambda e: reverse("enterprises:detail", args=[e.pk]), **SEE),
    Endpoint("api", lambda e: f"/api/enterprises/{e.pk}/", **SEE),
    Endpoint("import", reverse("enterprises:import"), allowed=["admin"], wrong_role=["call_taker"]),
    Endpoint("api import", "/api/enterprises/import/", allowed=[], wrong_role=["call_taker"], method="post"),
)
