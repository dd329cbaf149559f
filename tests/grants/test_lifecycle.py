"""The services and the pages ask the same lifecycles (pollen/domain/…/status.py) and say why."""

from decimal import Decimal

import pytest

from pollen import clock
from pollen.applications import services as application_services
from pollen.applications.models import Application, Status
from pollen.domain.apply import status as application_states
from pollen.domain.grants import status as grant_states
from pollen.grants import services
from pollen.grants.models import GrantStatus, Payment, PaymentStatus
from pollen.selection.models import Outcome
from tests.grants.helpers import DECIDED, awarded_grant, submitted_application

pytestmark = pytest.mark.django_db


def _signed(call_2013, personas):
    grant = awarded_grant(call_2013, personas["applicant"], personas["manager"])
    services.sign_agreement(
        acting_user=personas["instructor"], grant=grant, signed_on=DECIDED, signatory="C. Martin"
    )
    return grant, grant.payments.get(position=0)


def test_the_models_store_exactly_the_lifecycles_statuses():
    assert set(Status.values) == application_states.APPLICATION.statuses
    assert set(GrantStatus.values) == grant_states.GRANT.statuses
    assert set(PaymentStatus.values) == grant_states.PAYMENT.statuses
    assert set(Outcome.values) == set(application_states.DECISIONS)


def test_paying_a_tranche_twice_is_refused_with_the_reason(call_2013, personas):
    _grant, advance = _signed(call_2013, personas)
    services.approve_payment(acting_user=personas["manager"], payment=advance)
    services.approve_payment(acting_user=personas["finance"], payment=advance)
    services.mark_paid(
        acting_user=personas["finance"],
        payment=advance,
        reference="VIR-1",
        transferred_on=clock.today(),
    )

    with pytest.raises(services.GrantError, match="Ce versement a déjà été versé"):
        services.mark_paid(
            acting_user=personas["finance"],
            payment=advance,
            reference="VIR-2",
            transferred_on=clock.today(),
        )
    advance.refresh_from_db()
    assert advance.payment_reference == "VIR-1"
    assert not advance.allows(grant_states.PAY)


def test_a_tranche_of_an_unsigned_grant_is_neither_approved_nor_paid(call_2013, personas):
    grant = awarded_grant(call_2013, personas["applicant"], personas["manager"])
    advance = grant.payments.get(position=0)
    # A row put in this state behind the services' back: the lifecycle still refuses.
    Payment.objects.filter(pk=advance.pk).update(
        status=PaymentStatus.REQUESTED, requested_by=personas["instructor"]
    )

    with pytest.raises(services.GrantError, match="La convention doit être signée"):
        services.approve_payment(acting_user=personas["manager"], payment=advance)
    with pytest.raises(services.GrantError, match="La convention doit être signée"):
        services.request_payment(acting_user=personas["manager"], payment=advance)
    advance.refresh_from_db()
    assert advance.status == PaymentStatus.REQUESTED
    decision = advance.allows(grant_states.APPROVE)
    assert not decision and "convention doit être signée" in decision.reason


def test_a_closed_grant_takes_no_more_signature_report_or_payment(call_2013, personas):
    grant, advance = _signed(call_2013, personas)
    type(grant).objects.filter(pk=grant.pk).update(status=GrantStatus.CLOSED)
    grant.refresh_from_db()

    with pytest.raises(services.GrantError, match="déjà signée"):
        services.sign_agreement(
            acting_user=personas["instructor"], grant=grant, signed_on=DECIDED, signatory="X"
        )
    with pytest.raises(services.GrantError, match="convention signée en cours"):
        services.file_report(
            acting_user=personas["applicant"],
            grant=grant,
            kind="final",
            narrative="Fait.",
            actual_expenses={},
            cofunding_obtained=Decimal(0),
        )
    with pytest.raises(services.GrantError, match="soldée"):
        services.approve_payment(acting_user=personas["manager"], payment=advance)


def test_reopening_a_selected_application_is_refused_with_the_reason(call_2013, personas):
    grant = awarded_grant(call_2013, personas["applicant"], personas["manager"])
    application = grant.application
    assert application.status == Status.SELECTED

    with pytest.raises(application_services.ApplicationError, match="déjà statué"):
        application_services.reopen_application(
            acting_user=personas["instructor"], application=application, message="À revoir."
        )
    with pytest.raises(application_services.ApplicationError, match="déjà statué"):
        application_services.record_decision(
            acting_user=personas["committee"],
            application=application,
            status=Status.REJECTED,
            reason="Changement d'avis.",
        )
    assert Application.objects.get(pk=application.pk).round == 1


def test_a_rejected_application_receives_no_grant(call_2013, personas):
    application = submitted_application(call_2013, personas["applicant"])
    application_services.record_decision(
        acting_user=personas["committee"], application=application, status="rejected", reason="-"
    )

    with pytest.raises(services.GrantError, match="déjà statué"):
        services.award_grant(
            acting_user=personas["manager"], application=application, amount=Decimal(60000)
        )


def test_a_complete_application_is_not_declared_complete_twice(call_2013, personas):
    application = submitted_application(call_2013, personas["applicant"])
    application_services.mark_complete(acting_user=personas["instructor"], application=application)

    with pytest.raises(application_services.ApplicationError, match="déjà complète"):
        application_services.mark_complete(
            acting_user=personas["instructor"], application=application
        )


def test_the_grant_page_offers_only_the_steps_the_lifecycle_allows(client, call_2013, personas):
    grant = awarded_grant(call_2013, personas["applicant"], personas["manager"])
    client.force_login(personas["manager"])

    page = client.get(f"/subventions/{grant.pk}/")
    assert page.status_code == 200, (page.status_code, page.get("Location"))
    unsigned = page.content.decode()
    assert "Demander le versement" not in unsigned
    assert "Valider le versement" not in unsigned

    services.sign_agreement(
        acting_user=personas["instructor"], grant=grant, signed_on=DECIDED, signatory="C. Martin"
    )
    signed = client.get(f"/subventions/{grant.pk}/").content.decode()
    advance = grant.payments.get(position=0)
    assert f'data-action="approve-{advance.pk}"' in signed
    assert "Demander le versement" in signed  # the balance, scheduled
