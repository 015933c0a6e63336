from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = _("走访企业")

    def ready(self):
        from core.extensions import slots
        from visits.selectors import item_source

        slots.register("ledger.item_detail", template="visits/_item_source.html", context=item_source, order=10)
