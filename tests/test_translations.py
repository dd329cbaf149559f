"""The English translation: chosen by cookie, French otherwise, and the compiled catalogue up to date."""

import gettext
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.html import escape

CATALOGUE = Path(__file__).resolve().parents[1] / "pollen" / "locale" / "en" / "LC_MESSAGES"

# (url, French text, its English translation), each shown whatever the platform's clock says.
PAGES = [
    ("/", "Appels à projets", "Calls for projects"),
    ("/", "Des fablabs partout en France", "Fablabs all over France"),
    ("/appels/fablabs-2013/", "Règles d'éligibilité", "Eligibility rules"),
    ("/appels/fablabs-2013/", "Calendrier et enveloppe", "Timetable and budget"),
    ("/connexion/", "Se connecter à Pollen", "Log in to Pollen"),
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
