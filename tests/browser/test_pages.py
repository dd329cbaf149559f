"""The main pages in Chromium, on a computer and on phones: no script error, nothing wider
than a 320 px screen, and the DSFR's menu opening from its burger button at 375 px."""

import pytest
from playwright.sync_api import expect

from pollen.demo.personas import DEMO_PASSWORD
from pollen.places.models import Place
from tests.browser.conftest import login
from tests.browser.test_places import places  # noqa: F401 - the fixture
from tests.builders import organisation_for
from tests.instruction.conftest import submitted_application
from tests.jam.conftest import make_jam

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PUBLIC = [
    "/",
    "/appels/fablabs-2013/",
    "/lieux/",
    "/lieux/{place}/",
    "/couverture/",
    "/couverture/implantations/",
    "/connexion/",
    "/donnees-personnelles/",
    "/accessibilite/",
    "/mentions-legales/",
    "/plan-du-site/",
    "/jams/",
    "/jams/bercy/",
    "/donnees-ouvertes/",
    "/api/",
    "/nulle-part/",  # the 404 page
]
STAFF = {
    "instructor": [
        "/espace/",
        "/instruction/",
        "/instruction/appels/fablabs-2013/",
        "/instruction/experts/",
        "/subventions/",
        "/plan-du-site/",
    ],
    "manager": [
        "/espace/",
        "/instruction/appels/fablabs-2013/classement/",
        "/comite/",
        "/comite/appels/fablabs-2013/",
        "/subventions/versements/",
    ],
}
WIDTHS = (1280, 375, 320)


@pytest.fixture
def world(call_2013, personas, places):  # noqa: F811
    organisation_for(personas["applicant"], name="Fablab de Rennes")
    submitted_application(call_2013, personas["applicant"], "Atelier laser à Rennes")
    make_jam("bercy", personas["manager"])
    return personas


def watch(page) -> list[str]:
    """The console's errors and the uncaught exceptions of the page's scripts, as they come."""
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda exception: errors.append(f"{exception.name}: {exception.message}"))
    return errors


def visit(page, urls: list[str]) -> dict[str, list[str]]:
    """Each page at each width: what went wrong in it (at 320 px, being wider than the screen)."""
    problems = {}
    errors = watch(page)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        for url in urls:
            errors.clear()
            page.goto(page.base + url)
            # the DSFR marks the page once its script has started (and so would have thrown)
            expect(page.locator("html[data-fr-js]")).to_have_count(1)
            found = list(errors)
            if url == "/nulle-part/":  # the browser logs the 404 status itself
                found = [e for e in found if "404 (Not Found)" not in e]
            if width == 320:
                scroll, screen = page.evaluate(
                    "() => [document.documentElement.scrollWidth, window.innerWidth]"
                )
                if scroll > screen:
                    found.append(f"{scroll} px wide for a {screen} px screen: {overflowing(page)}")
            if found:
                problems[f"{url} at {width} px"] = found
    return problems


def overflowing(page) -> list[str]:
    """The outermost elements wider than the screen, to say what to fix."""
    return page.evaluate(
        """() => [...document.querySelectorAll("body *")]
            .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1
                && !(e.parentElement && e.parentElement.getBoundingClientRect().right > window.innerWidth + 1))
            .slice(0, 5)
            .map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join(".")}#${e.id}`)"""
    )


def test_the_public_pages_have_no_script_error_and_fit_a_320_px_screen(page, world):
    place = Place.objects.order_by("pk").first().pk
    assert visit(page, [url.format(place=place) for url in PUBLIC]) == {}


@pytest.mark.parametrize("persona", sorted(STAFF))
def test_the_staff_pages_have_no_script_error_and_fit_a_320_px_screen(page, world, persona):
    login(page, world[persona].email, DEMO_PASSWORD)
    assert visit(page, STAFF[persona]) == {}


def test_on_a_phone_the_burger_opens_the_menu_and_sign_in_is_there(page, world):
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(page.base + "/")
    sign_in = page.locator("#menu").get_by_role("link", name="Se connecter")
    expect(sign_in).to_be_hidden()
    burger = page.get_by_role("button", name="Menu")
    expect(burger).to_be_visible()
    burger.click()
    expect(page.locator("#menu")).to_have_attribute("open", "true")
    expect(sign_in).to_be_visible()
    expect(page.locator("#menu").get_by_role("button", name="English")).to_be_visible()
    expect(page.locator("#menu").get_by_role("link", name="Fablabs")).to_be_visible()
    sign_in.click()
    page.wait_for_url("**/connexion/")
    page.get_by_role("button", name="Menu").click()
    page.locator("#menu").get_by_role("button", name="Fermer").click()
    expect(page.locator("#menu").get_by_role("link", name="Fablabs")).to_be_hidden()


def test_on_a_phone_a_manager_finds_the_staff_areas_in_the_menu(page, world):
    login(page, world["manager"].email, DEMO_PASSWORD)
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(page.base + "/")
    page.get_by_role("button", name="Menu").click()
    menu = page.locator("#menu")
    menu.get_by_role("button", name="Mon espace").click()
    menu.get_by_role("link", name="Comité de sélection").click()
    page.wait_for_url("**/comite/")
    expect(page.locator('#menu a[aria-current="page"]')).to_have_text("Comité de sélection")
    expect(page.locator('#menu [aria-controls="menu-areas"]')).to_have_attribute(
        "aria-current", "true"
    )


def test_the_skip_links_lead_to_the_content_the_menu_and_the_footer(page, world):
    page.goto(page.base + "/lieux/")
    page.keyboard.press("Tab")  # the first stop of the page: the skip links appear
    expect(page.get_by_role("link", name="Contenu")).to_be_focused()
    for name, target in (
        ("Contenu", "#contenu"),
        ("Menu", "#navigation"),
        ("Pied de page", "#pied-de-page"),
    ):
        page.locator(".fr-skiplinks").get_by_role("link", name=name).focus()
        page.keyboard.press("Enter")
        assert page.url.endswith(target)
        expect(page.locator(target)).to_be_visible()
        expect(page.locator(target)).to_be_in_viewport()
