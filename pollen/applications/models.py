"""Applications to a call: the project, its structured budget, its documents and its submissions."""

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.db.models import Q
from django.utils.functional import LazyObject
from django.utils.translation import gettext_lazy as _

from pollen.applications.documents import EXTENSIONS
from pollen.domain.apply import status as states
from pollen.domain.apply.budget import ResourceKind, ResourceStatus
from pollen.permissions import Decision, allowed_unless


class PrivateStorage(LazyObject[Storage]):
    """Uploaded documents live outside the web root (a private folder or bucket, decision 0013);
    only access-checked views serve them."""

    def _setup(self) -> None:
        self._wrapped = storages["private"]


private_storage = PrivateStorage()


def get_private_storage() -> PrivateStorage:
    """A callable, so migrations name it instead of freezing this machine's path."""
    return private_storage


class Status(models.TextChoices):
    """The lifecycle's statuses (pollen/domain/apply/status.py) with what people read."""

    DRAFT = states.DRAFT, _("Brouillon")
    SUBMITTED = states.SUBMITTED, _("Déposée")
    CORRECTIONS = states.CORRECTIONS, _("À compléter")
    COMPLETE = states.COMPLETE, _("Complète")
    SELECTED = states.SELECTED, _("Retenue")
    WAITLISTED = states.WAITLISTED, _("Liste d'attente")
    REJECTED = states.REJECTED, _("Non retenue")


class Kind(models.TextChoices):
    CREATION = "creation", _("Création d'un fablab")
    IMPROVEMENT = "improvement", _("Amélioration d'un fablab existant")


class Application(models.Model):
    call = models.ForeignKey("calls.Call", on_delete=models.PROTECT, related_name="applications")
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="applications"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("titre du projet"), max_length=200)
    summary = models.TextField(_("résumé"), blank=True)
    kind = models.CharField(
        _("nature du projet"), max_length=16, choices=Kind.choices, default=Kind.IMPROVEMENT
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    # The submission round: 1 for the first submission, +1 each time an instructor reopens it.
    round = models.PositiveIntegerField(default=1)
    # Cached outcome of the last eligibility check, for lists and filters.
    eligible = models.BooleanField(null=True)
    failed_rules = models.JSONField(default=list, blank=True)
    requested_amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    total_expenses = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    is_fictitious = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["call", "status"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_editable(self) -> bool:
        return states.is_editable(self.status)

    def allows(self, event: str) -> Decision:
        """Whether the status allows the event (states.EDIT, …), and if not why."""
        return allowed_unless(states.APPLICATION.refusal(self.status, event))


class ExpenseLine(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="expense_lines"
    )
    position = models.PositiveIntegerField(default=0)
    label = models.CharField(_("libellé"), max_length=200)
    category = models.CharField(_("catégorie"), max_length=32)
    amount = models.DecimalField(_("montant (€)"), max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="expense_amount_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.category}) : {self.amount} €"


# The resource lines' codes (the domain's) with what people read; the budget form offers the
# co-funders' kinds, the requested subsidy being the call's own line.
RESOURCE_KINDS = [
    (ResourceKind.REQUESTED_SUBSIDY.value, _("Subvention demandée")),
    (ResourceKind.PUBLIC.value, _("Financement public")),
    (ResourceKind.PRIVATE.value, _("Financement privé")),
    (ResourceKind.OWN.value, _("Fonds propres")),
]
RESOURCE_STATUSES = [
    (ResourceStatus.ACQUIRED.value, _("Acquis")),
    (ResourceStatus.REQUESTED.value, _("Demandé")),
]


class ResourceLine(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="resource_lines"
    )
    position = models.PositiveIntegerField(default=0)
    label = models.CharField(_("financeur"), max_length=200)
    kind = models.CharField(_("nature"), max_length=20, choices=RESOURCE_KINDS)
    status = models.CharField(
        _("statut"), max_length=10, choices=RESOURCE_STATUSES, default="requested"
    )
    amount = models.DecimalField(_("montant (€)"), max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="resource_amount_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.kind}, {self.status}) : {self.amount} €"


def document_path(instance: "Document", filename: str) -> str:
    # Never reuse the uploaded name on disk: it is user input. The extension is the detected
    # type's, whatever the uploaded name said.
    extension = EXTENSIONS.get(instance.content_type, "bin")
    return f"{instance.application.call.slug}/{instance.application_id}/{instance.sha256[:16]}-{instance.doc_type}.{extension}"


class Document(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    doc_type = models.CharField(_("pièce"), max_length=32)
    file = models.FileField(storage=get_private_storage, upload_to=document_path, max_length=300)  # type: ignore[arg-type]
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()
    # Removing a document hides it; the file stays, since a receipt may vouch for it.
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["doc_type", "uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.doc_type} : {self.original_name}"


class Submission(models.Model):
    """An exact, frozen copy of what was submitted, and when: the receipt vouches for it."""

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="submissions"
    )
    round = models.PositiveIntegerField()
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    snapshot = models.TextField()
    snapshot_sha256 = models.CharField(max_length=64)
    receipt_number = models.CharField(max_length=80, unique=True)
    call_version = models.CharField(max_length=20)
    call_sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["application", "round"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "round"], name="one_submission_per_round"
            )
        ]

    def __str__(self) -> str:
        return self.receipt_number
