from django.apps import AppConfig


class AboutConfig(AppConfig):
    name = "pollen.about"
    label = "about"
