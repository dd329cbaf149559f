from django.apps import AppConfig
from django.core import checks


class ApplicationsConfig(AppConfig):
    name = "pollen.applications"
    label = "applications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from pollen.applications import antivirus

        checks.register(antivirus.check_setting, checks.Tags.security)
        checks.register(antivirus.check_configured, checks.Tags.security, deploy=True)
