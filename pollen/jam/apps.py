from django.apps import AppConfig


class JamConfig(AppConfig):
    name = "pollen.jam"
    label = "jam"
    verbose_name = "Jams"
    default_auto_field = "django.db.models.BigAutoField"
