from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """The operator's tools with no model of their own: the backup and restore drill."""

    name = "pollen.operations"
    label = "operations"
