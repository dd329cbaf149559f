from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "pollen.api"
    verbose_name = "API et webhooks"

    def ready(self) -> None:
        from pollen.api import webhooks

        webhooks.subscribe()  # the domain's events become signed webhooks
