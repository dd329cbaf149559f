from django.apps import AppConfig


class SelectionConfig(AppConfig):
    name = "pollen.selection"
    label = "selection"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from pollen.selection import jobs

        jobs.register()
