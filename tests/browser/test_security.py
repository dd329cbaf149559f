"""The CSP in a real browser: the key pages run the DSFR, htmx and their own scripts, and show
their maps and QR codes, with nothing refused and no error in the console.
"""

import pytest

from pollen.demo.personas import DEMO_PASSWORD
from pollen.jam import selectors
from pollen.jam.models import JamRole, WorkingGroup
from pollen.places import services as places
from pollen.places.models import PlaceKind
from tests.browser.conftest import login
from tests.builders import organisation_for
from tests.jam.conftest import make_jam, person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def console_errors(page):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(exc.stack or str(exc)))
    return errors


def scripts_ran(page) -> None:
    """The DSFR (given the nonce) started, htmx loaded, and neither slipped in a style element."""
    page.locator("html[data-fr-js]").wait_for(state="attached")
    assert page.evaluate("typeof htmx") == "object"
    assert page.evaluate("htmx.config.includeIndicatorStyles") is False
    assert page.locator("style").count() == 0


def test_the_key_pages_run_under_the_csp_without_a_refusal(
    page, console_errors, policy_violations, call_2013, personas, settings
):
    settings.CLOCK_START = "2013-09-13T10:00:00+02:00"  # the 2013 call is open
    organisation_for(personas["applicant"])
    places.create_place(
        acting_user=None,
        values={
            "name": "Fablab de Quimper",
            "kind": PlaceKind.FABLAB,
            "commune_id": "29232",
            "latitude": 47.9961,
            "longitude": -4.1025,
            "approximate": True,
            "machines": ["laser_cutter"],
            "opening_hours": "Sa 10:00-18:00",
        },
    )

    for path in ("/", "/appels/fablabs-2013/"):
        page.goto(f"{page.base}{path}")
        scripts_ran(page)

    page.goto(f"{page.base}/couverture/")  # an inline SVG map
    scripts_ran(page)
    assert page.locator("svg.pollen-map circle").count() >= 1

    # The application's page: htmx saves while the applicant types and swaps the verdicts in.
    login(page, personas["applicant"].email, DEMO_PASSWORD)
    page.goto(f"{page.base}/appels/fablabs-2013/")
    page.get_by_role("link", name="Déposer une candidature").click()
    page.get_by_label("Titre du projet").fill("Un fablab sous CSP")
    page.get_by_role("button", name="Créer le brouillon").click()
    page.wait_for_url("**/modifier/")
    scripts_ran(page)
    with page.expect_response(lambda r: r.request.method == "POST" and "/modifier/" in r.url):
        page.get_by_label("Titre du projet").fill("Un fablab sous une CSP stricte")
    page.locator("#live #verdicts").wait_for()
    page.locator("[data-add-line=expenses]").click()  # the budget's own script
    assert page.locator("#expense-lines tbody tr").count() >= 2

    assert policy_violations == []
    assert console_errors == []


def test_a_jam_room_polls_and_its_screen_shows_the_qr_code_under_the_csp(
    page, console_errors, policy_violations, personas
):
    jam = make_jam("direct", personas["manager"])
    group = WorkingGroup.objects.create(jam=jam, position=0, theme="Fablabs partout")
    ana = person(jam, "Ana Un", group=group)
    fanny = person(jam, "Fanny Anime", role=JamRole.FACILITATOR, group=group, pinned=True)

    page.goto(f"{page.base}/jams/{jam.slug}/entrer/{selectors.personal_token(ana)}/")
    page.wait_for_url("**/salle/")
    scripts_ran(page)
    for _ in range(2):  # two rounds of the live poll, swapped in by htmx
        with page.expect_response(lambda r: "/direct/" in r.url):
            pass
    page.locator("#live").wait_for()

    page.goto(f"{page.base}/jams/{jam.slug}/entrer/{selectors.personal_token(fanny)}/")
    page.goto(f"{page.base}/jams/{jam.slug}/ecran/")
    page.locator(".jam-projection__qr svg path").wait_for(state="attached")
    with page.expect_response(lambda r: "/ecran/direct/" in r.url):
        pass

    assert policy_violations == []
    assert console_errors == []
