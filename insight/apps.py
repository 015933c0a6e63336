from django.apps import AppConfig


class InsightConfig(AppConfig):
    name = "insight"
    verbose_name = "智能分拨与热点"
