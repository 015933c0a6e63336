from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Division(models.Model):
    """An administrative division (GB/T 2260 and the statistics codes), down to grid cells.

    ``path`` holds the codes from the city down, separated by "/", so a subtree is one
    ``path__startswith`` query on either database.
    """

    class Level(models.TextChoices):
        CITY = "city", _("市")
        COUNTY = "county", _("县（市、区）")
        ZONE = "zone", _("功能区")
        TOWNSHIP = "township", _("乡镇（街道）")
        VILLAGE = "village", _("村（社区）")
        GRID = "grid", _("网格")

    code = models.CharField(_("代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children")
    path = models.CharField(max_length=255, db_index=True, editable=False)
    division_type = models.CharField(_("类型"), max_length=32, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")

    def __str__(self):
        return self.name

    def contains(self, other: "Division") -> bool:
        return other.path.startswith(self.path)


class Department(models.Model):
    """A handling unit (承办单位) at city or county level."""

    code = models.CharField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    division = models.ForeignKey(Division, models.PROTECT, related_name="departments", verbose_name=_("所属区划"))
    email = models.EmailField(_("邮箱"), blank=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["division__code", "code"]
        verbose_name = _("部门")
        verbose_name_plural = _("部门")

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    CALL_TAKER = "call_taker", _("受理派单员")
    HANDLER = "handler", _("部门承办人")
    LEADER = "leader", _("领导")
    AUDITOR = "auditor", _("督查员")
    ADMIN = "admin", _("管理员")
    SUBMITTER = "submitter", _("企业/群众")


class Rank(models.TextChoices):
    NONE = "", _("无")
    STAFF = "staff", _("科级及以下")
    COUNTY = "county", _("县处级")
    BUREAU = "bureau", _("厅局级及以上")


class Person(models.Model):
    """The profile of a user: who they are in the organisation, and so what they may see."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE, related_name="person")
    name = models.CharField(_("姓名"), max_length=32)
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices)
    division = models.ForeignKey(Division, models.PROTECT, related_name="people", verbose_name=_("所属区划"))
    department = models.ForeignKey(
        Department, models.PROTECT, null=True, blank=True, related_name="people", verbose_name=_("所属部门")
    )
    rank = models.CharField(_("职级"), max_length=8, choices=Rank.choices, blank=True, default="")
    title = models.CharField(_("职务"), max_length=64, blank=True)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    language = models.CharField(_("界面语言"), max_length=8, choices=settings.LANGUAGES, default="zh-hans")

    class Meta:
        ordering = ["division__code", "name"]
        verbose_name = _("人员")
        verbose_name_plural = _("人员")

    def __str__(self):
        return self.name

    @property
    def county_level_or_above(self) -> bool:
        return self.rank in (Rank.COUNTY, Rank.BUREAU)
