"""The market-entity register (市场主体): enterprises keyed by their unified social credit code, the
GB/T 4754-2017 industry classification they are filed under, their figures by year, and the imports
that fill the register."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from org.actor import RestrictedManager, Scope
from org.models import Division


class Industry(models.Model):
    """One entry of GB/T 4754-2017 (国民经济行业分类): section, division, group or class.

    ``full_code`` carries the section letter ("C1711"), so every class under a division is one
    ``full_code__startswith="C17"`` query."""

    class Level(models.IntegerChoices):
        SECTION = 1, _("门类")
        DIVISION = 2, _("大类")
        GROUP = 3, _("中类")
        CLASS = 4, _("小类")

    full_code = models.CharField(_("行业代码"), max_length=5, unique=True)
    code = models.CharField(_("代码"), max_length=4, db_index=True)
    level = models.PositiveSmallIntegerField(_("层级"), choices=Level.choices)
    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children")
    description = models.TextField(_("说明"), blank=True)

    class Meta:
        ordering = ["full_code"]
        verbose_name = _("行业分类")
        verbose_name_plural = _("行业分类")

    def __str__(self):
        return f"{self.full_code} {self.name}"


class SizeClass(models.TextChoices):
    MICRO = "micro", _("微型")
    SMALL = "small", _("小型")
    MEDIUM = "medium", _("中型")
    LARGE = "large", _("大型")


class LittleGiantLevel(models.TextChoices):
    NONE = "", _("无")
    PROVINCIAL = "provincial", _("省级")
    NATIONAL = "national", _("国家级")


# The profile of an enterprise that the register's import, the API and the policy engine all read.
PROFILE_FIELDS = (
    "founded_on",
    "size_class",
    "employees",
    "above_scale",
    "high_tech",
    "srdi",
    "little_giant",
    "little_giant_level",
    "tags",
)


class Enterprise(models.Model):
    """A market entity (市场主体) of the city register."""

    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    name = models.CharField(_("企业名称"), max_length=200)
    name_search = models.CharField(max_length=200, db_index=True, editable=False)  # Simplified, lowercased
    industry = models.ForeignKey(
        Industry, models.PROTECT, related_name="enterprises", verbose_name=_("行业"), null=True, blank=True
    )
    division = models.ForeignKey(
        Division, models.PROTECT, related_name="enterprises", verbose_name=_("所在区划"), null=True, blank=True
    )
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    size_class = models.CharField(_("企业规模"), max_length=8, choices=SizeClass.choices, blank=True)
    employees = models.PositiveIntegerField(_("从业人数"), null=True, blank=True)
    above_scale = models.BooleanField(_("四上企业"), default=False)
    high_tech = models.BooleanField(_("高新技术企业"), default=False)
    srdi = models.BooleanField(_("专精特新"), default=False)
    little_giant = models.BooleanField(_("专精特新“小巨人”"), default=False)
    little_giant_level = models.CharField(
        _("小巨人级别"), max_length=10, choices=LittleGiantLevel.choices, blank=True, default=""
    )
    tags = models.JSONField(_("标签"), default=list, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=32, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="enterprises", verbose_name=_("企业用户")
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"))
    version = models.PositiveIntegerField(default=1)

    # staff see the enterprises of their working division's subtree (the city's staff all of them), an
    # enterprise user (submitter) the enterprises they are a member of
    scope = Scope(division="division__path", members=("members",))
    objects = RestrictedManager()

    class Meta:
        ordering = ["credit_code"]
        verbose_name = _("市场主体")
        verbose_name_plural = _("市场主体")

    def __str__(self):
        return self.name


class EnterpriseYear(models.Model):
    """An enterprise's figures for one year, in yuan."""

    enterprise = models.ForeignKey(Enterprise, models.CASCADE, related_name="years")
    year = models.PositiveSmallIntegerField(_("年度"))
    revenue = models.DecimalField(_("营业收入（元）"), max_digits=18, decimal_places=2, null=True, blank=True)
    exports = models.DecimalField(_("出口额（元）"), max_digits=18, decimal_places=2, null=True, blank=True)
    tax = models.DecimalField(_("纳税额（元）"), max_digits=18, decimal_places=2, null=True, blank=True)
    employees = models.PositiveIntegerField(_("从业人数"), null=True, blank=True)

    class Meta:
        ordering = ["enterprise", "year"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "year"], name="enterprise_year_unique")]
        verbose_name = _("年度数据")
        verbose_name_plural = _("年度数据")

    def __str__(self):
        return f"{self.enterprise_id} {self.year}"


class ImportRun(models.Model):
    """One import of a register file, with its row-by-row report. A large file is imported by the
    task worker (``enterprises.tasks.import_task``): the run is queued with the uploaded file, then
    reports its progress (rows checked, then rows written) until it is done."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("正在导入")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("导入人")
    )
    created_at = models.DateTimeField(_("导入时间"), auto_now_add=True)
    filename = models.CharField(_("文件名"), max_length=255)
    file_format = models.CharField(_("格式"), max_length=8)
    total_rows = models.PositiveIntegerField(_("数据行数"), default=0)
    created = models.PositiveIntegerField(_("新增"), default=0)
    updated = models.PositiveIntegerField(_("更新"), default=0)
    unchanged = models.PositiveIntegerField(_("未变化"), default=0)
    error_rows = models.PositiveIntegerField(_("错误行数"), default=0)
    report = models.JSONField(_("错误明细"), default=list, blank=True)  # [{"row": 3, "credit_code": …, "reasons": […]}]
    duration_s = models.FloatField(_("用时（秒）"), default=0)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.DONE)
    checked_rows = models.PositiveIntegerField(_("已检查行数"), default=0)
    written_rows = models.PositiveIntegerField(_("已写入行数"), default=0)
    file = models.FileField(_("文件"), upload_to="imports/", blank=True)
    error = models.TextField(_("错误信息"), blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("导入记录")
        verbose_name_plural = _("导入记录")

    def __str__(self):
        return self.filename

    @property
    def pending(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
