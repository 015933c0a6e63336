"""Enterprise visits (走访企业): who went, where, when, and what they heard. Each finding becomes a
ledger item in one step (channel 走访企业, the enterprise as submitter), linked both ways."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ledger.models import Item, Kind
from org.actor import STAFF_ROLES, RestrictedManager, Scope
from org.models import Division, Person, Role

RECORD_ROLES = frozenset({Role.CALL_TAKER, Role.HANDLER, Role.LEADER, Role.ADMIN})


class Visit(models.Model):
    visited_on = models.DateField(_("走访日期"), db_index=True)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", models.PROTECT, null=True, blank=True, related_name="visits",
        verbose_name=_("走访企业"),
    )  # fmt: skip
    division = models.ForeignKey(Division, models.PROTECT, related_name="+", verbose_name=_("所在区划"))
    division_path = models.CharField(max_length=255, db_index=True, editable=False)
    place = models.CharField(_("地点"), max_length=100, blank=True)
    officials = models.ManyToManyField(Person, related_name="visits", verbose_name=_("走访干部"))
    county_level = models.BooleanField(_("县处级以上干部参加"), default=False)
    summary = models.TextField(_("走访情况"), max_length=4000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("录入人")
    )  # None: the system (the demo loader)
    created_at = models.DateTimeField(_("录入时间"))

    scope = Scope(
        division="division_path",
        people=("created_by", "officials__user"),
        roles={"view": STAFF_ROLES, "change": RECORD_ROLES},
    )
    objects = RestrictedManager()

    class Meta:
        ordering = ["-visited_on", "-pk"]
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")

    def __str__(self):
        where = self.enterprise.name if self.enterprise_id else (self.place or self.division.name)
        return f"{self.visited_on:%Y-%m-%d} {where}"


class Finding(models.Model):
    """One problem or suggestion heard on a visit; ``item`` once it is in the ledger."""

    visit = models.ForeignKey(Visit, models.CASCADE, related_name="findings")
    text = models.TextField(_("问题或建议"), max_length=2000)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.PROBLEM)
    item = models.OneToOneField(
        Item, models.PROTECT, null=True, blank=True, related_name="visit_finding", verbose_name=_("事项")
    )

    class Meta:
        ordering = ["visit", "pk"]
        verbose_name = _("走访发现的问题")
        verbose_name_plural = _("走访发现的问题")

    def __str__(self):
        return self.text[:40]


class Pairing(models.Model):
    """挂钩: an official's standing link to an enterprise (万名干部进万企), or a city leader's to a county
    (市领导挂钩县域), from a start date to an end date (open-ended while it lasts)."""

    official = models.ForeignKey(Person, models.PROTECT, related_name="pairings", verbose_name=_("挂钩干部"))
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", models.PROTECT, null=True, blank=True, related_name="pairings",
        verbose_name=_("挂钩企业"),
    )  # fmt: skip
    division = models.ForeignKey(
        Division, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("挂钩区划")
    )  # a county, for a leader paired with a county; the enterprise's division otherwise
    division_path = models.CharField(max_length=255, db_index=True, editable=False)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("录入人")
    )
    created_at = models.DateTimeField(_("录入时间"))

    scope = Scope(division="division_path", people=("official__user",), roles={"view": STAFF_ROLES,
                  "change": frozenset({Role.LEADER, Role.ADMIN})})  # fmt: skip
    objects = RestrictedManager()

    class Meta:
        ordering = ["official__name", "starts_on"]
        verbose_name = _("挂钩关系")
        verbose_name_plural = _("挂钩关系")

    def __str__(self):
        return f"{self.official} ↔ {self.enterprise or self.division}"
