from django.apps import AppConfig


class InstructionConfig(AppConfig):
    """The instructor's work: list, completeness and messages, experts' assignment, exports."""

    name = "pollen.instruction"
    label = "instruction"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from pollen.instruction import jobs

        jobs.register()
