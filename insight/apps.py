from django.apps import AppConfig


class InsightConfig(AppConfig):
    name = "insight"
    verbose_name = "智能分拨与热点"

    def ready(self) -> None:
        from core.extensions import slots
        from insight import receivers, views
        from ledger import signals

        signals.item_opened.connect(receivers.on_item_opened, dispatch_uid="insight.suggestion_record")
        signals.item_dispatched.connect(receivers.on_item_dispatched, dispatch_uid="insight.suggestion_settle")
        slots.register("ledger.item_detail", template="insight/_item.html", context=views.item_context)
        slots.register("ledger.intake", template="insight/_suggestion_slot.html")
