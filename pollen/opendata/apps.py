from django.apps import AppConfig


class OpendataConfig(AppConfig):
    name = "pollen.opendata"
    verbose_name = "Données ouvertes"
