from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "policies"
    verbose_name = "政策找企"

    def ready(self) -> None:
        from policies import receivers  # noqa: F401  (connects the receivers)
