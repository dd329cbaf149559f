"""The committee's scenarios (solver runs, stored so anyone can re-derive them) and decisions."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pollen.domain.apply import status as states

# The solver's outcomes (pollen.domain.selection.portfolio.Status) as the committee reads them.
RUN_STATUSES = [
    ("optimal", _("Optimum prouvé")),
    ("time_limit", _("Temps écoulé : meilleure sélection trouvée, optimum non prouvé")),
    ("no_solution", _("Aucune sélection trouvée dans le temps imparti")),
    ("infeasible", _("Contraintes impossibles à satisfaire ensemble")),
    ("heuristic", _("Sélection heuristique")),
    ("min_awards_unmet", _("Nombre minimal de lauréats impossible à atteindre")),
]


class SelectionRun(models.Model):
    """One scenario solved: the exact problem (the CLI's JSON), the solver and what it found."""

    call = models.ForeignKey("calls.Call", on_delete=models.PROTECT, related_name="selection_runs")
    name = models.CharField(_("nom du scénario"), max_length=120)
    # The form's values as entered (for showing and re-running the scenario).
    parameters = models.JSONField(default=dict)
    # The domain's input format, exactly: `manage.py select_portfolio` re-derives the result.
    problem = models.TextField()
    problem_sha256 = models.CharField(max_length=64)
    solver = models.CharField(max_length=60)
    solver_version = models.CharField(max_length=40)
    status = models.CharField(max_length=20, choices=RUN_STATUSES)
    gap = models.FloatField(null=True, blank=True)
    # selection_output(): the optimum's figures with the two baselines under "baselines".
    result = models.JSONField(default=dict)
    # Figures per portfolio (optimum, ranking, score_per_euro) beyond the CLI's: départements…
    figures = models.JSONField(default=dict)
    # One entry per candidate: selected, code, message, flip_message, thresholds.
    explanations = models.JSONField(default=list)
    explanation_note = models.TextField(blank=True)
    solve_seconds = models.FloatField()
    total_seconds = models.FloatField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    frozen_at = models.DateTimeField(null=True, blank=True)
    # The job that solved it (pollen.jobs): a job run twice finds its run instead of a second.
    job_id = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["call"],
                condition=Q(frozen_at__isnull=False),
                name="one_frozen_run_per_call",
            )
        ]

    def __str__(self) -> str:
        return f"{self.call.slug} — {self.name}"

    @property
    def selected_ids(self) -> list[str]:
        return list(self.result.get("selected", []))


class Outcome(models.TextChoices):
    """The committee's outcomes: the application statuses a decision leads to."""

    SELECTED = states.SELECTED, _("Retenue")
    WAITLISTED = states.WAITLISTED, _("Liste d'attente")
    REJECTED = states.REJECTED, _("Non retenue")


class Decision(models.Model):
    """The committee's decision on one application, with its reason and its letter."""

    run = models.ForeignKey(SelectionRun, on_delete=models.PROTECT, related_name="decisions")
    application = models.OneToOneField(
        "applications.Application", on_delete=models.PROTECT, related_name="selection_decision"
    )
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    # Rank on the waiting list (1 = first called), None otherwise.
    waitlist_rank = models.PositiveIntegerField(null=True, blank=True)
    code = models.CharField(max_length=40)
    reason = models.TextField()
    score = models.DecimalField(max_digits=8, decimal_places=4)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    decided_at = models.DateTimeField()
    letter_number = models.CharField(max_length=80, unique=True)
    letter_pdf = models.BinaryField()
    letter_sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["outcome", "waitlist_rank", "application_id"]

    def __str__(self) -> str:
        return f"{self.application_id} : {self.outcome}"
