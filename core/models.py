"""The change-history kit's tables: ``Event`` is the abstract row every app's history is built on
(who, when, what, why, which request), and ``ChangeRecord`` holds the history of every record that
has no event table of its own. Both are append-only; ``core.history.record`` writes them."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.Model):
    """One change: the action, who (``actor``; None is the system), when, why, the changed fields
    as ``{field: [before, after]}`` and the id of the request that made it."""

    action = models.CharField(_("操作"), max_length=24)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("操作人")
    )  # None: the system
    at = models.DateTimeField(_("时间"), db_index=True)
    reason = models.CharField(_("说明"), max_length=1000, blank=True)
    changes = models.JSONField(_("变更"), default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)


class ChangeRecord(Event):
    """The history of any record (a policy, a key, a calendar year, a department…). ``parent`` is the
    record it belongs to (a clause's policy), so a parent's history shows its children's changes."""

    content_type = models.ForeignKey(ContentType, models.CASCADE, related_name="+")
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(_("对象"), max_length=200)
    target = GenericForeignKey("content_type", "object_id")
    parent_type = models.ForeignKey(ContentType, models.CASCADE, null=True, blank=True, related_name="+")
    parent_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="change_target"),
            models.Index(fields=["parent_type", "parent_id"], name="change_parent"),
        ]
        verbose_name = _("变更记录")
        verbose_name_plural = _("变更记录")

    def __str__(self):
        return f"{self.object_repr} {self.action} {self.at:%Y-%m-%d %H:%M}"
