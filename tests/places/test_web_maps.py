"""The zoomable maps as the server sends them: the SVG, the container map.js fills, its JSON."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from config.settings import tiles_origin
from pollen.places.models import PlaceStatus

ROOT = Path(__file__).resolve().parents[2]
TILES = "https://tiles.test/{z}/{x}/{y}.png"


@pytest.fixture
def tiles(settings):
    """A tile server the browser tests answer themselves, allowed by the CSP as settings.py
    allows the configured one."""
    settings.POLLEN_MAP_TILES_URL = TILES
    settings.SECURE_CSP = {
        **settings.SECURE_CSP,
        "img-src": [*settings.SECURE_CSP["img-src"], *tiles_origin(TILES)],
    }


@pytest.fixture
def places(finistere, make_place):
    return {
        "quimper": make_place("Fablab de Quimper", "29232", machines=["laser_cutter"]),
        "douarnenez": make_place("Atelier de Douarnenez", "29046"),
        "brest": make_place("Fablab de Brest", "29019"),
        "lyon": make_place("Fablab lyonnais", "69123"),
        "closed": make_place("Lieu fermé à Morlaix", "29151", status=PlaceStatus.CLOSED),
        "nowhere": make_place("Lieu sans position", None),
    }


def map_json(html: str, data_id: str) -> dict:
    found = re.search(rf'<script id="{data_id}" type="application/json">(.*?)</script>', html, re.S)
    assert found, f"no {data_id} block"
    return json.loads(found.group(1))


def test_it_draws_every_open_place_on_the_directory_map(client, places, tiles):
    html = client.get(reverse("places:directory")).content.decode()
    assert 'data-pollen-map="directory-map-data"' in html
    assert 'aria-label="Carte des lieux de l&#x27;annuaire"' in html
    assert 'href="#directory-map-after"' in html  # the skip link, and its target
    assert 'id="directory-map-after"' in html
    assert "vendor/leaflet/leaflet.js" in html and "pollen/map.js" in html
    assert "vendor/leaflet/leaflet.css" in html
    data = map_json(html, "directory-map-data")
    assert data["tiles"] == TILES and data["attribution"] == "© IGN – Plan IGN"
    names = {p[1]: p for p in data["places"]}
    assert set(names) == {
        "Fablab de Quimper",
        "Atelier de Douarnenez",
        "Fablab de Brest",
        "Fablab lyonnais",
    }
    assert names["Fablab de Brest"][4] == reverse("places:detail", args=[places["brest"].pk])
    # The SVG stays in the page for browsers without JavaScript or tiles.
    svg = html.split('class="pollen-webmap__svg">', 1)[1]
    assert svg.startswith("<svg") and svg.split("</svg>", 1)[0].count("<circle") == 4


def test_without_a_tile_url_the_pages_keep_their_svg_only(client, places):
    for url in (
        reverse("places:directory"),
        reverse("places:detail", args=[places["quimper"].pk]),
        reverse("places:coverage"),
    ):
        html = client.get(url).content.decode()
        assert 'class="pollen-map"' in html, url
        assert "data-pollen-map" not in html and "leaflet" not in html, url
        assert "Passer la carte" not in html, url


def test_a_places_map_shows_it_and_its_nearest_open_neighbours(client, places, tiles):
    quimper = places["quimper"]
    html = client.get(reverse("places:detail", args=[quimper.pk])).content.decode()
    data = map_json(html, "place-map-data")
    assert data["current"] == quimper.pk
    assert [p[1] for p in data["places"]] == [
        "Fablab de Quimper",
        "Atelier de Douarnenez",  # 23 km
        "Fablab de Brest",  # 57 km
        "Fablab lyonnais",
    ]
    assert "Fablab de Quimper et les lieux les plus proches" in html
    listed = re.findall(r'<ul id="neighbours">(.*?)</ul>', html, re.S)[0]
    assert listed.index("Atelier de Douarnenez") < listed.index("Fablab de Brest")
    assert "Morlaix" not in listed  # closed places are not neighbours


def test_a_place_without_a_point_has_no_map(client, places, tiles):
    html = client.get(reverse("places:detail", args=[places["nowhere"].pk])).content.decode()
    assert "pollen-webmap" not in html and "leaflet" not in html


def test_the_coverage_map_has_the_shaded_zones_and_the_white_zones(client, places, tiles):
    html = client.get(reverse("places:coverage"), {"radius_km": 10}).content.decode()
    data = map_json(html, "coverage-map-data")
    assert data["outlines"] == reverse("places:outlines")
    name, colour, share = data["zones"]["29"]
    assert name == "Finistère" and colour.startswith("#") and 0 < share < 100
    assert len(data["places"]) == 4
    white = {z[0]: z for z in data["white_zones"]}
    assert "Morlaix" in white and "Quimper" not in white
    assert white["Morlaix"][1:3] == [48.5775, -3.8278]
    assert "sans lieu à moins de 10 km" in white["Morlaix"][3]
    assert 'class="pollen-map"' in html  # the SVG, with its legend, stays


def test_the_outlines_are_every_departement_simplified(client, settings):
    response = client.get(reverse("places:outlines"))
    assert response["Content-Type"] == "application/geo+json"
    outlines = json.loads(response.content)
    codes = {f["properties"]["code"] for f in outlines["features"]}
    assert len(codes) == 101 and {"2A", "2B", "971", "976"} <= codes
    source = Path(settings.DATA_DIR) / "france-geojson" / "departements-drom-simplifie.geojson"
    assert len(response.content) < source.stat().st_size / 2


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("", []),
        (TILES, ["https://tiles.test"]),
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png", ["https://*.tile.example.org"]),
    ],
)
def test_the_csp_allows_images_from_the_tiles_origin(url, origin):
    env = {**os.environ, "POLLEN_MAP_TILES_URL": url}
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "from config import settings; print(' '.join(settings.SECURE_CSP['img-src']))",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.split() == ["'self'", "data:", *origin]


def test_by_default_the_tiles_are_ign_plan_ign(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLLEN_MAP_")}
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "from config import settings; print(settings.POLLEN_MAP_TILES_URL);"
            "print(settings.SECURE_CSP['img-src'][-1])",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert "LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2" in out[0] and "TILEMATRIX={z}" in out[0]
    assert out[1] == "https://data.geopf.fr"
