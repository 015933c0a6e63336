"""The third-party apps under names the administrators read (the admin lists them by these)."""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _
from django_rq.apps import DjangoRqAdminConfig
from django_tasks_db.apps import TasksAppConfig


class AxesConfig(AxesAppConfig):
    verbose_name = _("登录保护")


class TasksDatabaseConfig(TasksAppConfig):
    verbose_name = _("后台任务")


class RqConfig(DjangoRqAdminConfig):
    verbose_name = _("任务队列（Redis）")
