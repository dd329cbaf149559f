"""Changing one's password, and a reset by mail: one answer for any address, a link that
works once and for an hour."""

import datetime as dt
import re
from html import unescape

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.urls import reverse

from pollen.audit.models import AuditEvent
from pollen.demo.personas import DEMO_PASSWORD
from pollen.mailing.models import OutgoingMail

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "une nouvelle phrase de passe 2013"
RESET = "/mot-de-passe-oublie/"


def sign_in(client, email, password):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def text(response):
    return unescape(response.content.decode())


def test_the_sign_in_page_links_to_the_reset(client):
    assert 'href="/mot-de-passe-oublie/"' in client.get("/connexion/").content.decode()
    assert "Mot de passe oublié ?" in text(client.get("/connexion/"))


def test_the_answer_is_the_same_whether_the_address_exists_or_not(client, personas):
    known = client.post(RESET, {"email": "Applicant@Test.example"})
    unknown = client.post(RESET, {"email": "personne@test.example"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/mot-de-passe-oublie/envoye/"
    assert [m.recipient for m in OutgoingMail.objects.all()] == ["applicant@test.example"]
    page = text(client.get(known["Location"]))
    assert "Si l'adresse indiquée correspond à un compte Pollen" in page


def reset_link(client, email="applicant@test.example"):
    client.post(RESET, {"email": email})
    mail = OutgoingMail.objects.latest("pk")
    assert mail.subject == "Pollen : choisir un nouveau mot de passe"
    return re.search(r"https?://testserver(/\S+)", mail.body).group(1)


def use(client, link, password=NEW_PASSWORD):
    page = client.get(link, follow=True)
    if not page.context["validlink"]:
        return page
    return client.post(
        page.redirect_chain[-1][0], {"new_password1": password, "new_password2": password}
    )


def test_a_reset_link_works_once(client, personas):
    link = reset_link(client)
    done = use(client, link)
    assert done["Location"] == "/mot-de-passe-oublie/termine/"
    assert sign_in(client, "applicant@test.example", NEW_PASSWORD).status_code == 302
    assert AuditEvent.objects.filter(action="account.password_reset").count() == 1
    client.logout()
    again = use(client, link, "encore une autre phrase 2013")
    assert "Ce lien ne fonctionne plus" in text(again)


def test_a_reset_link_expires_after_an_hour(client, personas, monkeypatch):
    link = reset_link(client)
    later = dt.datetime.now() + dt.timedelta(minutes=61)  # noqa: DTZ005 - Django's own clock
    monkeypatch.setattr(PasswordResetTokenGenerator, "_now", lambda self: later)
    assert "Ce lien ne fonctionne plus" in text(use(client, link))
    assert sign_in(client, "applicant@test.example", DEMO_PASSWORD).status_code == 302


def test_a_reset_refuses_a_weak_password(client, personas):
    page = client.get(reset_link(client), follow=True)
    weak = client.post(
        page.redirect_chain[-1][0], {"new_password1": "court", "new_password2": "court"}
    )
    assert weak.status_code == 200 and "trop court" in text(weak)


def test_a_signed_in_person_changes_their_password(client, personas):
    client.force_login(personas["applicant"])
    assert client.get("/espace/mot-de-passe/").status_code == 200
    wrong = client.post(
        "/espace/mot-de-passe/",
        {
            "old_password": "pas le bon",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert wrong.status_code == 200
    done = client.post(
        "/espace/mot-de-passe/",
        {
            "old_password": DEMO_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert done["Location"] == "/espace/"
    assert client.get("/espace/").status_code == 200  # this session goes on
    assert AuditEvent.objects.filter(action="account.password_changed").count() == 1
    client.logout()
    assert sign_in(client, "applicant@test.example", DEMO_PASSWORD).status_code == 200
    assert sign_in(client, "applicant@test.example", NEW_PASSWORD).status_code == 302


def test_the_password_pages_are_linked_from_the_dashboard(client, personas):
    client.force_login(personas["manager"])
    page = client.get("/espace/").content.decode()
    assert 'href="/espace/mot-de-passe/"' in page and 'href="/espace/codes-de-secours/"' in page
