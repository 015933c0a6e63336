from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Target(models.TextChoices):
    CATEGORY = "category", _("分类")
    DEPARTMENT = "department", _("承办部门")


class RoutingModel(models.Model):
    """One trained version of a routing model: its file, its figures, whether it is the one in use."""

    target = models.CharField(_("预测对象"), max_length=12, choices=Target.choices)
    version = models.PositiveIntegerField(_("版本"))
    path = models.CharField(_("模型文件"), max_length=255)
    n_train = models.PositiveIntegerField(_("训练样本数"))
    metrics = models.JSONField(_("评估指标"), default=dict)
    active = models.BooleanField(_("在用"), default=False)
    created_at = models.DateTimeField(_("训练时间"), auto_now_add=True)

    class Meta:
        ordering = ["target", "-version"]
        verbose_name = _("分拨模型")
        verbose_name_plural = _("分拨模型")
        constraints = [
            models.UniqueConstraint(fields=["target", "version"], name="routingmodel_target_version"),
            models.UniqueConstraint(fields=["target"], condition=Q(active=True), name="routingmodel_one_active"),
        ]

    def __str__(self):
        return f"{self.get_target_display()} v{self.version}"


class Suggestion(models.Model):
    """What the model suggested for an item, and what the dispatcher chose (the choice counts)."""

    item = models.ForeignKey("ledger.Item", models.CASCADE, related_name="insight_suggestions")
    target = models.CharField(_("预测对象"), max_length=12, choices=Target.choices)
    value = models.CharField(_("建议"), max_length=32)  # the category's or department's pk
    confidence = models.FloatField(_("置信度"))
    model = models.ForeignKey(RoutingModel, models.SET_NULL, null=True, related_name="suggestions")
    created_at = models.DateTimeField(_("建议时间"), auto_now_add=True)
    chosen = models.CharField(_("实际选择"), max_length=32, blank=True)
    overruled = models.BooleanField(_("被改派"), null=True)  # None: not dispatched yet

    class Meta:
        verbose_name = _("分拨建议")
        verbose_name_plural = _("分拨建议")
        constraints = [models.UniqueConstraint(fields=["item", "target"], name="suggestion_item_target")]

    def __str__(self):
        return f"{self.item_id} {self.target} {self.value} ({self.confidence:.2f})"


class HotIssue(models.Model):
    """A hot cluster a leader turned into one supervised item."""

    item = models.OneToOneField("ledger.Item", models.CASCADE, related_name="hot_issue", verbose_name=_("督办事项"))
    label = models.CharField(_("热点"), max_length=200)
    sources = models.ManyToManyField("ledger.Item", related_name="hot_issues", verbose_name=_("来源事项"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("热点问题")
        verbose_name_plural = _("热点问题")

    def __str__(self):
        return self.label
