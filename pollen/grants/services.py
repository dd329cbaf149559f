"""Every change to a grant goes through here: atomic, audited, envelope locked, events published."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from pollen import clock, events
from pollen.accounts.models import Role, User
from pollen.applications import adapters
from pollen.applications.models import Application
from pollen.audit.services import record_event
from pollen.calls.models import Call, Programme
from pollen.domain.apply import status as application_states
from pollen.domain.apply.calls import PaymentStep
from pollen.domain.apply.money import format_eur, from_cents, to_cents
from pollen.domain.grants import finance
from pollen.domain.grants import status as states
from pollen.formatting import sentence
from pollen.grants import selectors
from pollen.grants.models import (
    Grant,
    Payment,
    PaymentStatus,
    Report,
    ReportKind,
)
from pollen.permissions import Decision, require
from pollen.programmes import programme_wall

STAFF = (Role.INSTRUCTOR, Role.MANAGER, Role.ADMIN)


class GrantError(Exception):
    """A refused change; the message (French, translated by gettext) is for the person who tried."""


def _allowed(state: Decision) -> None:
    """A status that refuses the step (pollen/domain/…/status.py) is a GrantError with its reason."""
    if not state:
        raise GrantError(state.reason)


def _notify(name: str, application: Application, payload: dict[str, Any]) -> None:
    """A domain event about this application (the API's webhooks subscribe to it)."""
    events.publish(name, obj=application, payload=payload)


def envelope_figures(programme: Programme, call: Call | None = None) -> finance.EnvelopeFigures:
    grants = Grant.objects.filter(programme=programme)
    if call is not None:
        grants = grants.filter(call=call)
    committed = grants.aggregate(s=Sum("committed_cents"))["s"] or 0
    paid = (
        Payment.objects.filter(grant__in=grants, status=PaymentStatus.PAID).aggregate(
            s=Sum("amount_cents")
        )["s"]
        or 0
    )
    envelope = call.envelope if call is not None else programme.envelope
    return finance.EnvelopeFigures(to_cents(envelope), committed, paid)


def _check_envelopes(call: Call, programme: Programme, new_cents: int) -> None:
    """Caller holds the programme row lock, so no concurrent commitment reads stale sums."""
    envelopes: tuple[tuple[finance.EnvelopeScope, str, finance.EnvelopeFigures], ...] = (
        ("programme", programme.name, envelope_figures(programme)),
        ("call", call.title, envelope_figures(programme, call)),
    )
    for scope, name, figures in envelopes:
        if problem := finance.commitment_problem(scope, name, figures, new_cents):
            raise GrantError(sentence(problem))


def _due_on(step: PaymentStep, starts_on: dt.date, ends_on: dt.date) -> dt.date:
    if step.on == "signature":
        return starts_on
    if step.on == "progress_report":
        return starts_on + (ends_on - starts_on) / 2
    return ends_on


def _recheck(application: Application, amount: Decimal) -> None:
    facts = adapters.facts_of(application, clock.now(), submitted=True)
    result = finance.recheck_award(application.call.spec, facts, amount)
    if not result.eligible:
        failed = " ".join(sentence(v) for v in result.verdicts if not v.passed)
        raise GrantError(
            _("Le montant attribué ne respecte pas les règles de l'appel : %(failed)s")
            % {"failed": failed}
        )


@transaction.atomic
def award_grant(
    *,
    acting_user: User,
    application: Application,
    amount: Decimal,
    decided_on: dt.date | None = None,
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
) -> Grant:
    """Record the decided amount: the application is selected and the envelope committed."""
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("call", "organisation", "organisation__commune")
        .get(pk=application.pk)
    )
    require(selectors.can_award(acting_user, application.call))
    _allowed(application.allows(application_states.AWARD))
    if Grant.objects.filter(application=application).exists():
        raise GrantError(_("Cette candidature a déjà une subvention."))
    if amount <= 0:
        raise GrantError(_("Le montant attribué doit être positif."))
    _recheck(application, amount)
    call = application.call
    programme = Programme.objects.select_for_update(of=("self",)).get(pk=call.programme_id)
    cents = to_cents(amount)
    _check_envelopes(call, programme, cents)
    today = clock.now().date()
    decided_on = decided_on or today
    starts_on = starts_on or decided_on
    ends_on = ends_on or finance.grant_end_date(starts_on)
    number = Grant.objects.filter(call=call).count() + 1
    grant = Grant.objects.create(
        application=application,
        call=call,
        programme=programme,
        reference=f"{call.slug.upper()}-D{number:04d}",
        beneficiary_name=application.organisation.legal_name,
        beneficiary_siret=application.organisation.siret,
        requested_cents=to_cents(application.requested_amount),
        awarded_cents=cents,
        committed_cents=cents,
        decided_on=decided_on,
        decided_by=acting_user,
        starts_on=starts_on,
        ends_on=ends_on,
        created_at=clock.now(),
    )
    steps = call.spec.payment_schedule or finance.DEFAULT_SCHEDULE
    Payment.objects.bulk_create(
        Payment(
            grant=grant,
            position=t.position,
            label=t.label,
            trigger=t.on,
            share=t.share,
            amount_cents=t.amount_cents,
            due_on=_due_on(step, starts_on, ends_on),
        )
        for t, step in zip(finance.split_schedule(cents, steps), steps, strict=True)
    )
    before = application.status
    application.status = application_states.APPLICATION.next_status(
        before, application_states.AWARD
    )
    application.save(update_fields=["status"])
    record_event(
        actor=acting_user,
        action="grant.awarded",
        obj=application,
        before={"status": before},
        after={"status": application.status, "grant": grant.reference, "awarded_cents": cents},
    )
    payload = {"grant": grant.reference, "amount_eur": str(amount), "decided_on": str(decided_on)}
    _notify("grant.awarded", application, payload)
    return grant


def _locked(grant: Grant) -> Grant:
    return (
        Grant.objects.select_for_update(of=("self",)).select_related("application").get(pk=grant.pk)
    )


def _request(payment: Payment, grant: Grant, user: User) -> None:
    payment.status = states.next_payment_status(payment.status, grant.status, states.REQUEST)
    payment.requested_by, payment.requested_at = user, clock.now()
    payment.save(update_fields=["status", "requested_by", "requested_at"])


@transaction.atomic
def sign_agreement(*, acting_user: User, grant: Grant, signed_on: dt.date, signatory: str) -> Grant:
    """Record the signed agreement; the tranches due at signature are requested at once."""
    grant = _locked(grant)
    require(selectors.can_record_signature(acting_user, grant))
    _allowed(grant.allows(states.SIGN))
    if not signatory.strip():
        raise GrantError(_("Indiquez le nom du signataire pour le bénéficiaire."))
    grant.status = states.GRANT.next_status(grant.status, states.SIGN)
    grant.signed_on, grant.signatory = signed_on, signatory
    grant.signature_recorded_by = acting_user
    grant.save(update_fields=["status", "signed_on", "signatory", "signature_recorded_by"])
    for payment in grant.payments.filter(trigger="signature", status=PaymentStatus.SCHEDULED):
        payment.due_on = signed_on
        payment.save(update_fields=["due_on"])
        _request(payment, grant, acting_user)
    record_event(
        actor=acting_user,
        action="grant.signed",
        obj=grant,
        after={"signed_on": str(signed_on), "signatory": signatory},
    )
    return grant


def _locked_payment(payment: Payment) -> Payment:
    return (
        Payment.objects.select_for_update(of=("self",))
        .select_related("grant", "grant__application")
        .get(pk=payment.pk)
    )


@transaction.atomic
def request_payment(*, acting_user: User, payment: Payment) -> Payment:
    payment = _locked_payment(payment)
    require(selectors.can_request_payment(acting_user, payment.grant))
    _allowed(payment.allows(states.REQUEST))
    needed = {"progress_report": ReportKind.PROGRESS, "final_report": ReportKind.FINAL}
    kind = needed.get(payment.trigger)
    if kind and not payment.grant.reports.filter(kind=kind).exists():
        raise GrantError(_("Ce versement attend le rapport correspondant du bénéficiaire."))
    _request(payment, payment.grant, acting_user)
    record_event(
        actor=acting_user, action="payment.requested", obj=payment, after={"status": payment.status}
    )
    return payment


def _refuse_same_person(payment: Payment, user: User) -> None:
    if user.pk in {
        payment.requested_by_id,
        payment.instructor_approved_by_id,
        payment.finance_approved_by_id,
    }:
        raise GrantError(
            _(
                "Règle des quatre yeux : une même personne ne peut pas demander et valider "
                "un versement, ni le valider deux fois."
            )
        )


@transaction.atomic
def approve_payment(*, acting_user: User, payment: Payment) -> Payment:
    """The instructor's approval, then the finance officer's, each by someone new to the tranche."""
    payment = _locked_payment(payment)
    require(programme_wall(acting_user, payment.grant))
    _allowed(payment.allows(states.APPROVE))
    _refuse_same_person(payment, acting_user)
    before = payment.status
    now = clock.now()
    if states.APPROVAL_BY[before] == "instruction":
        if not acting_user.has_role(*STAFF):
            raise GrantError(_("Seule l'instruction valide d'abord un versement demandé."))
        payment.instructor_approved_by, payment.instructor_approved_at = acting_user, now
    else:
        if not acting_user.has_role(Role.FINANCE):
            raise GrantError(_("Seul un gestionnaire financier peut valider ce versement."))
        payment.finance_approved_by, payment.finance_approved_at = acting_user, now
    payment.status = states.next_payment_status(before, payment.grant.status, states.APPROVE)
    payment.save()
    record_event(
        actor=acting_user,
        action="payment.approved",
        obj=payment,
        before={"status": before},
        after={"status": payment.status},
    )
    return payment


@transaction.atomic
def mark_paid(
    *, acting_user: User, payment: Payment, reference: str, transferred_on: dt.date
) -> Payment:
    """Record that the transfer went out: its bank reference and value date are required, the
    date neither before the tranche was approved nor after today."""
    payment = _locked_payment(payment)
    require(programme_wall(acting_user, payment.grant))
    _allowed(payment.allows(states.PAY))
    if not acting_user.has_role(Role.FINANCE):
        raise GrantError(_("Seul un gestionnaire financier peut marquer un versement comme versé."))
    if acting_user.pk == payment.requested_by_id:
        raise GrantError(_("Règle des quatre yeux : le demandeur ne peut pas verser lui-même."))
    reference = reference.strip()
    if not reference:
        raise GrantError(_("Indiquez la référence du virement, telle qu'elle figure sur l'ordre."))
    approved = payment.finance_approved_at or payment.instructor_approved_at or clock.now()
    approved_on = approved.astimezone(clock.PARIS).date()
    if not approved_on <= transferred_on <= clock.today():
        raise GrantError(
            _("La date du virement doit être comprise entre le %(approved)s et aujourd'hui.")
            % {"approved": date_format(approved_on, "j F Y")}
        )
    grant = payment.grant
    payment.status = states.next_payment_status(payment.status, grant.status, states.PAY)
    payment.paid_at, payment.paid_by = clock.now(), acting_user
    payment.payment_reference, payment.transferred_on = reference[:60], transferred_on
    payment.save()
    unpaid = grant.payments.exclude(status=PaymentStatus.PAID).values_list(
        "amount_cents", flat=True
    )
    if states.closes_grant(unpaid):
        grant.status = states.GRANT.next_status(grant.status, states.CLOSE)
        Grant.objects.filter(pk=grant.pk).update(status=grant.status)
    record_event(
        actor=acting_user,
        action="payment.paid",
        obj=payment,
        after={
            "amount_cents": payment.amount_cents,
            "reference": payment.payment_reference,
            "transferred_on": str(transferred_on),
        },
    )
    application = grant.application
    payload = {
        "grant": grant.reference,
        "tranche": payment.label,
        "amount_eur": str(from_cents(payment.amount_cents)),
    }
    _notify("payment.paid", application, payload)
    return payment


def _settle_final(grant: Grant, report: Report) -> None:
    """Re-check the award on the actuals and put the balance on the final tranche(s)."""
    Programme.objects.select_for_update(of=("self",)).get(pk=grant.programme_id)
    payments = list(grant.payments.order_by("position"))
    final = [p for p in payments if p.trigger == "final_report"]
    before_cents = sum(p.amount_cents for p in payments if p.trigger != "final_report")
    settlement = finance.settle(
        award_cents=grant.awarded_cents,
        paid_before_cents=before_cents,
        actual_expenses_cents=report.actual_total_cents,
        cofunding_cents=report.cofunding_obtained_cents,
        max_share=finance.max_share_of(grant.call.spec),
    )
    balance = max(settlement.balance_cents, 0)
    total_share = sum((p.share for p in final), Decimal(0)) or Decimal(1)
    steps = tuple(PaymentStep(p.label, p.share / total_share, p.trigger) for p in final)
    for payment, tranche in zip(final, finance.split_schedule(balance, steps), strict=False):
        payment.amount_cents = tranche.amount_cents
        payment.save(update_fields=["amount_cents"])
    grant.committed_cents = max(settlement.retained_cents, before_cents)
    grant.save(update_fields=["committed_cents"])
    report.retained_cents, report.explanation = settlement.retained_cents, settlement.explanation
    report.save(update_fields=["retained_cents", "explanation"])


@transaction.atomic
def file_report(
    *,
    acting_user: User,
    grant: Grant,
    kind: str,
    narrative: str,
    actual_expenses: dict[str, Decimal],
    cofunding_obtained: Decimal,
) -> Report:
    """The grantee's report; the final one settles the grant, and each requests its tranches."""
    grant = _locked(grant)
    require(selectors.can_report(acting_user, grant))
    _allowed(grant.allows(states.REPORT))
    if grant.reports.filter(kind=kind).exists():
        raise GrantError(_("Ce rapport a déjà été déposé."))
    categories = grant.call.spec.category_ids
    unknown = set(actual_expenses) - categories
    if unknown:
        raise GrantError(
            _("Catégories de dépenses inconnues : %(categories)s.")
            % {"categories": ", ".join(sorted(unknown))}
        )
    if any(v < 0 for v in actual_expenses.values()) or cofunding_obtained < 0:
        raise GrantError(_("Les montants déclarés ne peuvent pas être négatifs."))
    report = Report.objects.create(
        grant=grant,
        kind=kind,
        narrative=narrative,
        actual_expenses={k: to_cents(v) for k, v in actual_expenses.items()},
        actual_total_cents=sum(to_cents(v) for v in actual_expenses.values()),
        cofunding_obtained_cents=to_cents(cofunding_obtained),
        submitted_by=acting_user,
        submitted_at=clock.now(),
    )
    if kind == ReportKind.FINAL:
        _settle_final(grant, report)
    trigger = "final_report" if kind == ReportKind.FINAL else "progress_report"
    for payment in grant.payments.filter(trigger=trigger, status=PaymentStatus.SCHEDULED):
        if payment.amount_cents > 0:
            _request(payment, grant, acting_user)
    record_event(
        actor=acting_user,
        action=f"report.{kind}",
        obj=grant,
        after={
            "actual_total": format_eur(from_cents(report.actual_total_cents)),
            "retained_cents": report.retained_cents,
        },
        note=report.explanation,
    )
    return report
