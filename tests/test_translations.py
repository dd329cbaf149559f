"""The English translation: chosen by cookie, French otherwise, and the compiled catalogue up to date."""

import datetime as dt
import gettext
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from pollen import clock
from pollen.domain.apply import eligibility
from pollen.formatting import sentence
from tests.builders import eligible_draft, organisation_for
from tests.domain.test_eligibility import CALL, budget, facts, verdict

CATALOGUE = Path(__file__).resolve().parents[1] / "pollen" / "locale" / "en" / "LC_MESSAGES"

# (url, French text, its English translation), each shown whatever the platform's clock says.
PAGES = [
    ("/", "Appels à projets", "Calls for projects"),
    ("/", "Des fablabs partout en France", "Fablabs all over France"),
    ("/appels/fablabs-2013/", "Règles d'éligibilité", "Eligibility rules"),
    ("/appels/fablabs-2013/", "Calendrier et enveloppe", "Timetable and budget"),
    ("/connexion/", "Se connecter à Pollen", "Log in to Pollen"),
    # The rules' statements are built by the domain in French, then translated for the page,
    # with their figures and days written the page's way.
    (
        "/appels/fablabs-2013/",
        "La subvention demandée ne dépasse pas 200\u202f000,00\u00a0€.",
        "The requested grant does not exceed €200,000.00.",
    ),
    (
        "/appels/fablabs-2013/",
        "La subvention ne dépasse pas 70\u00a0% du coût total du projet",
        "The grant does not exceed 70% of the project's total cost",
    ),
    (
        "/appels/fablabs-2013/",
        "Le dossier est déposé au plus tard le 13 septembre 2013 à 23:59:59 (heure de Paris).",
        "The application is submitted no later than Sept. 13, 2013 at 23:59:59 (Paris time).",
    ),
    # Moments written out: "à" in French, "at" in English (not two format characters).
    (
        "/appels/fablabs-2013/",
        "Clôture : 13 septembre 2013 à 23:59:59",
        "Closes: 13 September 2013 at 23:59:59",
    ),
]


def shows(page: str, text: str) -> bool:
    return text in page or escape(text) in page


@pytest.fixture(autouse=True)
def _language_restored():
    """The middleware activates the chosen language for the thread; later tests expect French."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.mark.parametrize(("url", "french", "english"), PAGES)
def test_it_shows_pages_in_english_when_the_visitor_chose_english(
    client, call_2013, url, french, english
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    page = response.content.decode()
    assert '<html lang="en"' in page
    assert shows(page, english)
    assert not shows(page, french)


@pytest.mark.parametrize(("url", "french", "english"), PAGES)
def test_it_shows_pages_in_french_without_a_language_cookie(
    client, call_2013, url, french, english
):
    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Language"] == "fr"
    page = response.content.decode()
    assert shows(page, french)
    assert not shows(page, english)


def test_it_falls_back_to_french_for_a_language_the_site_does_not_offer(client, call_2013):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"

    response = client.get("/")

    assert response["Content-Language"] == "fr"
    assert shows(response.content.decode(), "Appels à projets")


def test_it_translates_plural_forms():
    with translation.override("en"):
        one = translation.ngettext("%(n)s ligne", "%(n)s lignes", 1) % {"n": 1}
        many = translation.ngettext("%(n)s ligne", "%(n)s lignes", 3) % {"n": 3}

    assert (one, many) == ("1 row", "3 rows")


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="needs GNU gettext's msgfmt")
def test_it_ships_a_compiled_catalogue_matching_the_po_file(tmp_path):
    fresh = tmp_path / "django.mo"
    subprocess.run(
        ["msgfmt", "--check", "-o", str(fresh), str(CATALOGUE / "django.po")],
        check=True,
        capture_output=True,
    )

    with (CATALOGUE / "django.mo").open("rb") as shipped, fresh.open("rb") as rebuilt:
        shipped_catalogue = gettext.GNUTranslations(shipped)._catalog  # type: ignore[attr-defined]
        rebuilt_catalogue = gettext.GNUTranslations(rebuilt)._catalog  # type: ignore[attr-defined]

    assert shipped_catalogue == rebuilt_catalogue, "run `manage.py compilemessages`"


def test_an_applicant_who_chose_english_reads_the_verdicts_in_english(client, call_2013, personas):
    organisation_for(personas["applicant"])
    draft = eligible_draft(call_2013, personas["applicant"], with_documents=False)
    client.force_login(personas["applicant"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    with clock.override(call_2013.closes_at - dt.timedelta(days=3)):
        response = client.get(reverse("applications:edit", args=[draft.pk]))

    page = response.content.decode()
    assert shows(page, "Missing documents: ")
    assert shows(page, "On time: the call closes on Sept. 13, 2013 at 23:59:59 (Paris time).")
    assert not shows(page, "Pièces manquantes")
    assert not shows(page, "Dans les délais")


@pytest.mark.parametrize(
    ("language", "shown", "not_shown"),
    [
        (
            "en",
            [
                "The requested grant is 70% of the total cost (€100,000.00), within the limit "
                "of 70%.",
                "The budget is balanced: resources and expenses both come to €100,000.00.",
            ],
            ["100 000,00", "100\u202f000,00", "70 %", "70\u00a0%"],
        ),
        (
            "fr",
            [
                "La subvention demandée représente 70\u00a0% du coût total "
                "(100\u202f000,00\u00a0€), dans la limite de 70\u00a0%.",
                "Le budget est équilibré : ressources et dépenses valent 100\u202f000,00\u00a0€.",
            ],
            ["€100,000.00", "100 000,00 €"],
        ),
    ],
)
def test_the_verdicts_write_their_figures_the_way_the_page_language_does(
    client, call_2013, personas, language, shown, not_shown
):
    organisation_for(personas["applicant"])
    draft = eligible_draft(call_2013, personas["applicant"])
    client.force_login(personas["applicant"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    with clock.override(call_2013.closes_at - dt.timedelta(days=3)):
        response = client.get(reverse("applications:edit", args=[draft.pk]))

    page = response.content.decode()
    assert response["Content-Language"] == language
    for text in shown:
        assert shows(page, text), text
    verdicts = page[page.index('id="verdicts"') :]
    for text in not_shown:
        assert text not in verdicts, text


def test_a_refused_submission_tells_an_english_applicant_why_in_english(
    client, call_2013, personas
):
    organisation_for(personas["applicant"])
    draft = eligible_draft(call_2013, personas["applicant"], with_documents=False)
    client.force_login(personas["applicant"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    with clock.override(call_2013.closes_at - dt.timedelta(days=3)):
        response = client.post(
            reverse("applications:submit", args=[draft.pk]), {"sworn": "on"}, follow=True
        )

    shown = [str(m) for m in response.context["messages"]]
    assert shown[0] == "Submission refused: The application does not meet all the call's rules."
    assert any(m.startswith("Missing documents: ") for m in shown[1:])
    assert not any("Pièces manquantes" in m for m in shown)


def test_a_verdict_keeps_its_french_message_and_can_be_read_in_english():
    """The exchange format, the command line and the receipts are French whatever the page."""
    with translation.override("en"):
        result = eligibility.check(CALL, facts(budget("230000.00")))
    ceiling = verdict(result, "subsidy_max")

    french = (
        "La subvention demandée (230 000,00 €) dépasse le plafond de 200 000,00 € fixé par l'appel."
    )
    assert ceiling.message == french
    assert ceiling.to_json()["message"] == french
    assert ceiling.translated(translation.gettext) == french
    # On pages, the figures follow the page's language too.
    assert sentence(ceiling) == (
        "La subvention demandée (230\u202f000,00\u00a0€) dépasse le plafond de "
        "200\u202f000,00\u00a0€ fixé par l'appel."
    )
    with translation.override("en"):
        assert sentence(ceiling) == (
            "The requested grant (€230,000.00) exceeds the cap of €200,000.00 set by the call."
        )
