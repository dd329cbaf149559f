"""Coverage page and command against a brute-force pairwise computation on a small territory."""

import json
import math

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from pollen.domain.territory.geo import haversine_km
from pollen.places.models import PlaceStatus
from pollen.territory.models import Commune, CommuneKind

RADII = (10, 20, 30)


@pytest.fixture
def places(finistere, make_place):
    make_place("Fablab de Quimper", "29232", machines=["laser_cutter"])
    make_place("Atelier de Douarnenez", "29046", latitude=48.05, longitude=-4.25)
    make_place("Fablab lyonnais", "69123", machines=["3d_printer"])
    make_place("Lieu fermé à Brest", "29019", status=PlaceStatus.CLOSED)


def brute_force(radius: float, machine: str = "") -> dict:
    """Every commune actuelle against every open place, with haversine_km and nothing else."""
    from pollen.places.models import Place

    points = [
        (p.latitude, p.longitude)
        for p in Place.objects.filter(status=PlaceStatus.ACTIVE)
        if not machine or machine in p.machines
    ]
    total = covered = 0
    by_dep: dict[str, list[int]] = {}
    by_region: dict[str, list[int]] = {}
    uncovered = []
    for c in Commune.objects.filter(kind=CommuneKind.COMMUNE):
        nearest = min(
            (haversine_km(c.latitude, c.longitude, a, b) for a, b in points), default=math.inf
        )
        inside = nearest <= radius
        total += c.population
        covered += c.population if inside else 0
        for key, table in ((c.departement_id, by_dep), (c.region_id, by_region)):
            row = table.setdefault(key, [0, 0])
            row[0] += c.population
            row[1] += c.population if inside else 0
        if not inside:
            uncovered.append((-c.population, c.code, nearest))
    return {
        "population": total,
        "covered_population": covered,
        "by_departement": {
            k: {"population": a, "covered_population": b} for k, (a, b) in by_dep.items()
        },
        "by_region": {
            k: {"population": a, "covered_population": b} for k, (a, b) in by_region.items()
        },
        "uncovered": [(code, km) for _p, code, km in sorted(uncovered)],
    }


@pytest.mark.parametrize("radius", RADII)
def test_the_coverage_page_equals_the_brute_force_computation(client, places, radius):
    response = client.get(reverse("places:coverage"), {"radius_km": radius})
    assert response.status_code == 200
    report = response.context["figures"].report
    expected = brute_force(radius)
    assert report.population == expected["population"]
    assert report.covered_population == expected["covered_population"]
    got = report.to_json()
    assert got["by_departement"] == expected["by_departement"]
    assert got["by_region"] == expected["by_region"]
    zones = [(z["insee"], z["nearest_km"]) for z in got["largest_uncovered"]]
    assert [z[0] for z in zones] == [u[0] for u in expected["uncovered"]]
    for (_code, km), (_c, expected_km) in zip(zones, expected["uncovered"], strict=True):
        assert km == pytest.approx(expected_km, abs=1e-6)


def test_paris_counts_once_not_with_its_arrondissement(client, places, make_place):
    make_place("Fablab parisien", "75056")
    report = client.get(reverse("places:coverage"), {"radius_km": 10}).context["figures"].report
    actuelles = sum(
        Commune.objects.filter(kind=CommuneKind.COMMUNE).values_list("population", flat=True)
    )
    assert report.population == actuelles  # the 15,917 people of the 1st arrondissement not added
    assert report.to_json()["by_departement"]["75"] == {
        "population": 2133111,
        "covered_population": 2133111,
    }


def test_the_machine_filter_counts_only_the_places_with_that_machine(client, places):
    figures = client.get(
        reverse("places:coverage"), {"radius_km": 20, "machine": "laser_cutter"}
    ).context["figures"]
    assert [p.name for p in figures.points] == ["Fablab de Quimper"]
    assert (
        figures.report.covered_population == brute_force(20, "laser_cutter")["covered_population"]
    )


@pytest.mark.parametrize("radius", ["0", "-5", "abc", "5000"])
def test_the_command_refuses_a_bad_radius_with_exit_code_2(places, radius):
    with pytest.raises(CommandError) as refused:
        call_command("coverage", "--radius-km", radius, "--json")
    assert refused.value.returncode == 2
    assert "Le rayon" in str(refused.value)


@pytest.mark.parametrize("radius", RADII)
def test_the_command_prints_exactly_the_documented_json(places, capsys, radius):
    call_command("coverage", "--radius-km", str(radius), "--json")
    data = json.loads(capsys.readouterr().out)
    assert list(data) == [
        "radius_km",
        "population",
        "covered_population",
        "share",
        "by_region",
        "by_departement",
        "largest_uncovered",
    ]
    expected = brute_force(radius)
    assert data["radius_km"] == radius
    assert (data["population"], data["covered_population"]) == (
        expected["population"],
        expected["covered_population"],
    )
    assert data["share"] == pytest.approx(expected["covered_population"] / expected["population"])
    assert data["by_departement"] == expected["by_departement"]
    assert [z["insee"] for z in data["largest_uncovered"]] == [u[0] for u in expected["uncovered"]]


def test_the_command_reads_places_from_a_csv_and_counts_rows_without_coordinates(
    territory, tmp_path, capsys
):
    path = tmp_path / "lieux.csv"
    path.write_text(
        "nom,latitude,longitude,autre\nA,48.11,-1.68,x\nB,,,y\nC,abc,2,z\nD,45.76,4.84,w\n",
        encoding="utf-8",
    )
    call_command("coverage", "--radius-km", "15", "--places", str(path), "--json")
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["covered_population"] == 227830 + 522250  # Rennes and Lyon
    assert "2 ligne(s) sans coordonnées utilisables ignorée(s)." in captured.err


def test_a_places_csv_without_coordinate_columns_is_refused(territory, tmp_path):
    path = tmp_path / "lieux.csv"
    path.write_text("nom,ville\nA,Rennes\n", encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        call_command("coverage", "--radius-km", "15", "--places", str(path))
    assert refused.value.returncode == 2 and "latitude et longitude" in str(refused.value)


def test_the_siting_page_finds_the_best_site_as_brute_force_does(client, places):
    response = client.get(
        reverse("places:siting"), {"k": 1, "radius_km": 10, "min_population": 10000}
    )
    assert response.status_code == 200
    report = response.context["report"]
    existing = [(48.05, -4.25), (47.9961, -4.1025), (45.7580, 4.8351)]  # the open places
    communes = list(Commune.objects.filter(kind=CommuneKind.COMMUNE))
    open_ = [
        c
        for c in communes
        if min(haversine_km(c.latitude, c.longitude, a, b) for a, b in existing) > 10
    ]

    def gain(site: Commune) -> int:
        return sum(
            c.population
            for c in open_
            if haversine_km(c.latitude, c.longitude, site.latitude, site.longitude) <= 10
        )

    best = max(gain(c) for c in communes if c.population >= 10000)
    assert report.greedy.newly_covered_population == best
    assert report.exact.status == "optimal"
    assert report.exact.choice.newly_covered_population == best
    assert "Écart du glouton à l'optimum prouvé : 0,0" in response.content.decode()


def test_the_siting_fragment_answers_htmx_and_bad_k_says_why(client, places):
    response = client.get(reverse("places:siting"), {"k": "0"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and "Il faut au moins 1 nouveau lieu." in html


@pytest.mark.parametrize("radius", ["0", "-5", "abc", "15"])
def test_a_radius_not_offered_is_said_and_the_page_shows_20_km(client, places, radius):
    response = client.get(reverse("places:coverage"), {"radius_km": radius})
    assert response.status_code == 200
    assert "Choisissez 10, 20 ou 30 km." in " ".join(response.context["form"].errors["radius_km"])
    assert response.context["figures"].radius_km == 20
