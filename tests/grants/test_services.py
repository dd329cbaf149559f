"""Grants through their services: award re-check, envelope, signature, two-person rule, reports."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from pollen import clock
from pollen.applications.models import Status
from pollen.audit.models import AuditEvent
from pollen.calls.models import Programme
from pollen.grants import services
from pollen.grants.models import GrantStatus, Payment, PaymentStatus, Report
from pollen.grants.selectors import CSV_HEADER, payment_rows
from tests.grants.helpers import DECIDED, awarded_grant, submitted_application

pytestmark = pytest.mark.django_db


def test_it_awards_a_lower_amount_and_schedules_thirty_seventy(call_2013, personas):
    grant = awarded_grant(
        call_2013, personas["applicant"], personas["manager"], Decimal("60000.00")
    )
    assert grant.application.status == Status.SELECTED
    assert (grant.requested_cents, grant.awarded_cents) == (7_000_000, 6_000_000)
    payments = list(grant.payments.order_by("position"))
    assert [(p.trigger, p.amount_cents) for p in payments] == [
        ("signature", 1_800_000),
        ("final_report", 4_200_000),
    ]
    assert payments[-1].due_on == grant.ends_on
    assert AuditEvent.objects.filter(action="grant.awarded").count() == 1


def test_it_rechecks_the_call_rules_on_the_awarded_amount(call_2013, personas):
    application = submitted_application(call_2013, personas["applicant"])
    with pytest.raises(services.GrantError) as refused:
        services.award_grant(
            acting_user=personas["manager"], application=application, amount=Decimal("40000.00")
        )
    # Written by pollen.formatting: narrow no-break spaces in thousands, no-break before « € ».
    assert (
        "La subvention attribuée (40\u202f000,00\u00a0€) est inférieure au plancher de "
        "50\u202f000,00\u00a0€" in str(refused.value)
    )
    with pytest.raises(services.GrantError, match="au-delà du maximum de 70\u00a0%"):
        services.award_grant(
            acting_user=personas["manager"], application=application, amount=Decimal("80000.00")
        )


def test_it_refuses_a_draft_and_a_second_award(call_2013, personas):
    grant = awarded_grant(call_2013, personas["applicant"], personas["manager"])
    with pytest.raises(services.GrantError, match="déjà une subvention"):
        services.award_grant(
            acting_user=personas["manager"], application=grant.application, amount=Decimal(60000)
        )


def test_it_refuses_a_commitment_beyond_the_programme_envelope(call_2013, personas):
    Programme.objects.update(envelope=Decimal("100000.00"))
    awarded_grant(call_2013, personas["applicant"], personas["manager"])
    application = submitted_application(
        call_2013, personas["applicant_b"], siret="44306184100047", name="Fablab B"
    )
    with pytest.raises(services.GrantError) as refused:
        services.award_grant(
            acting_user=personas["manager"], application=application, amount=Decimal("70000.00")
        )
    message = str(refused.value).replace("\u202f", " ").replace("\u00a0", " ")
    assert "Engagement refusé : 70 000,00 € dépasseraient l'enveloppe du programme" in message
    assert "il reste 30 000,00 €" in message
    assert not Payment.objects.filter(grant__application=application).exists()


def test_signing_requests_the_advance_in_the_signers_name(call_2013, personas):
    grant = awarded_grant(call_2013, personas["applicant"], personas["manager"])
    services.sign_agreement(
        acting_user=personas["instructor"], grant=grant, signed_on=DECIDED, signatory="C. Martin"
    )
    advance = grant.payments.get(position=0)
    assert advance.status == PaymentStatus.REQUESTED
    assert advance.requested_by == personas["instructor"]
    assert grant.payments.get(position=1).status == PaymentStatus.SCHEDULED


def _signed(call_2013, personas):
    grant = awarded_grant(call_2013, personas["applicant"], personas["manager"])
    services.sign_agreement(
        acting_user=personas["instructor"], grant=grant, signed_on=DECIDED, signatory="C. Martin"
    )
    return grant, grant.payments.get(position=0)


def test_the_requester_can_never_approve_their_own_request(call_2013, personas):
    _grant, advance = _signed(call_2013, personas)
    with pytest.raises(services.GrantError, match="quatre yeux"):
        services.approve_payment(acting_user=personas["instructor"], payment=advance)
    services.approve_payment(acting_user=personas["manager"], payment=advance)
    with pytest.raises(services.GrantError, match="quatre yeux"):
        services.approve_payment(acting_user=personas["manager"], payment=advance)


def test_only_finance_approves_after_the_instructor_then_pays(call_2013, personas):
    grant, advance = _signed(call_2013, personas)
    services.approve_payment(acting_user=personas["manager"], payment=advance)
    with pytest.raises(services.GrantError, match="gestionnaire financier"):
        services.approve_payment(acting_user=personas["admin"], payment=advance)
    services.approve_payment(acting_user=personas["finance"], payment=advance)
    paid = services.mark_paid(
        acting_user=personas["finance"],
        payment=advance,
        reference="VIR-1",
        transferred_on=clock.today(),
    )
    assert paid.status == PaymentStatus.PAID and paid.paid_by == personas["finance"]
    figures = services.envelope_figures(grant.programme)
    assert (figures.committed_cents, figures.paid_cents) == (7_000_000, 2_100_000)


def test_the_database_refuses_a_requester_who_approves(call_2013, personas):
    _grant, advance = _signed(call_2013, personas)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.filter(pk=advance.pk).update(
            instructor_approved_by=personas["instructor"], status="instructor_approved"
        )
    services.approve_payment(acting_user=personas["manager"], payment=advance)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.filter(pk=advance.pk).update(finance_approved_by=personas["manager"])


def test_a_tranche_waits_for_its_report(call_2013, personas):
    grant, _ = _signed(call_2013, personas)
    balance = grant.payments.get(position=1)
    with pytest.raises(services.GrantError, match="attend le rapport"):
        services.request_payment(acting_user=personas["instructor"], payment=balance)


def test_a_final_report_with_lower_expenses_reduces_the_balance(call_2013, personas):
    grant, _advance = _signed(call_2013, personas)
    report = services.file_report(
        acting_user=personas["applicant"],
        grant=grant,
        kind="final",
        narrative="Atelier ouvert.",
        actual_expenses={"equipment": Decimal("60000.00"), "staff": Decimal("20000.00")},
        cofunding_obtained=Decimal("24000.00"),
    )
    assert report.retained_cents == 5_600_000
    assert "Subvention retenue : 56 000,00 € (réduite de 14 000,00 €)" in report.explanation
    balance = grant.payments.get(position=1)
    assert balance.amount_cents == 5_600_000 - 2_100_000
    assert balance.status == PaymentStatus.REQUESTED
    assert balance.requested_by == personas["applicant"]
    grant.refresh_from_db()
    assert grant.committed_cents == 5_600_000
    with pytest.raises(services.GrantError, match="déjà été déposé"):
        services.file_report(
            acting_user=personas["applicant"],
            grant=grant,
            kind="final",
            narrative="Encore.",
            actual_expenses={},
            cofunding_obtained=Decimal(0),
        )


def test_paying_every_tranche_closes_the_grant(call_2013, personas):
    grant, _advance = _signed(call_2013, personas)
    services.file_report(
        acting_user=personas["applicant"],
        grant=grant,
        kind="final",
        narrative="Fait.",
        actual_expenses={"equipment": Decimal("80000.00"), "staff": Decimal("20000.00")},
        cofunding_obtained=Decimal("30000.00"),
    )
    for payment in grant.payments.order_by("position"):
        services.approve_payment(acting_user=personas["manager"], payment=payment)
        services.approve_payment(acting_user=personas["finance"], payment=payment)
        services.mark_paid(
            acting_user=personas["finance"],
            payment=payment,
            reference=f"VIR-{payment.position}",
            transferred_on=clock.today(),
        )
    grant.refresh_from_db()
    assert grant.status == GrantStatus.CLOSED
    assert services.envelope_figures(grant.programme).paid_cents == 7_000_000
    assert Report.objects.get().retained_cents == 7_000_000


def test_the_accounting_export_lists_every_tranche_in_euros(call_2013, personas):
    grant, _ = _signed(call_2013, personas)
    rows = list(payment_rows(personas["finance"]))
    assert len(rows) == 2 and len(rows[0]) == len(CSV_HEADER)
    assert rows[0][0] == grant.reference and rows[0][5] == "21000.00"
    assert rows[1][5] == "49000.00" and rows[0][6] == "requested"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_commitments_never_exceed_the_envelope(call_2013, personas):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is proven on PostgreSQL (SQLite serialises writers)")
    applications = [
        submitted_application(
            call_2013, personas["applicant"] if i == 0 else personas["applicant_b"]
        )
        for i in range(2)
    ]
    applications += [submitted_application(call_2013, personas["applicant_b"]) for _ in range(6)]
    Programme.objects.update(envelope=Decimal("300000.00"))
    barrier = threading.Barrier(len(applications))
    outcomes: list[str] = []

    def award(application):
        try:
            barrier.wait()
            services.award_grant(
                acting_user=personas["manager"], application=application, amount=Decimal(70000)
            )
            outcomes.append("ok")
        except services.GrantError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=award, args=(a,)) for a in applications]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    figures = services.envelope_figures(Programme.objects.get())
    assert outcomes.count("ok") == 4 and outcomes.count("refused") == 4
    assert figures.committed_cents == 28_000_000 <= figures.envelope_cents


def test_it_dates_the_default_period_two_years_from_the_decision(call_2013, personas):
    grant = awarded_grant(call_2013, personas["applicant"], personas["manager"])
    assert grant.starts_on == DECIDED and grant.ends_on == DECIDED + (
        dt.date(2015, 10, 15) - DECIDED
    )
