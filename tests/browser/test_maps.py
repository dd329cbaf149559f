"""The zoomable maps in a real browser: tiles answered by the test (a tiny PNG), or refused."""

import re
import struct
import zlib

import pytest
from playwright.sync_api import expect

from pollen.places.models import Place
from tests.browser.test_accessibility import AXE, violations
from tests.browser.test_places import places  # noqa: F401 - the fixture
from tests.places.test_web_maps import tiles  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TILE_ROUTE = "https://tiles.test/**"


def png(size: int = 256) -> bytes:
    """A plain light-grey square: what a tile server answers, minus the geography."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xee\xee\xee" * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


TILE = png()


def serve_tiles(page) -> list[str]:
    """Answers the page's tile requests with TILE; the URLs asked for, as they come."""
    asked: list[str] = []

    def answer(route):
        asked.append(route.request.url)
        route.fulfill(status=200, content_type="image/png", body=TILE)

    page.route(TILE_ROUTE, answer)
    return asked


@pytest.fixture(autouse=True)
def _routes_end_with_the_test(page):
    """Tiles still on their way when the page closes are dropped quietly."""
    yield
    page.unroute_all(behavior="ignoreErrors")


def watch(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"{e.name}: {e.message}"))
    return errors


def test_with_tiles_the_directory_map_zooms_with_the_keyboard_and_opens_a_place(
    page,
    places,  # noqa: F811
    tiles,  # noqa: F811
):
    errors = watch(page)
    asked = serve_tiles(page)
    page.goto(f"{page.base}/lieux/")
    canvas = page.locator("[data-pollen-map]")
    expect(canvas).to_have_attribute("data-ready", "true")
    expect(page.locator("#directory-map svg.pollen-map")).to_be_hidden()
    assert asked and all(u.endswith(".png") for u in asked)
    expect(canvas).to_have_attribute("role", "region")
    expect(canvas).to_have_accessible_name("Carte des lieux de l'annuaire")
    expect(page.locator(".leaflet-control-attribution")).to_contain_text("© IGN – Plan IGN")

    # At the scale of France the three places of Finistère are one group, a button.
    group = page.get_by_role("button", name="3 lieux ici : zoomer sur eux")
    expect(group).to_be_visible()
    before = int(canvas.get_attribute("data-zoom"))
    canvas.focus()
    page.keyboard.press("+")
    expect(canvas).not_to_have_attribute("data-zoom", str(before))
    assert int(canvas.get_attribute("data-zoom")) > before

    # Enter on the groups until Brest stands alone, then Enter on Brest opens its popup.
    brest = page.get_by_role("button", name="Atelier de Brest")
    for _ in range(8):
        if brest.count():
            break
        page.get_by_role("button", name=re.compile("lieux ici")).first.press("Enter")
        page.wait_for_timeout(400)  # the zoom's animation
    brest.focus()
    brest.press("Enter")
    link = page.get_by_role("link", name="Voir la fiche du lieu : Atelier de Brest")
    expect(link).to_be_focused()
    link.press("Enter")
    page.wait_for_url(f"**/lieux/{Place.objects.get(name='Atelier de Brest').pk}/")

    # The place's page: itself, marked, and its neighbours.
    place_map = page.locator("[data-pollen-map]")
    expect(place_map).to_have_attribute("data-ready", "true")
    expect(page.locator(".pollen-marker--current")).to_have_count(1)
    expect(page.locator(".leaflet-marker-icon")).to_have_count(4)
    assert errors == []


def test_the_coverage_map_shades_the_departements_and_marks_the_white_zones(
    page,
    places,  # noqa: F811
    tiles,  # noqa: F811
):
    errors = watch(page)
    serve_tiles(page)
    page.goto(f"{page.base}/couverture/?radius_km=10")
    expect(page.locator("[data-pollen-map]")).to_have_attribute("data-ready", "true")
    # 101 départements drawn from the outlines, four places as dots (not tab stops).
    expect(page.locator(".leaflet-overlay-pane path")).to_have_count(101 + 4)
    white = page.get_by_role("button", name="Zone blanche : Lyon")
    white.press("Enter")
    expect(page.locator(".leaflet-popup-content")).to_contain_text("sans lieu à moins de 10 km")
    page.keyboard.press("Escape")
    expect(page.locator(".leaflet-popup")).to_have_count(0)
    expect(white).to_be_focused()  # the focus goes back to the marker
    assert errors == []


def test_when_tiles_fail_the_svg_stays_and_nothing_is_logged(
    page,
    places,  # noqa: F811
    tiles,  # noqa: F811
):
    errors = watch(page)
    page.route(TILE_ROUTE, lambda route: route.abort())
    quimper = Place.objects.get(name="Fablab de Quimper").pk
    for url, box in (
        ("/lieux/", "#directory-map"),
        (f"/lieux/{quimper}/", "#place-map"),
        ("/couverture/", "#coverage-map"),
    ):
        page.goto(page.base + url)
        expect(page.locator("[data-pollen-map]")).to_have_count(0)
        expect(page.locator(f"{box} svg.pollen-map")).to_be_visible()
        expect(page.locator(f"{box} .pollen-skip")).to_have_count(0)
    # The page's script says nothing; the browser notes the one tile it was refused, per page.
    assert errors == ["Failed to load resource: net::ERR_FAILED"] * 3


def test_when_tiles_never_come_the_svg_stays(
    page,
    places,  # noqa: F811
    tiles,  # noqa: F811
):
    errors = watch(page)
    page.route(TILE_ROUTE, lambda route: None)  # never answered
    page.goto(page.base + "/lieux/")
    expect(page.locator("#directory-map svg.pollen-map")).to_be_visible()
    expect(page.locator("[data-pollen-map]")).to_have_count(0, timeout=10_000)
    assert errors == []


def test_the_maps_fit_a_320_px_phone_and_pass_axe(
    browser,
    live_server,
    places,  # noqa: F811
    tiles,  # noqa: F811
):
    quimper = Place.objects.get(name="Fablab de Quimper").pk
    found = {}
    for width in (320, 1280):
        # axe is injected as a script: the page's CSP would rightly refuse it.
        context = browser.new_context(
            locale="fr-FR", viewport={"width": width, "height": 800}, bypass_csp=True
        )
        page = context.new_page()
        serve_tiles(page)
        for url in ("/lieux/", f"/lieux/{quimper}/", "/couverture/"):
            page.goto(live_server.url + url)
            expect(page.locator("[data-pollen-map]")).to_have_attribute("data-ready", "true")
            scroll, screen = page.evaluate(
                "() => [document.documentElement.scrollWidth, window.innerWidth]"
            )
            problems = [f"{scroll} px wide for {screen}"] if scroll > screen else []
            if AXE.exists():
                problems += violations(page)
            if problems:
                found[f"{url} at {width} px"] = problems
        page.unroute_all(behavior="ignoreErrors")
        context.close()
    assert found == {}
