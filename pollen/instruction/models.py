"""The instructor's side: the message thread with the applicant and the pair rules."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pollen.expertise.models import ExpertProfile

# The tables keep the names they had in the former `review` app (decision 0020).


class MessageKind(models.TextChoices):
    MESSAGE = "message", _("Message")
    CORRECTIONS = "corrections", _("Demande de compléments")
    COMPLETE = "complete", _("Dossier complet")


class Message(models.Model):
    """One message of the thread between the programme team and an application's carrier."""

    application = models.ForeignKey(
        "applications.Application", on_delete=models.CASCADE, related_name="review_messages"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=MessageKind.choices, default=MessageKind.MESSAGE)
    body = models.TextField(_("message"))
    # A request for corrections names the documents to provide by their ids in the call file;
    # their labels are read from the call where the request is shown. Older requests listed
    # the labels in the body instead, and keep doing so.
    missing_documents = models.JSONField(default=list, blank=True)
    round = models.PositiveIntegerField()
    sent_at = models.DateTimeField()

    class Meta:
        db_table = "review_message"
        ordering = ["sent_at", "id"]

    def __str__(self) -> str:
        return f"{self.application_id} — {self.kind} — {self.sent_at:%Y-%m-%d %H:%M}"


class PairKind(models.TextChoices):
    FORCE = "force", _("Imposer")
    FORBID = "forbid", _("Interdire")


class PairRule(models.Model):
    """An instructor's decision on one (application, expert) pair, binding on every assignment."""

    application = models.ForeignKey(
        "applications.Application", on_delete=models.CASCADE, related_name="pair_rules"
    )
    expert = models.ForeignKey(ExpertProfile, on_delete=models.CASCADE, related_name="pair_rules")
    kind = models.CharField(max_length=8, choices=PairKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        db_table = "review_pairrule"
        ordering = ["application_id", "expert_id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "expert"], name="one_rule_per_pair")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.application_id} → {self.expert}"


class AssignmentRun(models.Model):
    """One stored assignment of a call's experts: its figures, and the job that made it.

    A job run twice (a worker killed after the commit) finds its run here and stores nothing
    more: `job_id` is unique, so a race between two runners ends on the constraint.
    """

    call = models.ForeignKey("calls.Call", on_delete=models.CASCADE, related_name="assignment_runs")
    job_id = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    applications = models.PositiveIntegerField(_("candidatures"))
    created = models.PositiveIntegerField(_("nouvelles affectations"))
    total_affinity = models.PositiveIntegerField(_("affinité totale"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.call_id} — {self.created_at:%Y-%m-%d %H:%M}"
