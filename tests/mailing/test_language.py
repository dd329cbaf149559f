"""Mails in their reader's language: the language a person chose on the site is kept on their
account, and each mail to them is written in it, whoever's page sent it."""

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from pollen import clock
from pollen.accounts.models import User
from pollen.mailing.models import OutgoingMail
from tests.builders import eligible_draft, organisation_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(call_2013, personas):
    organisation_for(personas["applicant"])
    return eligible_draft(call_2013, personas["applicant"])


def choose_language(client, language: str) -> None:
    """The switch in the header, then the page it leads back to."""
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    client.get("/")


def submit(client, call, draft) -> OutgoingMail:
    with clock.override(call.closes_at - dt.timedelta(days=3)):
        response = client.post(reverse("applications:submit", args=[draft.pk]), {"sworn": "on"})
    assert response.status_code == 302
    return OutgoingMail.objects.get(recipient="applicant@test.example")


def test_an_english_speaking_applicant_gets_the_receipt_in_english(
    client, call_2013, personas, draft
):
    client.force_login(personas["applicant"])
    choose_language(client, "en")
    assert User.objects.get(pk=personas["applicant"].pk).language == "en"
    # Submitted from a French page (another browser, no choice there): the mail stays English.
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME)
    mailed = submit(client, call_2013, draft)
    assert mailed.subject.startswith("Acknowledgement of receipt ")
    assert "Your application “Équiper le fablab” was submitted on" in mailed.body
    assert "Bonjour" not in mailed.body and "déposée" not in mailed.body


def test_a_french_speaking_applicant_gets_the_receipt_in_french_even_from_an_english_page(
    client, call_2013, personas, draft
):
    client.force_login(personas["applicant"])
    choose_language(client, "en")
    choose_language(client, "fr")
    assert User.objects.get(pk=personas["applicant"].pk).language == "fr"
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME)
    mailed = submit(client, call_2013, draft)
    assert mailed.subject.startswith("Accusé de réception ")
    assert "Votre candidature « Équiper le fablab » a bien été déposée le" in mailed.body


def test_the_instructors_request_reaches_an_english_speaking_applicant_in_english(
    client, call_2013, personas, draft
):
    User.objects.filter(pk=personas["applicant"].pk).update(language="en")
    client.force_login(personas["applicant"])
    submit(client, call_2013, draft)
    client.force_login(personas["instructor"])  # the instructor works in French
    client.post(
        reverse("instruction:completeness", args=[draft.pk]),
        {"action": "corrections", "message": "Le RIB est illisible.", "missing_documents": ["rib"]},
    )
    mailed = OutgoingMail.objects.filter(recipient="applicant@test.example").latest("id")
    assert "Le RIB est illisible." in mailed.body  # the instructor's own words, as written
    assert "Documents to provide:" in mailed.body and "Hello," in mailed.body
    assert "Pièces à fournir" not in mailed.body


def test_without_a_choice_the_account_keeps_its_language(client, personas):
    User.objects.filter(pk=personas["applicant"].pk).update(language="en")
    client.force_login(personas["applicant"])
    client.get("/")  # no language cookie: the site is French, the account's choice stays
    assert User.objects.get(pk=personas["applicant"].pk).language == "en"


def test_an_account_created_on_an_english_page_is_english(db):
    with translation.override("en"):
        english = User.objects.create_user("new-en@test.example", "x")
    french = User.objects.create_user("new-fr@test.example", "x")
    assert (english.language, french.language) == ("en", "fr")
