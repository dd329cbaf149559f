"""In a real browser: a laser cutter near Quimper, found with the keyboard, then the map."""

import pytest

from pollen.places import services
from pollen.places.models import PlaceKind
from pollen.territory.models import Commune

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def places(territory):
    Commune.objects.create(
        code="29046",
        name="Douarnenez",
        search_name="douarnenez",
        departement_id="29",
        region_id="53",
        population=14169,
        latitude=48.0925,
        longitude=-4.3289,
        postal_codes="29100",
    )
    for name, code, machines, hours in (
        ("Fablab de Quimper", "29232", ["laser_cutter"], "Tu-Sa 14:00-19:00"),
        ("Fablab de Douarnenez", "29046", ["laser_cutter", "wood"], "Sa 10:00-18:00"),
        ("Atelier de Brest", "29019", ["3d_printer"], "Sa 10:00-18:00"),
        ("Fablab de Rennes", "35238", ["laser_cutter"], "Sa 10:00-18:00"),
    ):
        commune = Commune.objects.get(code=code)
        services.create_place(
            acting_user=None,
            values={
                "name": name,
                "kind": PlaceKind.FABLAB,
                "commune_id": code,
                "latitude": commune.latitude,
                "longitude": commune.longitude,
                "approximate": True,
                "machines": machines,
                "opening_hours": hours,
            },
        )


def test_someone_finds_a_laser_cutter_near_quimper_and_opens_the_map(page, places, tmp_path):
    page.goto(f"{page.base}/lieux/")
    page.get_by_label("Machine").select_option("laser_cutter")
    near = page.get_by_label("Autour de la commune")
    near.press_sequentially("Quim")
    page.locator("#near-options option").first.wait_for(state="attached")
    near.fill("Quimper")
    page.get_by_label("Ouvert le (jour de la semaine)").select_option("saturday")
    radius = page.get_by_label("Dans un rayon de (km)")
    radius.fill("30")
    radius.press("Enter")  # the form answers the keyboard
    page.wait_for_url("**/lieux/?*radius_km=30*")
    rows = page.locator("#results tbody tr")
    assert rows.count() == 2
    assert "Fablab de Quimper" in rows.nth(0).inner_text()
    assert "Fablab de Douarnenez" in rows.nth(1).inner_text()
    assert "km" in rows.nth(1).inner_text()

    radius.fill("-5")
    radius.press("Enter")
    page.wait_for_selector("#id_radius_km-error")
    assert "strictement positif" in page.locator("#id_radius_km-error").inner_text()

    page.get_by_role("link", name="Voir la carte").click()
    page.wait_for_url("**/couverture/?machine=laser_cutter*")
    svg = page.locator("svg.pollen-map")
    assert svg.get_attribute("role") == "img"
    assert "Découpeuse laser" in page.locator("#map-title").text_content()
    assert svg.locator("circle").count() == 3 + 1  # three places with a laser cutter, the legend
    assert page.locator("#by-departement tr[data-code='29']").count() == 1
    # The PDF is drawn by a job that this anonymous visitor follows on its page.
    page.get_by_role("button", name="Télécharger la carte (PDF)").click()
    page.wait_for_url("**/travaux/*/")
    with page.expect_download() as download:
        page.locator("#job-result").click()
    assert download.value.suggested_filename == "carte-couverture-20km.pdf"
    pdf = tmp_path / "carte.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
