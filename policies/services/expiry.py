"""Expiry of the catalogue's policies: what ``manage.py policies expire`` and the recurring task
``policies.tasks.expire`` run (apart from ``catalogue``, which enqueues tasks)."""

import datetime as dt
import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.history import record
from org.actor import require_actor
from policies.models import Policy, PolicyStatus

policy_log = logging.getLogger("grassroots.policies")


def policies_expire(today: dt.date | None = None, *, actor) -> int:
    """Expire the published policies whose expiry date has passed (``expires_on`` < today): status
    已失效 and the policy's version bumped, each recorded in its history as done by ``actor`` (the
    command and the task act as ``org.actor.SYSTEM``) and logged (``grassroots.policies``). Running it
    again changes nothing. Returns how many were expired now. What runs ``manage.py policies expire``
    and the recurring task ``policies.tasks.expire``."""
    require_actor(actor)
    today = today or timezone.localdate()
    with transaction.atomic():
        due = list(
            Policy.objects.select_for_update()
            .filter(status=PolicyStatus.PUBLISHED, expires_on__lt=today)
            .order_by("code")
        )
        Policy.objects.filter(pk__in=[p.pk for p in due]).update(status=PolicyStatus.EXPIRED, version=F("version") + 1)
        for policy in due:
            record(policy, actor=actor, action="expire", reason=f"expires_on {policy.expires_on.isoformat()}",
                   changes={"status": [PolicyStatus.PUBLISHED.value, PolicyStatus.EXPIRED.value]})  # fmt: skip
            policy_log.info("policy %s expired on %s (run of %s)", policy.code, policy.expires_on.isoformat(),
                            today.isoformat())  # fmt: skip
    return len(due)
