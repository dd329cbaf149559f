from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "pollen.dashboard"
    verbose_name = "Espace personnel"
