"""Every role but the applicant's signs in with a second factor: enrolment, codes, backup codes,
the gate in front of every page, and the administrator's reset."""

import re
from html import unescape

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from pollen.accounts.models import Role, Session, User
from pollen.accounts.reauth import CONFIRMED
from pollen.audit.models import AuditEvent
from pollen.demo.personas import DEMO_PASSWORD, demo_code

pytestmark = pytest.mark.django_db

CODE_PAGE = "/connexion/code/"


def sign_in(client, email, password=DEMO_PASSWORD):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def code_of(user):
    return demo_code(TOTPDevice.objects.get(user=user, confirmed=True))


def text(response):
    return unescape(response.content.decode())


@pytest.fixture
def newcomer(db):
    """A new instructor who has never enrolled an app."""
    return User.objects.create_user("nouvelle@test.example", DEMO_PASSWORD, role=Role.INSTRUCTOR)


def test_an_applicant_signs_in_with_the_password_alone(client, personas):
    sign_in(client, "applicant@test.example")
    assert client.get("/espace/").status_code == 200


@pytest.mark.parametrize("persona", ["instructor", "expert", "committee", "manager", "finance"])
def test_staff_are_asked_their_code_after_the_password(client, personas, persona):
    response = sign_in(client, personas[persona].email)
    dashboard = client.get(response["Location"])
    assert dashboard.status_code == 302
    assert dashboard["Location"] == f"{CODE_PAGE}?next=%2Fespace%2F"
    page = client.get(dashboard["Location"])
    assert "saisissez le code à 6 chiffres" in text(page)
    done = client.post(dashboard["Location"], {"code": code_of(personas[persona])})
    assert done["Location"] == "/espace/"
    assert client.get("/espace/").status_code == 200


@pytest.mark.parametrize(
    "path", ["/espace/", "/subventions/", "/espace/mot-de-passe/", "/admin/", "/espace/confirmer/"]
)
def test_staff_without_their_code_reach_no_page(client, personas, path):
    sign_in(client, "admin@test.example")
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith(CODE_PAGE)


def test_a_fragment_is_sent_to_the_code_page_whole(client, personas):
    sign_in(client, "manager@test.example")
    response = client.get("/espace/", headers={"HX-Request": "true"})
    assert response.status_code == 204 and response["HX-Redirect"].startswith(CODE_PAGE)


def test_a_wrong_code_is_refused_and_the_next_try_waits(client, personas):
    sign_in(client, "manager@test.example")
    response = client.post(CODE_PAGE, {"code": "000000"})
    assert response.status_code == 200 and "Code incorrect" in text(response)
    assert client.get("/espace/").status_code == 302
    # django-otp's throttling: right after a failure, even the right code waits a moment
    assert client.post(CODE_PAGE, {"code": code_of(personas["manager"])}).status_code == 200


def test_a_code_works_once(client, personas):
    manager = personas["manager"]
    code = code_of(manager)
    sign_in(client, manager.email)
    assert client.post(CODE_PAGE, {"code": code}).status_code == 302
    client.logout()
    sign_in(client, manager.email)
    assert client.post(CODE_PAGE, {"code": code}).status_code == 200


def test_staff_without_an_app_enrol_one_at_their_first_sign_in(client, newcomer, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp waits 1 s after a wrong code: not here
    sign_in(client, newcomer.email)
    to_code = client.get("/espace/")
    to_enrol = client.get(to_code["Location"])
    assert to_enrol["Location"] == "/connexion/second-facteur/?next=%2Fespace%2F"
    page = client.get(to_enrol["Location"])
    qr = page.content.decode().split('<div class="pollen-qr">')[1].split("</div>")[0]
    assert qr.startswith("<svg") and "<script" not in qr and "style" not in qr  # the CSP
    device = TOTPDevice.objects.get(user=newcomer, confirmed=False)
    key = page.context["text_key"].replace(" ", "")
    assert len(key) == 32  # 20 bytes in base32, to type by hand
    assert client.get("/espace/").status_code == 302  # not yet

    wrong = client.post(to_enrol["Location"], {"code": "123456"})
    assert wrong.status_code == 200 and "Code incorrect" in text(wrong)
    assert not TOTPDevice.objects.filter(user=newcomer, confirmed=True).exists()

    right = TOTP(device.bin_key).token()
    done = client.post(to_enrol["Location"], {"code": f"{right:06d}"})
    assert done["Location"] == "/espace/codes-de-secours/?next=%2Fespace%2F"
    shown = client.get(done["Location"])
    codes = shown.context["codes"]
    assert len(codes) == 10 and all(c in shown.content.decode() for c in codes)
    assert client.get(done["Location"]).context["codes"] is None  # shown once
    assert client.get("/espace/").status_code == 200
    assert AuditEvent.objects.filter(action="account.second_factor_enrolled").count() == 1


def test_the_enrolment_page_keeps_its_key_when_reloaded(client, newcomer):
    sign_in(client, newcomer.email)
    first = client.get("/connexion/second-facteur/").context["text_key"]
    assert client.get("/connexion/second-facteur/").context["text_key"] == first


def test_a_backup_code_works_once(client, personas):
    manager = personas["manager"]
    static = StaticDevice.objects.create(user=manager, name="Codes de secours")
    static.token_set.create(token="abcd2345")
    sign_in(client, manager.email)
    assert client.post(CODE_PAGE, {"code": "ABCD 2345"}).status_code == 302
    assert client.get("/espace/").status_code == 200
    client.logout()
    sign_in(client, manager.email)
    assert client.post(CODE_PAGE, {"code": "abcd2345"}).status_code == 200
    assert client.get("/espace/").status_code == 302


def test_the_setting_turns_the_second_factor_off(client, personas, settings):
    settings.STAFF_2FA = False
    sign_in(client, "manager@test.example")
    assert client.get("/espace/").status_code == 200


def test_an_administrator_resets_a_lost_second_factor(client, personas):
    instructor = personas["instructor"]
    client.force_login(personas["admin"])
    page = client.get(f"/espace/comptes/{instructor.pk}/second-facteur/")
    assert page.status_code == 200 and "Une application d'authentification est" in text(page)
    response = client.post(f"/espace/comptes/{instructor.pk}/second-facteur/")
    assert response["Location"] == f"/admin/accounts/user/{instructor.pk}/change/"
    assert not TOTPDevice.objects.filter(user=instructor).exists()
    assert not Session.objects.filter(user=instructor).exists()
    event = AuditEvent.objects.get(action="account.second_factor_reset")
    assert (event.actor, event.object_id) == (personas["admin"], str(instructor.pk))


@pytest.mark.parametrize("persona", ["manager", "instructor", "applicant"])
def test_only_an_administrator_resets_a_second_factor(client, personas, persona):
    client.force_login(personas[persona])
    target = personas["finance"]
    assert client.post(f"/espace/comptes/{target.pk}/second-facteur/").status_code == 403
    assert TOTPDevice.objects.filter(user=target).exists()


def test_the_reset_asks_the_administrator_to_confirm_first(client, personas):
    client.force_login(personas["admin"])
    session = client.session
    session[CONFIRMED] -= 16 * 60
    session.save()
    target = personas["finance"]
    response = client.post(f"/espace/comptes/{target.pk}/second-facteur/")
    assert response.status_code == 302 and response["Location"].startswith("/espace/confirmer/")
    assert TOTPDevice.objects.filter(user=target).exists()


def test_the_admin_site_shows_the_reset_link(client, personas):
    client.force_login(personas["admin"])
    page = client.get(f"/admin/accounts/user/{personas['expert'].pk}/change/").content.decode()
    assert re.search(rf'href="/espace/comptes/{personas["expert"].pk}/second-facteur/"', page)
