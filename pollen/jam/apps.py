from django.apps import AppConfig


class JamConfig(AppConfig):
    name = "pollen.jam"
    label = "jam"
    verbose_name = "Jams"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from pollen.jam import jobs

        jobs.register()
