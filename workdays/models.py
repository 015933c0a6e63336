from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarYear(models.Model):
    """A year whose official holiday arrangement (国务院办公厅通知) is known.

    Deadlines that run into a year with no row here count weekends as rest days and are
    marked provisional."""

    year = models.PositiveSmallIntegerField(_("年份"), primary_key=True)
    source = models.CharField(_("来源"), max_length=200, blank=True)

    class Meta:
        ordering = ["year"]
        verbose_name = _("已公布年度")
        verbose_name_plural = _("已公布年度")

    def __str__(self):
        return str(self.year)


class SpecialDay(models.Model):
    """A day that departs from the Monday-to-Friday rule: a weekday holiday, or a weekend
    day made a working day (调休)."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("上班"))
    name = models.CharField(_("名称"), max_length=32, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")

    def __str__(self):
        return f"{self.date} {self.name}"
