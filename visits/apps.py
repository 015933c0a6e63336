from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = _("走访企业")

    def ready(self):
        from core.extensions import slots
        from core.history import name_actions
        from visits.selectors import item_source

        name_actions(open_item=_("转为事项"))
        slots.register("ledger.item_detail", template="visits/_item_source.html", context=item_source, order=10)
