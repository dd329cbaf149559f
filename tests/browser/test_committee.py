"""The committee in a real browser: two scenarios, a comparison, a freeze; the applicant's letter."""

import pytest

from pollen.applications.models import Status
from pollen.demo.personas import DEMO_PASSWORD
from pollen.selection.models import Decision, SelectionRun
from tests.browser.conftest import login
from tests.selection.conftest import world  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def run_scenario(page, name, weight):
    page.get_by_label("Nom du scénario").fill(name)
    page.get_by_label("Enveloppe (€)").fill("150000")
    page.get_by_label("Nombre maximal de lauréats").fill("2")
    page.get_by_label("Poids de la couverture w").fill(weight)
    page.locator("#run-scenario").click()
    page.wait_for_url("**/scenarios/*/")
    page.wait_for_selector("#candidates")


def test_the_committee_compares_two_scenarios_freezes_one_and_the_applicant_gets_the_letter(
    page,
    personas,
    world,  # noqa: F811
):
    slug = world["35238"].call.slug
    login(page, personas["committee"].email, DEMO_PASSWORD)
    page.goto(f"{page.base}/comite/appels/{slug}/")
    run_scenario(page, "Notes seules", "0")
    assert page.locator("#run-status").get_attribute("data-status") == "optimal"
    assert page.locator('#candidates tr[data-selected="1"]').count() == 2
    page.goto(f"{page.base}/comite/appels/{slug}/")
    run_scenario(page, "Territoire", "10")
    lyon = world["69123"].pk
    assert (
        page.locator(f'#candidates tr[data-candidate="{lyon}"]').get_attribute("data-selected")
        == "1"
    )

    page.goto(f"{page.base}/comite/appels/{slug}/")
    page.locator("#compare").click()
    page.wait_for_url("**/comparer/**")
    assert "Notes seules" in page.locator("#side-1").inner_text()
    assert "Territoire" in page.locator("#side-2").inner_text()
    assert page.locator("svg.pollen-map").count() == 4

    territory = SelectionRun.objects.get(name="Territoire")
    page.goto(f"{page.base}/comite/appels/{slug}/scenarios/{territory.pk}/")
    page.locator("#freeze").click()
    page.wait_for_url("**/decisions/")
    assert page.locator("#decisions tbody tr").count() == 4
    assert Decision.objects.count() == 4

    # The applicant (Rennes, best scored) reads the decision and downloads the letter.
    rennes = world["35238"]
    rennes.refresh_from_db()
    page.context.clear_cookies()
    login(page, personas["applicant"].email, DEMO_PASSWORD)
    page.goto(f"{page.base}/comite/candidatures/{rennes.pk}/decision/")
    outcome = page.locator("#decision-outcome")
    assert outcome.get_attribute("data-outcome") == rennes.status == Status.SELECTED
    assert "Retenue" in page.locator("#decision-reason").inner_text()
    with page.expect_download() as info:
        page.locator("#letter").click()
    path = info.value.path()
    with open(path, "rb") as letter:
        assert letter.read(5) == b"%PDF-"
    # Someone else's decision stays hidden.
    brest = world["29019"]
    response = page.goto(f"{page.base}/comite/candidatures/{brest.pk}/decision/")
    assert response is not None and response.status == 404
