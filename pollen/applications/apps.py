from django.apps import AppConfig
from django.core import checks


class ApplicationsConfig(AppConfig):
    name = "pollen.applications"
    label = "applications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from pollen import storage
        from pollen.applications import antivirus

        checks.register(antivirus.check_setting, checks.Tags.security)
        checks.register(antivirus.check_configured, checks.Tags.security, deploy=True)
        # The bucket is asked over the network: with --deploy only, so that a storage outage
        # cannot stop every other command (seal_audit, db_worker) at its system checks.
        checks.register(storage.check_bucket, "storage", deploy=True)
