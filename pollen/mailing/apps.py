from django.apps import AppConfig


class MailingConfig(AppConfig):
    name = "pollen.mailing"
    verbose_name = "Courriels"
