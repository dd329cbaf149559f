"""axe-core (from npm, installed by `make install`) on the jam's pages, phone-sized, and on the
site's own pages (footer pages, error page, menu), on a computer and a phone: no serious or
critical violation. The jam's pages are those a participant, a facilitator and the public see."""

from pathlib import Path

import pytest

from pollen.demo.personas import DEMO_PASSWORD
from pollen.jam import selectors, services
from pollen.jam.models import Lever
from tests.browser.conftest import login
from tests.jam.conftest import room  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
AXE = (
    Path(__file__).resolve().parents[2]
    / ".venv"
    / "node"
    / "node_modules"
    / "axe-core"
    / "axe.min.js"
)


def violations(page):
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in found
        if v["impact"] in {"serious", "critical"}
    ]


def test_the_jam_pages_have_no_serious_accessibility_violation(
    browser,
    live_server,
    room,  # noqa: F811
):
    if not AXE.exists():
        pytest.skip("axe-core absent: make install puts it in .venv/node")
    services.set_openings(acting=room.organiser, jam=room.jam, group=None, writing_open=True)
    services.post_proposal(
        acting=room.people[0], group=room.groups[0], title="Idée", text="Texte", lever=Lever.OTHER
    )
    base = live_server.url
    pages = {
        "facilitator": [
            "/jams/",
            "/jams/bercy/",
            "/jams/bercy/inscription/",
            "/jams/bercy/console/",
        ],
        "participant": [f"/jams/bercy/salle/?groupe={room.groups[0].pk}", "/jams/bercy/decisions/"],
    }
    found = {}
    for who, urls in pages.items():
        # axe is injected as a script: the page's CSP would rightly refuse it.
        context = browser.new_context(
            locale="fr-FR", viewport={"width": 390, "height": 844}, bypass_csp=True
        )
        page = context.new_page()
        participant = room.facilitator if who == "facilitator" else room.people[0]
        page.goto(f"{base}/jams/bercy/entrer/{selectors.personal_token(participant)}/")
        for url in urls:
            page.goto(base + url)
            problems = violations(page)
            if problems:
                found[url] = problems
        context.close()
    assert found == {}


def test_the_sites_own_pages_have_no_serious_accessibility_violation(
    browser, live_server, call_2013, personas
):
    """The footer's pages, the error page and the main public pages, on a computer and on a
    phone with the menu open; then the site map and the menu of a signed-in manager."""
    if not AXE.exists():
        pytest.skip("axe-core absent: make install puts it in .venv/node")
    base = live_server.url
    urls = [
        "/",
        "/appels/fablabs-2013/",
        "/lieux/",
        "/connexion/",
        "/donnees-personnelles/",
        "/accessibilite/",
        "/mentions-legales/",
        "/plan-du-site/",
        "/nulle-part/",
    ]
    found = {}
    for width in (1280, 375):
        context = browser.new_context(
            locale="fr-FR", viewport={"width": width, "height": 900}, bypass_csp=True
        )
        page = context.new_page()
        for url in urls:
            page.goto(base + url)
            if width == 375:
                page.get_by_role("button", name="Menu").click()
            problems = violations(page)
            if problems:
                found[f"{url} at {width} px"] = problems
        context.close()
    context = browser.new_context(locale="fr-FR", bypass_csp=True)
    page = context.new_page()
    page.base = base
    login(page, personas["manager"].email, DEMO_PASSWORD)
    page.goto(base + "/plan-du-site/")
    page.get_by_role("button", name="Mon espace").click()
    problems = violations(page)
    if problems:
        found["/plan-du-site/ (manager)"] = problems
    context.close()
    assert found == {}
