"""The footer's pages, the menu of each role, and the error pages (the demo's included)."""

import os
import re
import subprocess
import sys

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import PERSONAS, ROOT, client_for

pytestmark = pytest.mark.django_db

FOOTER = {  # the page's title, and its heading
    "about:accessibility": ("Accessibilité", "Déclaration d'accessibilité"),
    "about:legal_notice": ("Mentions légales", "Mentions légales"),
    "about:sitemap": ("Plan du site", "Plan du site"),
    "privacy:notice": ("Données personnelles", "Données personnelles"),
}


def footer_links(html: str) -> list[str]:
    footer = html[html.index('<footer class="fr-footer"') :]
    return re.findall(r'class="fr-footer__bottom-link" href="([^"]+)"', footer)


@pytest.mark.parametrize("name", FOOTER)
def test_it_serves_each_footer_page_with_its_title_and_links_it_from_every_footer(client, name):
    response = client.get(reverse(name))
    html = response.content.decode()
    assert response.status_code == 200
    title, heading = FOOTER[name]
    assert f"<title>{title} — " in html and f"<h1>{heading}</h1>" in html
    assert reverse(name) in footer_links(html)
    assert reverse(name) in footer_links(client.get("/").content.decode())


def test_it_says_the_site_is_not_conform_as_no_audit_was_made(client):
    html = client.get(reverse("about:accessibility")).content.decode()
    assert "non conforme" in html
    assert "Défenseur des droits" in html
    assert "Accessibilité : non conforme" in html  # the footer's link says it too


def test_it_shows_the_publisher_and_host_from_the_settings(client, settings):
    settings.PUBLISHER = "Région Bretagne, 283 avenue du Général Patton, Rennes"
    settings.HOSTING_PROVIDER = "Hébergeur SecNumCloud, Paris"
    html = client.get(reverse("about:legal_notice")).content.decode()
    assert settings.PUBLISHER in html and settings.HOSTING_PROVIDER in html


def test_it_lists_the_public_pages_and_only_a_visitors_on_the_site_map(client):
    html = client.get(reverse("about:sitemap")).content.decode()
    for name in ("places:directory", "jam:list", "opendata:index", "accounts:login"):
        assert f'href="{reverse(name)}"' in html
    assert "Mon espace" not in html.split("<main", 1)[1]


@pytest.mark.parametrize("persona", ["applicant", "instructor", "expert", "manager", "finance"])
def test_it_adds_the_pages_of_the_persons_role_to_the_site_map(client, personas, persona):
    client_for(client, personas, persona)
    main = client.get(reverse("about:sitemap")).content.decode().split("<main", 1)[1]
    assert f'href="{reverse("dashboard:index")}"' in main
    assert f'href="{reverse("privacy:my_data")}"' in main
    staff_only = f'href="{reverse("instruction:experts")}"'
    assert (staff_only in main) == (persona in {"instructor", "manager"})


def menu_links(html: str) -> list[str]:
    nav = html[
        html.index('<nav class="fr-nav"') : html.index("</nav>", html.index('class="fr-nav"'))
    ]
    return re.findall(r'class="fr-nav__link" href="([^"]+)"', nav)


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_link_of_a_persons_menu_opens_for_them(client, personas, call_2013, persona):
    client_for(client, personas, persona)
    links = menu_links(client.get("/").content.decode())
    assert reverse("places:directory") in links
    assert (reverse("dashboard:index") in links) == (persona != "anonymous")
    for url in links:
        assert client.get(url).status_code in {200, 302}, url  # experts: /instruction/ → theirs


def test_the_staff_menu_shows_the_staff_areas_and_an_applicants_does_not(client, personas):
    client_for(client, personas, "manager")
    manager = menu_links(client.get("/").content.decode())
    assert {
        reverse("instruction:index"),
        reverse("selection:index"),
        reverse("grants:list"),
    } <= set(manager)
    applicant = menu_links(client_for(Client(), personas, "applicant").get("/").content.decode())
    assert (
        reverse("instruction:index") not in applicant
        and reverse("accounts:organisation") in applicant
    )


def test_the_menu_marks_the_current_page_and_its_section(client, personas):
    client_for(client, personas, "instructor")
    html = client.get(reverse("instruction:experts")).content.decode()
    assert f'href="{reverse("instruction:experts")}" aria-current="page"' in html
    assert f'href="{reverse("instruction:index")}" aria-current="true"' in html
    assert 'aria-controls="menu-areas" aria-current="true"' in html
    html = client.get(reverse("places:directory")).content.decode()
    assert f'href="{reverse("places:directory")}" aria-current="page"' in html
    assert html.count('aria-current="page"') == 1


def test_the_header_has_the_dsfr_burger_and_menu_modal(client):
    html = client.get("/").content.decode()
    assert 'class="fr-btn--menu fr-btn" data-fr-opened="false" aria-controls="menu"' in html
    assert 'class="fr-header__menu fr-modal" id="menu" aria-labelledby="menu-button"' in html
    assert 'class="fr-btn--close fr-btn" aria-controls="menu"' in html
    assert 'id="navigation"' in html and 'href="#navigation"' in html


def test_a_missing_page_is_the_styled_404(client):
    response = client.get("/nulle-part/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Page introuvable" in html and "Chercher un fablab" in html and "fr-header" in html


@pytest.mark.parametrize("path", ["/nulle-part/", "/appels/nulle-part/", "/lieux/999999/"])
def test_the_demo_shows_its_visitors_the_styled_404_not_djangos_debug_page(client, settings, path):
    """make demo: DEBUG on (runserver serves the assets), POLLEN_DEBUG_PAGES=0."""
    settings.DEBUG, settings.DEBUG_PAGES = True, False
    response = client.get(path)
    html = response.content.decode()
    assert response.status_code == 404
    assert "Page introuvable" in html and "fr-header" in html
    assert "DEBUG = True" not in html and "URLconf" not in html


def test_the_demo_redirects_a_path_without_its_slash_as_before(client, settings):
    settings.DEBUG, settings.DEBUG_PAGES = True, False
    response = client.get("/lieux")
    assert response.status_code == 301 and response["Location"] == "/lieux/"


def test_a_developer_keeps_djangos_debug_404(client, settings):
    settings.DEBUG, settings.DEBUG_PAGES = True, True
    assert "URLconf" in client.get("/nulle-part/").content.decode()


def test_the_demo_shows_the_styled_500_and_logs_the_error(settings, monkeypatch, caplog):
    settings.DEBUG, settings.DEBUG_PAGES = True, False

    def broken():
        raise RuntimeError("boom")

    monkeypatch.setattr("pollen.about.views._contacts", broken)
    client = Client(raise_request_exception=False)
    response = client.get(reverse("about:legal_notice"))
    assert response.status_code == 500
    assert "Erreur inattendue" in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert any("Internal Server Error" in r.getMessage() for r in caplog.records)


def test_the_500_page_renders_without_the_requests_context():
    from django.template import loader

    html = loader.get_template("500.html").render({})
    assert "Erreur inattendue" in html and "Page d'accueil" in html and "csrf" not in html


def test_the_403_page_says_why_and_what_to_do(client, personas):
    client_for(client, personas, "applicant")
    response = client.get(reverse("instruction:experts"))
    assert response.status_code == 403
    html = response.content.decode()
    assert "Accès refusé" in html and "Page d'accueil" in html


def test_make_demo_serves_the_styled_404_with_debug_on(tmp_path):
    """The demo's server, under the variables the Makefile's demo target gives it."""
    recipe = (ROOT / "Makefile").read_text().split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    demo_vars = dict(re.findall(r"(POLLEN_DEBUG_PAGES)=\$\$\{POLLEN_DEBUG_PAGES-(\w+)\}", recipe))
    assert demo_vars == {"POLLEN_DEBUG_PAGES": "0"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLLEN_")}
    env.update(demo_vars, POLLEN_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="config.settings")
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "from django.test import Client; r = Client().get('/nulle-part/'); html = r.content.decode(); "
        "print(settings.DEBUG, r.status_code, 'Page introuvable' in html, 'URLconf' in html)"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert run.stdout.split() == ["True", "404", "True", "False"]
