"""The policy catalogue (政策) and the matches of its clauses to enterprises (政策找企)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
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
    version = models.PositiveIntegerField(default=1)

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
    department = models.ForeignKey(
        "org.Department", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("兑现部门")
    )
    rule_version = models.CharField(_("规则版本"), max_length=16, editable=False)
    matched_version = models.CharField(_("匹配所用规则版本"), max_length=16, blank=True, editable=False)
    # "rows:sum1:sum2" over the stored matches' row hashes (order-independent); equal digests mean
    # nothing to write, so a recompute reads back only the clauses whose results changed
    matches_digest = models.CharField(max_length=64, blank=True, editable=False)
    is_example = models.BooleanField(_("示例数据"), default=False)
    version = models.PositiveIntegerField(default=1)

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


class ClauseVersion(models.Model):
    """Every saved wording of a clause (one row per ``PolicyClause.version``), kept: who changed it,
    when, why, and all of it — the rule (condition, benefit, cap: ``rule_version``, which the stored
    matches, notifications and grants name) and the rest (title, mode, budget, paying department)."""

    clause = models.ForeignKey(PolicyClause, models.CASCADE, related_name="versions", verbose_name=_("政策条款"))
    number = models.PositiveIntegerField(_("版本号"))
    rule_version = models.CharField(_("规则版本"), max_length=16)
    condition = models.JSONField(_("申报条件"))
    benefit = models.JSONField(_("兑现金额"), null=True, blank=True)
    cap = models.DecimalField(_("最高金额"), max_digits=16, decimal_places=2, null=True, blank=True)
    title = models.CharField(_("条款"), max_length=200)
    mode = models.CharField(_("兑现方式"), max_length=10, choices=ClauseMode.choices)
    budget = models.DecimalField(_("资金预算"), max_digits=16, decimal_places=2, null=True, blank=True)
    department = models.ForeignKey(
        "org.Department", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("兑现部门")
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("修改人")
    )
    reason = models.CharField(_("修改原因"), max_length=200, blank=True)

    class Meta:
        ordering = ["clause", "-number"]
        verbose_name = _("条款版本")
        verbose_name_plural = _("条款版本")
        constraints = [models.UniqueConstraint(fields=["clause", "number"], name="clause_version_unique")]
        indexes = [models.Index(fields=["clause", "rule_version"], name="clause_version_rule")]

    def __str__(self):
        return f"{self.clause_id} v{self.number} {self.rule_version}"


class Notification(models.Model):
    """A match pushed to an enterprise (in-app, and by email to its members): once per enterprise
    and clause version, never twice."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", models.CASCADE, related_name="policy_notifications", verbose_name=_("企业")
    )
    clause = models.ForeignKey(PolicyClause, models.CASCADE, related_name="notifications", verbose_name=_("政策条款"))
    rule_version = models.CharField(_("规则版本"), max_length=16)
    amount = models.DecimalField(_("金额"), max_digits=16, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField(_("推送时间"), auto_now_add=True)
    emailed_to = models.CharField(_("邮件发送至"), max_length=500, blank=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("政策推送")
        verbose_name_plural = _("政策推送")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "clause", "rule_version"], name="notification_once")
        ]

    def __str__(self):
        return f"{self.enterprise_id} {self.clause_id} {self.rule_version}"


class GrantBatchStatus(models.TextChoices):
    DRAFT = "draft", _("待审核")
    APPROVED = "approved", _("已审批")
    REJECTED = "rejected", _("已退回")


class GrantBatch(models.Model):
    """免申即享: the eligible enterprises of an enjoy-without-applying clause, drawn up as one batch
    that the paying department reviews and approves."""

    clause = models.ForeignKey(PolicyClause, models.PROTECT, related_name="grant_batches", verbose_name=_("政策条款"))
    rule_version = models.CharField(_("规则版本"), max_length=16)
    status = models.CharField(
        _("状态"), max_length=10, choices=GrantBatchStatus.choices, default=GrantBatchStatus.DRAFT
    )
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True, blank=True, verbose_name=_("生成人")
    )
    reviewed_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True, blank=True, verbose_name=_("审批人")
    )
    note = models.CharField(_("审批意见"), max_length=500, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("兑现批次")
        verbose_name_plural = _("兑现批次")

    def __str__(self):
        return f"{self.clause_id} #{self.pk}"


class GrantBatchLine(models.Model):
    """One enterprise of a batch, with the amount the engine computed for it."""

    batch = models.ForeignKey(GrantBatch, models.CASCADE, related_name="lines", verbose_name=_("兑现批次"))
    enterprise = models.ForeignKey("enterprises.Enterprise", models.PROTECT, related_name="+", verbose_name=_("企业"))
    amount = models.DecimalField(_("金额"), max_digits=16, decimal_places=2)
    excluded_reason = models.CharField(_("剔除原因"), max_length=200, blank=True)  # blank: paid on approval

    class Meta:
        ordering = ["batch", "pk"]
        verbose_name = _("批次明细")
        verbose_name_plural = _("批次明细")
        constraints = [models.UniqueConstraint(fields=["batch", "enterprise"], name="batch_line_unique")]

    def __str__(self):
        return f"{self.batch_id} {self.enterprise_id} {self.amount}"


class Grant(models.Model):
    """A benefit paid: one per enterprise and clause, so approving twice grants once."""

    clause = models.ForeignKey(PolicyClause, models.PROTECT, related_name="grants", verbose_name=_("政策条款"))
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", models.PROTECT, related_name="grants", verbose_name=_("企业")
    )
    batch = models.ForeignKey(
        GrantBatch, models.PROTECT, null=True, blank=True, related_name="grants", verbose_name=_("兑现批次")
    )
    application = models.OneToOneField(
        "Application", models.PROTECT, null=True, blank=True, related_name="grant", verbose_name=_("申请")
    )
    rule_version = models.CharField(_("规则版本"), max_length=16)
    amount = models.DecimalField(_("金额"), max_digits=16, decimal_places=2)
    granted_at = models.DateTimeField(_("兑现时间"))
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("审批人"))

    class Meta:
        ordering = ["-granted_at", "-pk"]
        verbose_name = _("兑现记录")
        verbose_name_plural = _("兑现记录")
        constraints = [
            models.UniqueConstraint(fields=["clause", "enterprise"], name="grant_once_per_clause"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="grant_amount_not_negative"),
        ]

    def __str__(self):
        return f"{self.clause_id} {self.enterprise_id} {self.amount}"


class ApplicationDecision(models.TextChoices):
    APPROVED = "approved", _("同意兑现")
    REFUSED = "refused", _("不予兑现")


class Application(models.Model):
    """An apply-mode clause's one-step application, prefilled from the register; it enters the
    ledger as an item, which carries it to a decision."""

    clause = models.ForeignKey(PolicyClause, models.PROTECT, related_name="applications", verbose_name=_("政策条款"))
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", models.PROTECT, related_name="applications", verbose_name=_("企业")
    )
    item = models.OneToOneField(
        "ledger.Item", models.PROTECT, related_name="policy_application", verbose_name=_("台账事项")
    )
    rule_version = models.CharField(_("规则版本"), max_length=16)
    amount = models.DecimalField(_("测算金额"), max_digits=16, decimal_places=2, null=True, blank=True)
    data = models.JSONField(_("申报信息"), default=dict)
    submitted_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("申请人")
    )
    decision = models.CharField(_("兑现决定"), max_length=10, choices=ApplicationDecision.choices, blank=True)
    decided_amount = models.DecimalField(_("兑现金额"), max_digits=16, decimal_places=2, null=True, blank=True)
    decision_reason = models.CharField(_("理由或说明"), max_length=500, blank=True)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("审批人")
    )
    decision_recorded_as = models.CharField(_("记入台账方式"), max_length=10, blank=True)  # "resolve" or "note"

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("政策申请")
        verbose_name_plural = _("政策申请")
        constraints = [models.UniqueConstraint(fields=["clause", "enterprise"], name="application_once")]

    def __str__(self):
        return f"{self.clause_id} {self.enterprise_id}"


class Consultation(models.Model):
    """A draft policy opened for comment (征求意见) by invited associations and enterprises."""

    policy = models.ForeignKey(Policy, models.CASCADE, related_name="consultations", verbose_name=_("政策"))
    opens_on = models.DateField(_("开始日期"))
    closes_on = models.DateField(_("截止日期"))
    invited_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="policy_consultations", verbose_name=_("受邀用户")
    )
    invited_enterprises = models.ManyToManyField(
        "enterprises.Enterprise", blank=True, related_name="policy_consultations", verbose_name=_("受邀企业")
    )
    created_at = models.DateTimeField(_("发起时间"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("发起人"))

    class Meta:
        ordering = ["-opens_on", "-pk"]
        verbose_name = _("征求意见")
        verbose_name_plural = _("征求意见")
        constraints = [models.CheckConstraint(condition=Q(closes_on__gte=F("opens_on")), name="consultation_dates")]

    def __str__(self):
        return f"{self.policy_id} {self.opens_on}–{self.closes_on}"


class Comment(models.Model):
    """A comment on a draft (on the whole policy, or on one clause), and the drafters' answer."""

    consultation = models.ForeignKey(Consultation, models.CASCADE, related_name="comments", verbose_name=_("征求意见"))
    clause = models.ForeignKey(
        PolicyClause, models.SET_NULL, null=True, blank=True, related_name="comments", verbose_name=_("政策条款")
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("提出人"))
    on_behalf_of = models.CharField(_("代表单位"), max_length=200, blank=True)
    text = models.TextField(_("意见"))
    created_at = models.DateTimeField(_("提出时间"), auto_now_add=True)
    answer = models.TextField(_("答复"), blank=True)
    adopted = models.BooleanField(_("是否采纳"), null=True, blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("答复人")
    )

    class Meta:
        ordering = ["consultation", "created_at", "pk"]
        verbose_name = _("意见")
        verbose_name_plural = _("意见")

    def __str__(self):
        return self.text[:30]
