"""The expert's side: profiles, declared conflicts, assignments received, reviews, scores."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pollen.domain.review.scoring import Recommendation as DomainRecommendation

# The tables keep the names they had in the former `review` app (decision 0020): the move
# between apps changed Django's state only, never the data.


class ExpertiseTag(models.TextChoices):
    MACHINES = "machines", _("Machines et fabrication numérique")
    EDUCATION = "education", _("Éducation et médiation")
    SOCIAL_INCLUSION = "social_inclusion", _("Inclusion sociale")
    ENTREPRENEURSHIP = "entrepreneurship", _("Entrepreneuriat")
    RURAL = "rural", _("Territoires ruraux")
    BUSINESS_MODEL = "business_model", _("Modèle économique")
    ENVIRONMENT = "environment", _("Réemploi et environnement")
    DESIGN = "design", _("Design, art et artisanat")


class ExpertProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="expert_profile"
    )
    tags = models.JSONField(_("domaines d'expertise"), default=list, blank=True)
    organisation_name = models.CharField(_("organisation"), max_length=200, blank=True)
    commune = models.ForeignKey(
        "territory.Commune",
        verbose_name=_("commune"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    max_load = models.PositiveIntegerField(_("nombre maximal de candidatures"), default=6)
    is_fictitious = models.BooleanField(default=False)
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "review_expertprofile"
        ordering = ["user__email"]

    def __str__(self) -> str:
        return str(self.user)

    def tag_labels(self) -> list[str]:
        labels = dict(ExpertiseTag.choices)
        return [str(labels.get(t, t)) for t in self.tags]


class ConflictDeclaration(models.Model):
    """An expert says they cannot judge an application impartially, and why."""

    expert = models.ForeignKey(ExpertProfile, on_delete=models.CASCADE, related_name="conflicts")
    application = models.ForeignKey(
        "applications.Application", on_delete=models.CASCADE, related_name="conflict_declarations"
    )
    reason = models.CharField(_("motif"), max_length=500)
    declared_at = models.DateTimeField()

    class Meta:
        db_table = "review_conflictdeclaration"
        ordering = ["-declared_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["expert", "application"], name="one_conflict_per_expert_application"
            )
        ]

    def __str__(self) -> str:
        return f"{self.expert} ≠ {self.application_id}"


class Assignment(models.Model):
    application = models.ForeignKey(
        "applications.Application", on_delete=models.CASCADE, related_name="review_assignments"
    )
    expert = models.ForeignKey(ExpertProfile, on_delete=models.PROTECT, related_name="assignments")
    affinity = models.PositiveIntegerField(default=0)
    assigned_at = models.DateTimeField()
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        db_table = "review_assignment"
        ordering = ["application_id", "expert__user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "expert"], name="one_assignment_per_pair"
            )
        ]

    def __str__(self) -> str:
        return f"{self.application_id} → {self.expert}"

    @property
    def review_or_none(self) -> "Review | None":
        # The reverse one-to-one raises when there is no review yet; templates want None.
        return getattr(self, "review", None)


class Recommendation(models.TextChoices):
    FUND = DomainRecommendation.FUND.value, _("Favorable")
    FUND_WITH_CONDITIONS = (
        DomainRecommendation.FUND_WITH_CONDITIONS.value,
        _("Favorable sous réserve"),
    )
    DO_NOT_FUND = DomainRecommendation.DO_NOT_FUND.value, _("Défavorable")


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    SUBMITTED = "submitted", _("Rendue")


class Review(models.Model):
    """An expert's marks on the call's grid (criterion id → mark as text), comments, advice."""

    assignment = models.OneToOneField(Assignment, on_delete=models.PROTECT, related_name="review")
    scores = models.JSONField(default=dict, blank=True)
    comments = models.TextField(_("commentaires"), blank=True)
    recommendation = models.CharField(
        _("recommandation"), max_length=24, choices=Recommendation.choices, blank=True
    )
    status = models.CharField(
        max_length=12, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT, db_index=True
    )
    weighted_mean = models.DecimalField(max_digits=8, decimal_places=4, null=True, blank=True)
    started_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "review_review"

    def __str__(self) -> str:
        return f"{self.assignment} ({self.status})"

    @property
    def is_submitted(self) -> bool:
        return self.status == ReviewStatus.SUBMITTED


class ScoreSummary(models.Model):
    """The aggregated scores of an application, recomputed for the whole call on each review."""

    application = models.OneToOneField(
        "applications.Application",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="score_summary",
    )
    call = models.ForeignKey("calls.Call", on_delete=models.CASCADE, related_name="+")
    review_count = models.PositiveIntegerField()
    mean = models.DecimalField(max_digits=8, decimal_places=4)
    normalised = models.DecimalField(max_digits=8, decimal_places=4, db_index=True)
    spread = models.DecimalField(max_digits=8, decimal_places=4)
    disagreement = models.BooleanField(default=False)
    rank = models.PositiveIntegerField()
    recommendations = models.JSONField(default=dict)
    computed_at = models.DateTimeField()

    class Meta:
        db_table = "review_scoresummary"
        ordering = ["call", "rank", "application_id"]

    def __str__(self) -> str:
        return f"{self.application_id} #{self.rank} ({self.normalised})"

    @property
    def recommendation_counts(self) -> dict[str, int]:
        """Every recommendation with its count, 0 included (a stored summary may omit some)."""
        return {r.value: int(self.recommendations.get(r.value, 0)) for r in DomainRecommendation}
