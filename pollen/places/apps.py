from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "pollen.places"
    label = "places"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from pollen.places import jobs

        jobs.register()
