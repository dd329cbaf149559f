from django.apps import AppConfig


class CallsConfig(AppConfig):
    name = "pollen.calls"
    label = "calls"
    default_auto_field = "django.db.models.BigAutoField"
