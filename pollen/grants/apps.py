from django.apps import AppConfig


class GrantsConfig(AppConfig):
    name = "pollen.grants"
    verbose_name = "Subventions"
