"""Grants after the decision: the agreement, its payment tranches and the grantee's reports."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from pollen.domain.grants import status as states
from pollen.permissions import Decision, allowed_unless


class GrantStatus(models.TextChoices):
    """The grant's lifecycle (pollen/domain/grants/status.py) with what people read."""

    AWARDED = states.AWARDED, _("Attribuée")
    SIGNED = states.SIGNED, _("Convention signée")
    CLOSED = states.CLOSED, _("Soldée")


class Grant(models.Model):
    """One award: the amount decided (in cents), the agreement's dates and its signature."""

    application = models.OneToOneField(
        "applications.Application", on_delete=models.PROTECT, related_name="grant"
    )
    call = models.ForeignKey("calls.Call", on_delete=models.PROTECT, related_name="grants")
    # Denormalised from the call so a commitment can lock one programme row.
    programme = models.ForeignKey(
        "calls.Programme", on_delete=models.PROTECT, related_name="grants"
    )
    reference = models.CharField(_("référence de la décision"), max_length=40, unique=True)
    # What was agreed stays agreed: the beneficiary as named in the decision and the agreement,
    # whatever the organisation's profile says later (open data and payments read these).
    beneficiary_name = models.CharField(_("bénéficiaire"), max_length=200, default="")
    beneficiary_siret = models.CharField(_("SIRET du bénéficiaire"), max_length=14, default="")
    status = models.CharField(
        max_length=12, choices=GrantStatus.choices, default=GrantStatus.AWARDED, db_index=True
    )
    requested_cents = models.BigIntegerField()
    awarded_cents = models.BigIntegerField()
    # What the envelope holds for this grant: the award, then what the final report retains.
    committed_cents = models.BigIntegerField()
    decided_on = models.DateField(_("date de la décision"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    starts_on = models.DateField(_("début de la période d'exécution"))
    ends_on = models.DateField(_("fin de la période d'exécution"))
    signed_on = models.DateField(_("date de la convention"), null=True, blank=True)
    signatory = models.CharField(_("signataire pour le bénéficiaire"), max_length=200, blank=True)
    signature_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-decided_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(awarded_cents__gt=0), name="grant_award_positive"),
            models.CheckConstraint(
                condition=Q(committed_cents__gte=0) & Q(committed_cents__lte=F("awarded_cents")),
                name="grant_committed_within_award",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="grant_period_ordered"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def allows(self, event: str) -> Decision:
        """Whether the status allows the event (states.SIGN, …), and if not why."""
        return allowed_unless(states.GRANT.refusal(self.status, event))


class PaymentStatus(models.TextChoices):
    """The tranche's lifecycle (pollen/domain/grants/status.py) with what people read."""

    SCHEDULED = states.SCHEDULED, _("Prévu")
    REQUESTED = states.REQUESTED, _("Demandé")
    INSTRUCTOR_APPROVED = states.INSTRUCTOR_APPROVED, _("Validé par l'instruction")
    FINANCE_APPROVED = states.FINANCE_APPROVED, _("Validé par les finances")
    PAID = states.PAID, _("Versé")


class Payment(models.Model):
    """A tranche of a grant; each step is taken by a different person (two-person rule)."""

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="payments")
    position = models.PositiveSmallIntegerField()
    label = models.CharField(_("libellé"), max_length=200)
    trigger = models.CharField(_("déclencheur"), max_length=20)
    share = models.DecimalField(max_digits=5, decimal_places=4)
    amount_cents = models.BigIntegerField()
    due_on = models.DateField(_("échéance prévue"))
    status = models.CharField(
        max_length=20,
        choices=PaymentStatus.choices,
        default=PaymentStatus.SCHEDULED,
        db_index=True,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(null=True, blank=True)
    instructor_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    instructor_approved_at = models.DateTimeField(null=True, blank=True)
    finance_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    finance_approved_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    payment_reference = models.CharField(_("référence du virement"), max_length=60, blank=True)
    # The value date on the bank's order, which finance types; paid_at is when Pollen heard of it.
    transferred_on = models.DateField(_("date du virement"), null=True, blank=True)

    class Meta:
        ordering = ["grant", "position"]
        constraints = [
            models.UniqueConstraint(fields=["grant", "position"], name="one_tranche_per_position"),
            models.CheckConstraint(condition=Q(amount_cents__gte=0), name="tranche_not_negative"),
            # The two-person rule, kept by the database even if a service forgot it.
            models.CheckConstraint(
                condition=Q(instructor_approved_by__isnull=True)
                | ~Q(instructor_approved_by=F("requested_by")),
                name="tranche_instructor_not_requester",
            ),
            models.CheckConstraint(
                condition=Q(finance_approved_by__isnull=True)
                | (
                    ~Q(finance_approved_by=F("requested_by"))
                    & ~Q(finance_approved_by=F("instructor_approved_by"))
                ),
                name="tranche_finance_not_requester_nor_instructor",
            ),
            models.CheckConstraint(
                condition=Q(paid_by__isnull=True) | ~Q(paid_by=F("requested_by")),
                name="tranche_payer_not_requester",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grant.reference} — {self.label}"

    def allows(self, event: str) -> Decision:
        """Whether this step (states.REQUEST, APPROVE, PAY) is open: grant signed, status right."""
        return allowed_unless(states.payment_refusal(self.status, self.grant.status, event))


class ReportKind(models.TextChoices):
    PROGRESS = "progress", _("Rapport intermédiaire")
    FINAL = "final", _("Rapport final")


class Report(models.Model):
    """What the grantee did and spent, against the plan; the final one settles the grant."""

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="reports")
    kind = models.CharField(max_length=10, choices=ReportKind.choices)
    narrative = models.TextField(_("réalisations"))
    # Actual expenses by category of the call, in cents: {"equipment": 8000000, ...}.
    actual_expenses = models.JSONField(default=dict)
    actual_total_cents = models.BigIntegerField()
    cofunding_obtained_cents = models.BigIntegerField()
    retained_cents = models.BigIntegerField(null=True, blank=True)
    explanation = models.TextField(blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField()

    class Meta:
        ordering = ["grant", "submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["grant", "kind"], name="one_report_of_each_kind"),
            models.CheckConstraint(
                condition=Q(actual_total_cents__gte=0) & Q(cofunding_obtained_cents__gte=0),
                name="report_figures_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grant.reference} — {self.get_kind_display()}"
