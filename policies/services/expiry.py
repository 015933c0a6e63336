"""Expiry of the catalogue's policies: what ``manage.py policies expire`` and the recurring task
``policies.tasks.expire`` run (apart from ``catalogue``, which enqueues tasks)."""

import datetime as dt
import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from policies.models import Policy, PolicyStatus

policy_log = logging.getLogger("grassroots.policies")


def policies_expire(today: dt.date | None = None) -> int:
    """Expire the published policies whose expiry date has passed (``expires_on`` < today): status
    已失效 and the policy's version bumped, each logged (``grassroots.policies``). Running it again
    changes nothing. Returns how many were expired now. What runs ``manage.py policies expire`` and
    the recurring task ``policies.tasks.expire``."""
    today = today or timezone.localdate()
    with transaction.atomic():
        due = list(
            Policy.objects.select_for_update()
            .filter(status=PolicyStatus.PUBLISHED, expires_on__lt=today)
            .order_by("code")
            .values_list("pk", "code", "expires_on")
        )
        Policy.objects.filter(pk__in=[pk for pk, _code, _on in due]).update(
            status=PolicyStatus.EXPIRED, version=F("version") + 1
        )
        for _pk, code, expires_on in due:
            policy_log.info("policy %s expired on %s (run of %s)", code, expires_on.isoformat(), today.isoformat())
    return len(due)
