from django.apps import AppConfig


class ExpertiseConfig(AppConfig):
    """The expert's work: profile, conflicts of interest, assignments received, reviews, scores."""

    name = "pollen.expertise"
    label = "expertise"
    default_auto_field = "django.db.models.BigAutoField"
