"""Sensitive actions ask who you are again after 15 minutes: award, payment, freeze, rights."""

from html import unescape
from urllib.parse import quote

import pytest
from django.urls import reverse

from pollen.accounts.reauth import CONFIRMED
from pollen.demo.personas import DEMO_PASSWORD, demo_code
from pollen.grants import services
from pollen.grants.models import PaymentStatus
from tests.grants.helpers import DECIDED, awarded_grant, submitted_application

pytestmark = pytest.mark.django_db

CONFIRM = "/espace/confirmer/"


def confirmed_minutes_ago(client, minutes):
    session = client.session
    session[CONFIRMED] -= minutes * 60
    session.save()


def code_of(user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return demo_code(TOTPDevice.objects.get(user=user, confirmed=True))


def test_the_award_form_asks_again_after_fifteen_minutes(client, call_2013, personas):
    application = submitted_application(call_2013, personas["applicant"])
    manager = personas["manager"]
    client.force_login(manager)
    award = f"/subventions/attribuer/{application.pk}/"
    confirmed_minutes_ago(client, 14)
    assert client.get(award).status_code == 200
    confirmed_minutes_ago(client, 2)
    response = client.get(award)
    assert (
        response["Location"] == f"{CONFIRM}?next=%2Fsubventions%2Fattribuer%2F{application.pk}%2F"
    )
    page = client.get(response["Location"])
    assert "Confirmez votre identité" in unescape(page.content.decode())
    assert "code" in page.context["form"].fields  # staff: the password and a code
    wrong = client.post(response["Location"], {"password": "pas le bon", "code": code_of(manager)})
    assert wrong.status_code == 200 and "Mot de passe incorrect." in unescape(
        wrong.content.decode()
    )
    back = client.post(response["Location"], {"password": DEMO_PASSWORD, "code": code_of(manager)})
    assert back["Location"] == award
    assert client.get(award).status_code == 200


def test_an_award_posted_late_comes_back_to_its_form(client, call_2013, personas):
    application = submitted_application(call_2013, personas["applicant"])
    client.force_login(personas["manager"])
    confirmed_minutes_ago(client, 16)
    award = f"/subventions/attribuer/{application.pk}/"
    response = client.post(award, {"amount": "65 000", "decided_on": "2013-10-15"})
    assert (
        response["Location"] == f"{CONFIRM}?next=%2Fsubventions%2Fattribuer%2F{application.pk}%2F"
    )
    assert not hasattr(application, "grant") or application.grant is None


@pytest.fixture
def advance(call_2013, personas):
    grant = awarded_grant(call_2013, personas["applicant"], personas["manager"])
    services.sign_agreement(
        acting_user=personas["instructor"], grant=grant, signed_on=DECIDED, signatory="C. Martin"
    )
    return grant.payments.get(position=0)


def test_approving_a_payment_asks_again_but_requesting_it_does_not(client, personas, advance):
    client.force_login(personas["manager"])
    confirmed_minutes_ago(client, 16)
    detail = f"/subventions/{advance.grant_id}/"
    response = client.post(
        f"/subventions/versements/{advance.pk}/valider/", headers={"Referer": detail}
    )
    assert response["Location"] == f"{CONFIRM}?next=%2Fsubventions%2F{advance.grant_id}%2F"
    advance.refresh_from_db()
    assert advance.status == PaymentStatus.REQUESTED
    requested = client.post(f"/subventions/versements/{advance.pk}/demander/")
    assert not requested["Location"].startswith(CONFIRM)


def test_freezing_a_scenario_asks_again(client, call_2013, personas):
    client.force_login(personas["manager"])
    confirmed_minutes_ago(client, 16)
    run = reverse("selection:run_detail", kwargs={"slug": call_2013.slug, "pk": 1})
    path = reverse("selection:freeze", kwargs={"slug": call_2013.slug, "pk": 1})
    response = client.post(path, headers={"Referer": f"http://testserver{run}"})
    assert response["Location"] == f"{CONFIRM}?next={quote(run, safe='')}"


def test_the_admin_user_form_asks_again(client, personas):
    client.force_login(personas["admin"])
    confirmed_minutes_ago(client, 16)
    page = f"/admin/accounts/user/{personas['expert'].pk}/change/"
    assert client.get(page)["Location"].startswith(CONFIRM)
    assert client.get("/admin/accounts/user/add/")["Location"].startswith(CONFIRM)


def test_an_applicant_confirms_with_the_password_alone(client, personas):
    client.force_login(personas["applicant"])
    page = client.get(f"{CONFIRM}?next=/espace/")
    assert "code" not in page.context["form"].fields
    assert client.post(f"{CONFIRM}?next=/espace/", {"password": DEMO_PASSWORD})["Location"] == (
        "/espace/"
    )


def test_confirming_never_sends_elsewhere(client, personas):
    client.force_login(personas["applicant"])
    response = client.post(f"{CONFIRM}?next=https://evil.example/", {"password": DEMO_PASSWORD})
    assert response["Location"] == "/espace/"
