"""Open311 GeoReport v2: the client apps that file items, their API keys, the extra questions of a
category (a service definition's attributes), and the tokens of requests waiting for review."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ledger.models import Category, Channel, Item, Kind
from org.models import Division

User = settings.AUTH_USER_MODEL


class ApiClient(models.Model):
    """A named client app (the city's app, FixMyStreet, …). Items it files are opened by its own
    system user, so the timeline shows which app filed them, in its channel."""

    name = models.CharField(_("名称"), max_length=64, unique=True)
    channel = models.CharField(_("渠道"), max_length=24, choices=Channel.choices, default=Channel.APP)
    division = models.ForeignKey(Division, models.PROTECT, related_name="+", verbose_name=_("服务区划"))
    user = models.OneToOneField(User, models.PROTECT, related_name="open311_client", verbose_name=_("系统账号"))
    rate_limit = models.PositiveIntegerField(_("每分钟提交上限"), default=60)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Open311 客户端")
        verbose_name_plural = _("Open311 客户端")

    def __str__(self):
        return self.name


class ApiKey(models.Model):
    """A client's key. Only its SHA-256 is kept; the key itself is shown once, when it is made."""

    client = models.ForeignKey(ApiClient, models.CASCADE, related_name="keys", verbose_name=_("客户端"))
    prefix = models.CharField(_("前缀"), max_length=8)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("Open311 密钥")
        verbose_name_plural = _("Open311 密钥")

    def __str__(self):
        return f"{self.client} {self.prefix}…"


class ServiceOption(models.Model):
    """How a category is offered as a service; a category without one is a realtime service
    whose requests open items of kind problem."""

    category = models.OneToOneField(Category, models.CASCADE, related_name="open311_option", verbose_name=_("分类"))
    batch = models.BooleanField(_("先审核后立账"), default=False)
    kind = models.CharField(_("事项类型"), max_length=16, choices=Kind.choices, default=Kind.PROBLEM)
    description = models.CharField(_("说明"), max_length=500, blank=True)
    published = models.BooleanField(_("对外公开"), default=True)

    class Meta:
        verbose_name = _("Open311 服务设置")
        verbose_name_plural = _("Open311 服务设置")

    def __str__(self):
        return str(self.category)


class Datatype(models.TextChoices):
    STRING = "string", "string"
    NUMBER = "number", "number"
    DATETIME = "datetime", "datetime"
    TEXT = "text", "text"
    SINGLE = "singlevaluelist", "singlevaluelist"
    MULTI = "multivaluelist", "multivaluelist"


class CategoryAttribute(models.Model):
    """An extra question of a category: an attribute of its service definition."""

    category = models.ForeignKey(Category, models.CASCADE, related_name="attributes", verbose_name=_("分类"))
    code = models.CharField(_("代码"), max_length=32)
    description = models.CharField(_("问题"), max_length=200)
    datatype = models.CharField(_("类型"), max_length=16, choices=Datatype.choices, default=Datatype.STRING)
    datatype_description = models.CharField(_("填写说明"), max_length=200, blank=True)
    required = models.BooleanField(_("必填"), default=False)
    variable = models.BooleanField(_("需要填写"), default=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=1)
    values = models.JSONField(_("选项"), default=list, blank=True, help_text='[{"key": "1", "name": "…"}]')

    class Meta:
        ordering = ["category", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["category", "code"], name="attribute_code_per_category")]
        verbose_name = _("分类附加问题")
        verbose_name_plural = _("分类附加问题")

    def __str__(self):
        return f"{self.category} · {self.code}"


class ServiceRequest(models.Model):
    """What an Open311 request brought beyond the item: its client, answers and contact. The
    contact details are never returned by the list endpoints."""

    item = models.OneToOneField(Item, models.CASCADE, related_name="open311", verbose_name=_("事项"))
    client = models.ForeignKey(ApiClient, models.PROTECT, related_name="requests", verbose_name=_("客户端"))
    attributes = models.JSONField(_("附加信息"), default=dict, blank=True)
    media_url = models.URLField(_("图片链接"), max_length=500, blank=True)
    email = models.EmailField(_("邮箱"), blank=True)
    device_id = models.CharField(max_length=64, blank=True)
    account_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("Open311 请求")
        verbose_name_plural = _("Open311 请求")

    def __str__(self):
        return str(self.item)


class ServiceRequestToken(models.Model):
    """A request to a batch service, waiting for review before it becomes an item."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        ACCEPTED = "accepted", _("已立账")
        REJECTED = "rejected", _("不予受理")

    token = models.CharField(_("令牌"), max_length=36, unique=True)
    client = models.ForeignKey(ApiClient, models.PROTECT, related_name="tokens", verbose_name=_("客户端"))
    category = models.ForeignKey(Category, models.PROTECT, related_name="+", verbose_name=_("分类"))
    payload = models.JSONField(_("请求内容"))
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.PENDING)
    item = models.OneToOneField(Item, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("事项"))
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decided_by = models.ForeignKey(User, models.SET_NULL, null=True, blank=True, related_name="+")
    reason = models.CharField(_("审核意见"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("待审核请求")
        verbose_name_plural = _("待审核请求")

    def __str__(self):
        return self.token
