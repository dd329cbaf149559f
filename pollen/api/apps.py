from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "pollen.api"
    verbose_name = "API et webhooks"
