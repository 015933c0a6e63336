from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import Event
from org.actor import RestrictedManager, Scope
from org.models import Department, Division

User = settings.AUTH_USER_MODEL


class Category(models.Model):
    """A two-level tree of request categories, editable by administrators."""

    code = models.CharField(_("代码"), max_length=16, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("上级分类")
    )
    keywords = models.CharField(_("关键词"), max_length=200, blank=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("分类")
        verbose_name_plural = _("分类")

    def __str__(self):
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name


class Kind(models.TextChoices):
    PROBLEM = "problem", _("问题")
    CONSULTATION = "consultation", _("咨询")
    REQUEST = "request", _("求助")
    SUGGESTION = "suggestion", _("建议")
    COMPLAINT = "complaint", _("投诉")
    REPORT = "report", _("举报")
    PETITION = "petition", _("信访")
    DISPUTE = "dispute", _("矛盾纠纷")


class Channel(models.TextChoices):
    HOTLINE = "hotline", _("12345热线")
    VISIT = "visit", _("走访企业")
    SYMPOSIUM = "symposium", _("座谈会")
    RESEARCH = "research", _("调研")
    ONLINE_CAMPAIGN = "online_campaign", _("线上大调研")
    PETITION_RECEPTION = "petition_reception", _("信访接待")
    ONSITE_OFFICE = "onsite_office", _("现场办公")
    NEIGHBOURHOOD_CENTRE = "neighbourhood_centre", _("邻里中心")
    APP = "app", _("移动应用/第三方应用")  # Open311 clients (open311.ApiClient)


class SubmitterType(models.TextChoices):
    RESIDENT = "resident", _("群众")
    ENTERPRISE = "enterprise", _("企业")
    ANONYMOUS = "anonymous", _("匿名")


class Priority(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")
    CRITICAL = "critical", _("特急")


class Status(models.TextChoices):
    OPEN = "open", _("已受理")
    DISPATCHED = "dispatched", _("已派单")
    RETURNED = "returned", _("已退单")
    IN_PROGRESS = "in_progress", _("办理中")
    REDO = "redo", _("重办中")
    RESOLVED = "resolved", _("已办结")
    CALLED_BACK = "called_back", _("已回访")
    CLOSED = "closed", _("已销号")
    MERGED = "merged", _("已合并")  # a repeat merged into another item (merged_into): terminal


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY_SATISFIED = "basically_satisfied", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class TimeUnit(models.TextChoices):
    HOURS = "hours", _("小时")
    WORKING_DAYS = "working_days", _("工作日")


class TimeLimit(models.Model):
    """How long a department has to acknowledge and to resolve, per category and priority.
    A row with no category is the default for its priority."""

    category = models.ForeignKey(Category, models.CASCADE, null=True, blank=True, verbose_name=_("分类"))
    priority = models.CharField(_("紧急程度"), max_length=10, choices=Priority.choices)
    acknowledge_within = models.PositiveSmallIntegerField(_("签收时限"))
    acknowledge_unit = models.CharField(_("签收时限单位"), max_length=12, choices=TimeUnit.choices)
    resolve_within = models.PositiveSmallIntegerField(_("办结时限"))
    resolve_unit = models.CharField(_("办结时限单位"), max_length=12, choices=TimeUnit.choices)

    class Meta:
        verbose_name = _("办理时限")
        verbose_name_plural = _("办理时限")
        constraints = [
            models.UniqueConstraint(fields=["category", "priority"], name="timelimit_category_priority"),
            models.UniqueConstraint(
                fields=["priority"], condition=models.Q(category=None), name="timelimit_default_priority"
            ),
        ]

    def __str__(self):
        return f"{self.category or _('默认')} · {self.get_priority_display()}"


class Item(models.Model):
    """One problem, request, suggestion, complaint, petition or dispute: a row of the problem list."""

    number = models.CharField(_("编号"), max_length=20, unique=True, null=True, editable=False)
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("内容"), max_length=4000, validators=[MaxLengthValidator(4000)])
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    channel = models.CharField(_("渠道"), max_length=24, choices=Channel.choices)
    category = models.ForeignKey(Category, models.PROTECT, related_name="items", verbose_name=_("分类"))
    priority = models.CharField(_("紧急程度"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)

    submitter_type = models.CharField(_("诉求人类型"), max_length=12, choices=SubmitterType.choices)
    submitter_name = models.CharField(_("诉求人"), max_length=64, blank=True)
    submitter_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    submitter_id_number = models.CharField(_("身份证号"), max_length=18, blank=True)
    enterprise_name = models.CharField(_("企业名称"), max_length=128, blank=True)
    enterprise_credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    submitter_user = models.ForeignKey(
        User, models.SET_NULL, null=True, blank=True, related_name="submitted_items", verbose_name=_("提交账号")
    )

    division = models.ForeignKey(Division, models.PROTECT, related_name="items", verbose_name=_("所在区划"))
    division_path = models.CharField(max_length=255, db_index=True, editable=False)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    # Where the submitter said it is, as sent (Open311: lat, long, address_string, address_id, zipcode).
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    long = models.FloatField(_("经度"), null=True, blank=True)
    location_raw = models.JSONField(_("原始位置"), default=dict, blank=True)

    first_receiver = models.ForeignKey(User, models.PROTECT, related_name="received_items", verbose_name=_("首接人"))
    department = models.ForeignKey(
        Department, models.PROTECT, null=True, blank=True, related_name="items", verbose_name=_("承办部门")
    )
    handler = models.ForeignKey(
        User, models.PROTECT, null=True, blank=True, related_name="handled_items", verbose_name=_("责任人")
    )
    sponsor = models.ForeignKey(
        User, models.PROTECT, null=True, blank=True, related_name="sponsored_items", verbose_name=_("包保领导")
    )

    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True)
    opened_at = models.DateTimeField(_("受理时间"), db_index=True)
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    acknowledge_due = models.DateTimeField(_("签收期限"), null=True, blank=True)
    resolve_due = models.DateTimeField(_("办结期限"), null=True, blank=True, db_index=True)
    due_provisional = models.BooleanField(_("期限待定"), default=False)
    pending_extension_due = models.DateTimeField(_("申请延期至"), null=True, blank=True)
    pending_extension_reason = models.CharField(_("延期理由"), max_length=500, blank=True)
    satisfaction = models.CharField(_("满意度"), max_length=20, choices=Satisfaction.choices, blank=True)
    redo_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    supervised = models.BooleanField(_("督办"), default=False)
    urge_count = models.PositiveSmallIntegerField(_("催办次数"), default=0)
    merged_into = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="merged_items", verbose_name=_("合并至")
    )
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    # Staff see the items of their working division's subtree, a handler those of their department;
    # the first receiver (首接首办) and the sponsor (领导包保) always see theirs, a submitter those they
    # submitted or asked in a repeat merged into them. Measures, results and callbacks follow their item.
    scope = Scope(
        division="division_path",
        department="department_id",
        people=("first_receiver", "sponsor", "submitter_user"),
        members=("submitter_user", "extra_submitters__submitter_user"),
    )
    objects = RestrictedManager()

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("事项")
        verbose_name_plural = _("事项")
        indexes = [models.Index(fields=["status", "resolve_due"]), models.Index(fields=["department", "status"])]

    def __str__(self):
        return f"{self.number or ''} {self.title}"


class Measure(models.Model):
    """A step someone commits to, with an owner and a due date: a row of the measure list."""

    item = models.ForeignKey(Item, models.CASCADE, related_name="measures", verbose_name=_("事项"))
    text = models.CharField(_("措施"), max_length=500)
    owner = models.ForeignKey(User, models.PROTECT, related_name="measures", verbose_name=_("责任人"))
    due = models.DateField(_("完成期限"))
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"))

    class Meta:
        ordering = ["item", "id"]
        verbose_name = _("解决措施")
        verbose_name_plural = _("解决措施")

    def __str__(self):
        return self.text


class ResultKind(models.TextChoices):
    SOLVED = "solved", _("问题解决")
    POLICY_ISSUED = "policy_issued", _("出台政策")
    FUNDS_GRANTED = "funds_granted", _("资金支持")
    RULE_CHANGED = "rule_changed", _("制度完善")
    EXPLAINED = "explained", _("解释说明/暂不具备条件")


class Result(models.Model):
    """What came of an item: a row of the result list."""

    item = models.ForeignKey(Item, models.CASCADE, related_name="results", verbose_name=_("事项"))
    kind = models.CharField(_("成果类型"), max_length=16, choices=ResultKind.choices)
    text = models.CharField(_("成果说明"), max_length=1000)
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    created_by = models.ForeignKey(User, models.PROTECT, related_name="+", verbose_name=_("填报人"))
    created_at = models.DateTimeField(_("填报时间"))

    class Meta:
        ordering = ["item", "id"]
        verbose_name = _("成果转化")
        verbose_name_plural = _("成果转化")

    def __str__(self):
        return self.text


class ItemSubmitter(models.Model):
    """A further submitter of an item (诉求人), beyond the one it was opened with: the submitters of
    the repeats merged into it (重复件合并). Each is called back like the first."""

    item = models.ForeignKey(Item, models.CASCADE, related_name="extra_submitters", verbose_name=_("事项"))
    submitter_type = models.CharField(_("诉求人类型"), max_length=12, choices=SubmitterType.choices)
    submitter_name = models.CharField(_("诉求人"), max_length=64, blank=True)
    submitter_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    submitter_id_number = models.CharField(_("身份证号"), max_length=18, blank=True)
    enterprise_name = models.CharField(_("企业名称"), max_length=128, blank=True)
    enterprise_credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    submitter_user = models.ForeignKey(
        User, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("提交账号")
    )
    merged_from = models.ForeignKey(
        Item, models.PROTECT, related_name="+", verbose_name=_("来自事项")
    )  # the repeat this submitter first asked in
    added_at = models.DateTimeField(_("并入时间"))

    class Meta:
        ordering = ["item", "id"]
        verbose_name = _("诉求人（合并）")
        verbose_name_plural = _("诉求人（合并）")

    def __str__(self):
        return f"{self.item_id} {self.submitter_name or self.enterprise_name or self.get_submitter_type_display()}"


class Callback(models.Model):
    """A submitter's answer when asked after resolution (回访): one per submitter and round."""

    item = models.ForeignKey(Item, models.CASCADE, related_name="callbacks", verbose_name=_("事项"))
    submitter = models.ForeignKey(
        ItemSubmitter, models.PROTECT, null=True, blank=True, related_name="callbacks", verbose_name=_("诉求人")
    )  # None: the item's own (first) submitter
    satisfaction = models.CharField(_("满意度"), max_length=20, choices=Satisfaction.choices)
    solved = models.BooleanField(_("问题已解决"))
    note = models.CharField(_("回访记录"), max_length=1000, blank=True)
    by = models.ForeignKey(User, models.PROTECT, related_name="+", verbose_name=_("回访人"))
    at = models.DateTimeField(_("回访时间"))

    class Meta:
        ordering = ["item", "at"]
        verbose_name = _("回访")
        verbose_name_plural = _("回访")

    def __str__(self):
        return f"{self.item_id} {self.get_satisfaction_display()}"


class ItemEvent(Event):
    """The append-only log of every change to an item: who, when, what and why (``core.models.Event``),
    the status it moved from and to, and the measure or result the change made."""

    item = models.ForeignKey(Item, models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Status.choices)
    measure = models.ForeignKey(Measure, models.SET_NULL, null=True, blank=True, related_name="+")
    result = models.ForeignKey(Result, models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["item", "at", "id"]
        verbose_name = _("事项日志")
        verbose_name_plural = _("事项日志")

    def __str__(self):
        return f"{self.item_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class ReconcileNotice(models.Model):
    """One notice the reconcile run sent, so that running it again sends nothing twice."""

    class Kind(models.TextChoices):
        AT_RISK = "at_risk", _("即将到期")
        OVERDUE = "overdue", _("已超期")
        ESCALATED = "escalated", _("超期升级")

    item = models.ForeignKey(Item, models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    due = models.DateTimeField()
    sent_at = models.DateTimeField()
    recipients = models.CharField(max_length=500)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "kind", "due"], name="notice_once_per_deadline")]

    def __str__(self):
        return f"{self.item_id} {self.kind} {self.due:%Y-%m-%d}"


class ExportJob(models.Model):
    """A large export (导出任务) written by the task worker instead of in the request. The filters are
    kept as the page's query string and applied again within the requester's scope when it runs.
    The file is handed out only to the requester, never served as a public media file."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("正在生成")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    class ListName(models.TextChoices):
        ITEMS = "items", _("问题清单")
        MEASURES = "measures", _("解决措施清单")
        RESULTS = "results", _("成果转化清单")

    class Format(models.TextChoices):
        XLSX = "xlsx", "Excel (.xlsx)"
        CSV = "csv", "CSV"

    requester = models.ForeignKey(User, models.CASCADE, related_name="export_jobs", verbose_name=_("申请人"))
    list_name = models.CharField(_("清单"), max_length=16, choices=ListName.choices)
    fmt = models.CharField(_("格式"), max_length=4, choices=Format.choices)
    query = models.TextField(_("筛选条件"), blank=True)
    language = models.CharField(_("语言"), max_length=10, blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    rows = models.PositiveIntegerField(_("行数"), null=True, blank=True)
    file = models.FileField(_("文件"), upload_to="exports/", blank=True)
    error = models.TextField(_("错误信息"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["requester", "-created_at"], name="exportjob_requester_recent")]
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")

    def __str__(self):
        return f"{self.pk} {self.list_name}.{self.fmt} {self.status}"

    @property
    def pending(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
