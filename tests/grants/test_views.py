"""Grant pages for each persona: who sees what, and the steps through the browser-less client."""

import datetime as dt

import pytest

from pollen import clock
from pollen.grants import services
from pollen.grants.models import PaymentStatus
from tests.conftest import PERSONA_ROLES
from tests.grants.helpers import DECIDED, awarded_grant, submitted_application

pytestmark = pytest.mark.django_db

FOLLOWERS = {"instructor", "manager", "finance", "committee", "admin"}


@pytest.fixture
def grant(call_2013, personas):
    grant = awarded_grant(call_2013, personas["applicant"], personas["manager"])
    services.sign_agreement(
        acting_user=personas["instructor"], grant=grant, signed_on=DECIDED, signatory="C. Martin"
    )
    return grant


@pytest.mark.parametrize("persona", list(PERSONA_ROLES))
def test_each_persona_sees_the_grant_list_only_if_they_follow_grants(
    client, personas, grant, persona
):
    client.force_login(personas[persona])
    assert client.get("/subventions/").status_code == (200 if persona in FOLLOWERS else 403)
    detail = client.get(f"/subventions/{grant.pk}/")
    assert detail.status_code == (200 if persona in FOLLOWERS | {"applicant"} else 404)
    dashboard = client.get("/subventions/programmes/fablabs-economie-collaborative/")
    assert dashboard.status_code == (200 if persona in FOLLOWERS else 403)


def test_an_outsider_is_sent_to_the_login_page(client, grant):
    assert client.get(f"/subventions/{grant.pk}/").status_code == 302


def test_the_agreement_pdf_downloads_for_the_grantee(client, personas, grant):
    client.force_login(personas["applicant"])
    response = client.get(f"/subventions/{grant.pk}/convention.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_the_manager_awards_through_the_form(client, call_2013, personas):
    application = submitted_application(call_2013, personas["applicant"])
    client.force_login(personas["manager"])
    page = client.get(f"/subventions/attribuer/{application.pk}/")
    assert page.status_code == 200 and "70000,00" in page.content.decode()
    response = client.post(
        f"/subventions/attribuer/{application.pk}/",
        {
            "amount": "65 000",
            "decided_on": "2013-10-15",
            "starts_on": "2013-11-01",
            "ends_on": "2015-10-31",
        },
    )
    assert response.status_code == 302
    assert application.grant.awarded_cents == 6_500_000


def test_a_refused_award_shows_the_french_reason(client, call_2013, personas):
    application = submitted_application(call_2013, personas["applicant"])
    client.force_login(personas["manager"])
    response = client.post(
        f"/subventions/attribuer/{application.pk}/",
        {
            "amount": "250000",
            "decided_on": "2013-10-15",
            "starts_on": "2013-11-01",
            "ends_on": "2015-10-31",
        },
        follow=True,
    )
    assert "dépasse le plafond de 200\u202f000,00\u00a0€" in response.content.decode()


def test_the_instructor_cannot_approve_the_tranche_they_requested(client, personas, grant):
    advance = grant.payments.get(position=0)
    client.force_login(personas["instructor"])
    response = client.post(f"/subventions/versements/{advance.pk}/valider/", follow=True)
    assert "quatre yeux" in response.content.decode()
    advance.refresh_from_db()
    assert advance.status == PaymentStatus.REQUESTED


def test_the_finance_officer_sees_the_tranche_and_pays_it(client, personas, grant):
    advance = grant.payments.get(position=0)
    services.approve_payment(acting_user=personas["manager"], payment=advance)
    client.force_login(personas["finance"])
    queue = client.get("/subventions/versements/")
    assert f'data-payment="{advance.pk}"' in queue.content.decode()
    client.post(f"/subventions/versements/{advance.pk}/valider/")
    client.post(
        f"/subventions/versements/{advance.pk}/verser/",
        {"reference": "VIR-42", "transferred_on": clock.today().isoformat()},
    )
    advance.refresh_from_db()
    assert advance.status == PaymentStatus.PAID and advance.payment_reference == "VIR-42"
    page = client.get("/subventions/programmes/fablabs-economie-collaborative/").content.decode()
    assert (
        "versé 21\u202f000,00\u00a0€" in page and "<svg" in page and 'id="by-region-table"' in page
    )


@pytest.mark.parametrize(
    ("sent", "said"),
    [
        ({"transferred_on": "today"}, "Indiquez la référence du virement."),
        ({"reference": "  ", "transferred_on": "today"}, "Indiquez la référence du virement."),
        ({"reference": "VIR-7"}, "Indiquez la date du virement."),
        ({"reference": "VIR-7", "transferred_on": "31/02/2013"}, "pas une date valable"),
        ({"reference": "VIR-7", "transferred_on": "tomorrow"}, "comprise entre le"),
        ({"reference": "VIR-7", "transferred_on": "2001-01-01"}, "comprise entre le"),
    ],
)
def test_a_tranche_is_marked_paid_only_with_its_transfer_reference_and_date(
    client, personas, grant, sent, said
):
    advance = grant.payments.get(position=0)
    services.approve_payment(acting_user=personas["manager"], payment=advance)
    services.approve_payment(acting_user=personas["finance"], payment=advance)
    client.force_login(personas["finance"])
    days = {"today": clock.today(), "tomorrow": clock.today() + dt.timedelta(days=1)}
    if sent.get("transferred_on") in days:
        sent = {**sent, "transferred_on": days[sent["transferred_on"]].isoformat()}
    page = client.post(f"/subventions/versements/{advance.pk}/verser/", sent, follow=True)
    assert said in page.content.decode()
    advance.refresh_from_db()
    assert advance.status != PaymentStatus.PAID and advance.transferred_on is None


def test_the_grantee_files_the_final_report_against_the_plan(client, personas, grant):
    client.force_login(personas["applicant"])
    page = client.get(f"/subventions/{grant.pk}/rapports/final/")
    assert page.status_code == 200 and "80\u202f000,00\u00a0€" in page.content.decode()
    response = client.post(
        f"/subventions/{grant.pk}/rapports/final/",
        {
            "narrative": "Atelier équipé.",
            "expense_equipment": "60 000",
            "expense_staff": "20000",
            "cofunding_obtained": "24 000",
        },
        follow=True,
    )
    body = response.content.decode()
    assert "Subvention retenue : 56 000,00 € (réduite de 14 000,00 €)" in body


def test_another_applicant_cannot_file_a_report(client, personas, grant):
    client.force_login(personas["applicant_b"])
    assert client.get(f"/subventions/{grant.pk}/rapports/final/").status_code == 404


def test_the_accounting_csv_is_for_the_programme_team(client, personas, grant):
    client.force_login(personas["finance"])
    response = client.get("/subventions/versements/export.csv")
    text = b"".join(response.streaming_content).decode()
    assert text.splitlines()[0].startswith("reference_decision;tranche;")
    assert "21000.00" in text
    client.force_login(personas["applicant"])
    assert client.get("/subventions/versements/export.csv").status_code == 403


def test_the_dashboard_shows_coverage_from_funded_communes(client, personas, grant):
    client.force_login(personas["manager"])
    page = client.get("/subventions/programmes/fablabs-economie-collaborative/").content.decode()
    assert '<th scope="row">2013</th><td class="pollen-amount">1</td>' in page


def test_a_tranche_shows_each_person_only_the_step_that_falls_to_them(client, personas, grant):
    """No button that could only be refused: the requester cannot approve, finance cannot ask."""
    advance = grant.payments.get(position=0)
    assert advance.status == PaymentStatus.REQUESTED
    for persona, shown, hidden in [
        ("instructor", None, "Valider le versement"),  # asked for it: four eyes
        ("manager", "Valider le versement", None),
        ("finance", None, "Valider le versement"),  # instruction approves first
    ]:
        client.force_login(personas[persona])
        page = client.get(f"/subventions/{grant.pk}/").content.decode()
        if shown:
            assert shown in page, persona
        if hidden:
            assert hidden not in page, persona
    services.approve_payment(acting_user=personas["manager"], payment=advance)
    client.force_login(personas["finance"])
    page = client.get(f"/subventions/{grant.pk}/").content.decode()
    assert "Valider le versement" in page and "Demander le versement" not in page
    client.force_login(personas["manager"])
    page = client.get(f"/subventions/{grant.pk}/").content.decode()
    assert "Valider le versement" not in page  # approved once already, and finance's turn
