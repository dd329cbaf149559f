"""What retention remembers: warnings sent about drafts, anonymised applications, each run."""

from django.db import models


class DraftWarning(models.Model):
    """The mail telling a draft's owner it will be deleted; one per untouched state of a draft.

    Keyed by the draft's last change, so an untouched draft is never warned twice, and a draft
    edited after its warning gets a new one before its new deletion date.
    """

    application = models.ForeignKey(
        "applications.Application", on_delete=models.CASCADE, related_name="+"
    )
    draft_updated_at = models.DateTimeField()
    warned_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["application", "draft_updated_at"], name="one_warning_per_untouched_draft"
            )
        ]

    def __str__(self) -> str:
        return f"{self.application_id} : {self.warned_at:%Y-%m-%d}"


class Anonymisation(models.Model):
    """An application whose personal data is gone; amounts, status and commune remain."""

    application = models.OneToOneField(
        "applications.Application",
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="anonymisation",
    )
    anonymised_at = models.DateTimeField()
    # Why: "unsuccessful" (the call's retention), whatever a later reason may add.
    reason = models.CharField(max_length=32)

    def __str__(self) -> str:
        return f"{self.application_id} ({self.reason})"


class RetentionRun(models.Model):
    """One real run of apply_retention and what it did (its audit event carries the counts)."""

    ran_at = models.DateTimeField()
    counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-ran_at", "-id"]

    def __str__(self) -> str:
        return f"{self.ran_at:%Y-%m-%d %H:%M}"
