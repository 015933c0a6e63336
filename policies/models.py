"""The policy catalogue (政策) and the matches of its clauses to enterprises (政策找企)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PolicyStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    EXPIRED = "expired", _("已失效")


class ClauseMode(models.TextChoices):
    APPLY = "apply", _("依申请")
    AUTO = "auto", _("免申即享")


class MatchResult(models.TextChoices):
    ELIGIBLE = "eligible", _("符合")
    INELIGIBLE = "ineligible", _("不符合")
    UNKNOWN = "unknown", _("数据缺失")


class Policy(models.Model):
    """A policy document: a package of measures such as 稳工业11条."""

    code = models.SlugField(_("编号"), max_length=32, unique=True)
    title = models.CharField(_("标题"), max_length=200)
    issuer = models.CharField(_("发文单位"), max_length=100)
    document_number = models.CharField(_("文号"), max_length=100, blank=True)
    issued_on = models.DateField(_("发布日期"))
    expires_on = models.DateField(_("失效日期"), null=True, blank=True)
    full_text = models.TextField(_("全文"), blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=PolicyStatus.choices, default=PolicyStatus.DRAFT)
    is_example = models.BooleanField(_("示例数据"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("政策")
        verbose_name_plural = _("政策")

    def __str__(self):
        return self.title


class PolicyClause(models.Model):
    """One measure of a policy: who is eligible (a JSON Logic condition) and what they get."""

    policy = models.ForeignKey(Policy, models.CASCADE, related_name="clauses", verbose_name=_("政策"))
    code = models.CharField(_("条款编号"), max_length=40, unique=True)
    number = models.PositiveSmallIntegerField(_("序号"))
    title = models.CharField(_("条款"), max_length=200)
    condition = models.JSONField(_("申报条件"))
    benefit = models.JSONField(_("兑现金额"), null=True, blank=True, help_text="a number or a JSON Logic formula")
    cap = models.DecimalField(_("最高金额"), max_digits=16, decimal_places=2, null=True, blank=True)
    mode = models.CharField(_("兑现方式"), max_length=10, choices=ClauseMode.choices, default=ClauseMode.APPLY)
    budget = models.DecimalField(_("资金预算"), max_digits=16, decimal_places=2, null=True, blank=True)
    department = models.CharField(_("兑现部门"), max_length=100, blank=True)
    rule_version = models.CharField(_("规则版本"), max_length=16, editable=False)
    # "rows:sum1:sum2" over the stored matches' row hashes (order-independent); equal digests mean
    # nothing to write, so a recompute reads back only the clauses whose results changed
    matches_digest = models.CharField(max_length=64, blank=True, editable=False)
    is_example = models.BooleanField(_("示例数据"), default=False)

    class Meta:
        ordering = ["policy__code", "number"]
        verbose_name = _("政策条款")
        verbose_name_plural = _("政策条款")
        constraints = [
            models.CheckConstraint(
                condition=Q(budget__gte=0) | Q(budget__isnull=True), name="clause_budget_not_negative"
            ),
            models.CheckConstraint(condition=Q(cap__gte=0) | Q(cap__isnull=True), name="clause_cap_not_negative"),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"


class Match(models.Model):
    """A clause's result for one enterprise. Only eligible and unknown results are stored: an
    enterprise without a row for a clause is not eligible for it."""

    clause = models.ForeignKey(PolicyClause, models.CASCADE, related_name="matches", verbose_name=_("政策条款"))
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18)
    result = models.CharField(_("结果"), max_length=10, choices=MatchResult.choices)
    amount = models.DecimalField(_("金额"), max_digits=16, decimal_places=2, null=True, blank=True)
    missing = models.CharField(_("缺失数据"), max_length=255, blank=True)
    computed_at = models.DateTimeField(_("计算时间"))
    rule_version = models.CharField(_("规则版本"), max_length=16)

    class Meta:
        verbose_name = _("匹配结果")
        verbose_name_plural = _("匹配结果")
        constraints = [models.UniqueConstraint(fields=["clause", "credit_code"], name="match_one_per_clause")]
        indexes = [models.Index(fields=["credit_code"], name="match_credit_code")]

    def __str__(self):
        return f"{self.clause_id} {self.credit_code} {self.result}"
