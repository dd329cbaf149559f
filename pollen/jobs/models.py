"""A job: one piece of long work, its state and progress, and what it produced."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("En attente")
    RUNNING = "running", _("En cours")
    DONE = "done", _("Terminé")
    FAILED = "failed", _("En échec")


class Job(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("type"), max_length=64)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("demandé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The browser that asked, when it may have no account (a public page, a jam's participant):
    # the hash of a random token kept in its session (pollen.jobs.views.holder_of), never the token.
    holder = models.CharField(_("session qui l'a demandé"), max_length=64, blank=True)
    params = models.JSONField(_("paramètres"), default=dict)
    status = models.CharField(
        _("état"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    progress_done = models.PositiveIntegerField(_("fait"), default=0)
    progress_total = models.PositiveIntegerField(_("total"), default=0)
    progress_label = models.CharField(_("étape"), max_length=200, blank=True)
    result = models.JSONField(_("résultat"), default=dict, blank=True)
    # A name in the private storage (settings.STORAGES["private"]), served after the access check.
    result_file = models.CharField(_("fichier produit"), max_length=300, blank=True)
    error = models.TextField(_("erreur"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("essais"), default=0)
    # Queued: not before this moment (a retry's backoff). Running: the runner's lease.
    next_attempt_at = models.DateTimeField(_("prochain essai"))
    lease_until = models.DateTimeField(_("réservé jusqu'au"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"))
    started_at = models.DateTimeField(_("commencé le"), null=True, blank=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)
    # The request that asked for it (config/observability.py): its logs carry the same id.
    request_id = models.CharField(_("identifiant de requête"), max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("travail en arrière-plan")
        verbose_name_plural = _("travaux en arrière-plan")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status__in=["queued", "running"]),
                name="jobs_pending_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"

    @property
    def finished(self) -> bool:
        return self.status in {JobStatus.DONE, JobStatus.FAILED}

    @property
    def percent(self) -> int:
        if not self.progress_total:
            return 100 if self.status == JobStatus.DONE else 0
        return min(100, self.progress_done * 100 // self.progress_total)
