"""The coverage map: SVG with a text alternative and insets, the same map in PDF, and exports."""

import csv
import io
import re
from html import unescape

import pytest
from django.core.management import call_command
from django.urls import reverse

from pollen.places import maps
from pollen.places.exports import NATIONAL_COLUMNS
from pollen.places.models import Place, PlaceStatus


@pytest.fixture
def places(finistere, make_place):
    make_place(
        "Fablab de Quimper",
        "29232",
        machines=["laser_cutter"],
        opening_hours="Sa 10:00-12:00",
        address="2 rue de l'Atelier",
    )
    make_place(
        "Fablab de Brest",
        "29019",
        machines=["3d_printer"],
        latitude=48.39,
        longitude=-4.49,
        address="1 quai de la Douane",
    )
    make_place("Fablab réunionnais", None, latitude=-20.88, longitude=55.45)
    make_place("Ancien fablab", "35238", status=PlaceStatus.CLOSED)


def test_the_svg_has_a_title_a_description_every_departement_and_the_insets(client, places):
    response = client.get(reverse("places:map_svg"), {"radius_km": 20})
    assert response["Content-Type"].startswith("image/svg+xml")
    svg = response.content.decode()
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert 'aria-labelledby="map-title map-desc"' in svg
    assert '<title id="map-title">Part de la population à moins de 20 km d\'un lieu' in unescape(
        svg
    )
    assert '<desc id="map-desc">France entière' in svg
    codes = re.findall(r'data-code="([0-9AB]+)"', svg)
    assert len(codes) == 101 and {"2A", "2B", "971", "972", "973", "974", "976"} <= set(codes)
    for name in ("Guadeloupe", "Martinique", "Guyane", "La Réunion", "Mayotte"):
        assert f">{name} (" in svg
    assert svg.count("<circle") == 3 + 1  # the open places and the legend's dot


def test_departements_are_shaded_by_their_covered_share(client, places):
    svg = client.get(reverse("places:map_svg"), {"radius_km": 30}).content.decode()
    shaded = {
        code: fill for fill, code in re.findall(r'fill="(#[0-9a-f]{6})" data-code="(\w+)"', svg)
    }
    assert len(shaded) == 101
    assert shaded["29"] != maps.NO_DATA  # Finistère has people and places
    assert shaded["13"] == maps.NO_DATA  # no commune of the test territory there
    assert shaded["35"] == maps.colour_of(0.0)  # Rennes is 180 km from the nearest open place


def test_the_machine_filter_keeps_only_the_places_with_that_machine(client, places):
    svg = client.get(reverse("places:map_svg"), {"machine": "laser_cutter"}).content.decode()
    assert svg.count("<circle") == 1 + 1
    assert "<title>Fablab de Quimper</title>" in svg


def test_the_coverage_page_shows_the_map_the_same_numbers_and_a_pdf_link(client, places):
    response = client.get(reverse("places:coverage"), {"radius_km": 10})
    html = unescape(response.content.decode())
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html
    assert 'id="by-departement"' in html and 'id="by-region"' in html
    assert "Télécharger la carte (PDF)" in html
    assert '<form method="post" action="/couverture/carte.pdf" id="map-pdf-form">' in html
    assert '<input type="hidden" name="radius_km" value="10">' in html
    figures = response.context["figures"]
    row = next(a for a in figures.departements if a.code == "29")
    assert 'data-code="29"><td>29</td><th scope="row">Finistère</th>' in html
    assert row.covered_population > 0


def test_the_pdf_is_a_pdf_with_the_map_and_the_table(client, places):
    started = client.post(reverse("places:map_pdf"), {"radius_km": 20})
    assert started.status_code == 303 and started["Location"].startswith("/travaux/")
    page = client.get(started["Location"]).content.decode()
    assert "Carte de la couverture (PDF)" in page and "carte-couverture-20km.pdf" in page
    response = client.get(started["Location"] + "fichier/")
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert b"carte-couverture-20km.pdf" in response["Content-Disposition"].encode()


def test_a_missing_outlines_file_is_said_and_the_page_still_answers(
    client, places, settings, tmp_path
):
    settings.DATA_DIR = tmp_path
    response = client.get(reverse("places:coverage"))
    assert response.status_code == 200
    assert "Contours des départements illisibles" in unescape(response.content.decode())
    assert response.context["figures"].report.population > 0


def test_export_writes_the_national_csv_of_open_places(client, places, tmp_path, capsys):
    out = tmp_path / "lieux.csv"
    call_command("export_places", "--output", str(out))
    said = capsys.readouterr()
    assert "2 lieu(x) exporté(s)" in said.out
    assert "1 lieu(x) écarté(s)" in said.err and "Fablab réunionnais" in said.err
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert list(rows[0]) == list(NATIONAL_COLUMNS)
    quimper = next(r for r in rows if r["nom"] == "Fablab de Quimper")
    assert quimper["code_insee"] == "29232" and quimper["source"] == "Pollen"
    assert quimper["horaires"] == "Sa 10:00-12:00" and quimper["typologie"] == "TIERS_LIEUX"
    assert quimper["pivot"] == "00000000000000"
    assert "Découpeuse laser" in quimper["presentation_resume"]
    assert "Ancien fablab" not in {r["nom"] for r in rows}
    download = client.get(reverse("places:export_csv"))
    assert download["Content-Disposition"] == 'attachment; filename="lieux-pollen.csv"'
    assert next(csv.DictReader(io.StringIO(download.content.decode())))["nom"] == rows[0]["nom"]


def test_an_exported_csv_can_be_read_back_by_the_importer(places, tmp_path, capsys):
    out = tmp_path / "lieux.csv"
    call_command("export_places", "--output", str(out))
    Place.objects.all().delete()
    call_command("import_places", str(out), "--format", "mediation-numerique")
    assert "2 lieu(x) créé(s)" in capsys.readouterr().out
    assert Place.objects.get(commune_id="29232").opening_hours == "Sa 10:00-12:00"
