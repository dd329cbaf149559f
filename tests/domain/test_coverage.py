"""Coverage of the population by places, checked against brute-force haversine."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pollen.domain.territory.communes import CommunePoint
from pollen.domain.territory.coverage import CoverageModel, check_points, check_radius, coverage
from pollen.domain.territory.geo import haversine_km

# A box around metropolitan France, so that random radii give partial coverage.
lats = st.floats(min_value=41.0, max_value=51.5)
lons = st.floats(min_value=-5.0, max_value=9.5)
points = st.tuples(lats, lons)


@st.composite
def territories(draw: st.DrawFn) -> list[CommunePoint]:
    spots = draw(st.lists(points, min_size=1, max_size=25))
    return [
        CommunePoint(
            insee=f"{10000 + n}",
            name=f"Commune {n}",
            departement=draw(st.sampled_from(["01", "2A", "974"])),
            region=draw(st.sampled_from(["84", "94"])),
            population=draw(st.integers(min_value=0, max_value=50_000)),
            lat=lat,
            lon=lon,
        )
        for n, (lat, lon) in enumerate(spots)
    ]


def commune(insee: str, lat: float, lon: float, population: int = 100) -> CommunePoint:
    return CommunePoint(insee, f"Commune {insee}", insee[:2], "11", population, lat, lon)


def brute_covered(communes: list[CommunePoint], places: list[tuple[float, float]], r: float):
    return [any(haversine_km(c.lat, c.lon, a, b) <= r for a, b in places) for c in communes]


def brute_nearest(c: CommunePoint, places: list[tuple[float, float]]) -> float:
    return min(haversine_km(c.lat, c.lon, a, b) for a, b in places)


@settings(max_examples=150, deadline=None)
@given(
    territories(),
    st.lists(points, max_size=12),
    st.floats(min_value=0.5, max_value=400.0),
)
def test_it_matches_a_brute_force_haversine_computation(communes, places, radius):
    report = coverage(communes, places, radius, top=len(communes))
    covered = brute_covered(communes, places, radius)
    assert list(CoverageModel(communes).covered_mask(places, radius)) == covered
    assert report.covered_population == sum(
        c.population for c, ok in zip(communes, covered, strict=True) if ok
    )
    for region in {c.region for c in communes}:
        expected = sum(
            c.population
            for c, ok in zip(communes, covered, strict=True)
            if ok and c.region == region
        )
        assert report.by_region[region].covered_population == expected
    uncovered = sorted(
        (c for c, ok in zip(communes, covered, strict=True) if not ok),
        key=lambda c: (-c.population, c.insee),
    )
    assert [z.insee for z in report.largest_uncovered] == [c.insee for c in uncovered]
    for zone, c in zip(report.largest_uncovered, uncovered, strict=True):
        expected_km = brute_nearest(c, places) if places else None
        assert zone.nearest_km == pytest.approx(expected_km, abs=1e-6)


@settings(max_examples=150, deadline=None)
@given(territories(), st.lists(points, min_size=1, max_size=8), st.data())
def test_it_agrees_with_brute_force_when_the_radius_is_an_actual_distance(communes, places, data):
    c = data.draw(st.sampled_from(communes))
    lat, lon = data.draw(st.sampled_from(places))
    radius = haversine_km(c.lat, c.lon, lat, lon)
    if radius <= 0:
        return
    for r in (radius, math.nextafter(radius, 0.0), math.nextafter(radius, math.inf)):
        mask = CoverageModel(communes).covered_mask(places, r)
        assert list(mask) == brute_covered(communes, places, r)


def test_it_covers_a_commune_exactly_at_the_radius_but_not_a_hair_beyond():
    model = CoverageModel([commune("01001", 45.0, 5.0)])
    place = (45.137, 5.211)
    radius = haversine_km(45.0, 5.0, *place)
    assert model.covered_mask([place], radius).tolist() == [True]
    assert model.covered_mask([place], math.nextafter(radius, 0.0)).tolist() == [False]
    assert model.coverage([place], radius - 0.001).covered_population == 0


@settings(max_examples=100, deadline=None)
@given(territories(), st.lists(points, max_size=10), st.floats(min_value=1.0, max_value=300.0))
def test_it_adds_regions_and_departements_up_to_the_national_figures(communes, places, radius):
    report = coverage(communes, places, radius)
    for areas in (report.by_region, report.by_departement):
        assert sum(a.population for a in areas.values()) == report.population
        assert sum(a.covered_population for a in areas.values()) == report.covered_population
    assert report.population == sum(c.population for c in communes)
    assert 0.0 <= report.share <= 1.0


def test_it_covers_nobody_when_there_is_no_place():
    communes = [commune("01001", 45.0, 5.0, 300), commune("01002", 45.1, 5.1, 700)]
    report = coverage(communes, [], 50.0)
    assert (report.covered_population, report.share) == (0, 0.0)
    assert [(z.insee, z.nearest_km) for z in report.largest_uncovered] == [
        ("01002", None),
        ("01001", None),
    ]
    json.dumps(report.to_json(), allow_nan=False)


def test_it_counts_extra_sites_as_places():
    communes = [commune(f"01{n:03d}", 45.0 + n / 20, 5.0, 100 + n) for n in range(20)]
    model = CoverageModel(communes)
    places, sites = [(45.0, 5.0)], [(45.5, 5.0), (45.9, 5.0)]
    with_sites = model.coverage(places, 8.0, extra_sites=sites)
    assert with_sites == model.coverage(places + sites, 8.0)
    assert with_sites.covered_population > model.coverage(places, 8.0).covered_population


PLM_ROWS = [
    # (insee, type, population) as in the communes file; arrondissements repeat the parent.
    ("75056", "commune-actuelle", 2_133_111),
    ("75101", "arrondissement-municipal", 15_917),
    ("75120", "arrondissement-municipal", 195_604),
    ("69123", "commune-actuelle", 522_250),
    ("69381", "arrondissement-municipal", 30_575),
    ("13055", "commune-actuelle", 873_076),
    ("13201", "arrondissement-municipal", 39_829),
    ("92012", "commune-actuelle", 121_334),
]


def plm_points(kind: str | None) -> list[CommunePoint]:
    return [
        commune(insee, 45.0 + n / 100, 4.8, population)
        for n, (insee, row_type, population) in enumerate(PLM_ROWS)
        if kind is None or row_type == kind
    ]


def test_it_counts_paris_lyon_and_marseille_once_from_communes_actuelles():
    report = coverage(plm_points("commune-actuelle"), [(45.0, 4.8)], 100.0)
    assert report.population == 2_133_111 + 522_250 + 873_076 + 121_334
    assert report.covered_population == report.population


def test_it_refuses_a_commune_given_with_its_own_arrondissements():
    with pytest.raises(ValueError, match=r"75056 et son arrondissement municipal 75101"):
        CoverageModel(plm_points(None))


@pytest.mark.parametrize("radius", [0, -5, -0.1, math.nan, math.inf, -math.inf, True, "10"])
def test_it_refuses_a_radius_that_is_not_a_positive_finite_number(radius):
    communes = [commune("01001", 45.0, 5.0)]
    with pytest.raises(ValueError, match=r"^Le rayon doit être un nombre strictement positif"):
        coverage(communes, [(45.0, 5.0)], radius)


def test_it_names_the_figure_it_refused():
    with pytest.raises(ValueError) as refused:
        check_radius(-5)
    assert str(refused.value) == "Le rayon doit être un nombre strictement positif (reçu : -5)."
    assert check_radius(12) == 12.0


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        ((91.0, 2.0), "latitude hors de [-90, 90] (reçu : 91.0)"),
        ((-90.5, 2.0), "latitude hors de [-90, 90]"),
        ((45.0, 180.01), "longitude hors de [-180, 180] (reçu : 180.01)"),
        ((math.nan, 2.0), "latitude hors de [-90, 90] (reçu : nan)"),
    ],
)
def test_it_refuses_places_off_the_globe_naming_which_one(bad, words):
    with pytest.raises(ValueError) as refused:
        check_points([(45.0, 2.0), bad])
    assert str(refused.value).startswith("Le lieu n° 2 a une ")
    assert words in str(refused.value)


def test_it_accepts_the_poles_and_the_antimeridian():
    assert check_points([(90.0, 180.0), (-90.0, -180.0)]).shape == (2, 2)


def test_it_refuses_a_commune_listed_twice():
    with pytest.raises(ValueError, match=r"01001 .* apparaît deux fois"):
        CoverageModel([commune("01001", 45.0, 5.0), commune("01001", 45.2, 5.0)])


def test_it_lists_the_largest_white_zones_by_population_then_insee():
    communes = [
        commune("02002", 45.0, 5.0, 500),
        commune("02001", 45.5, 5.0, 500),
        commune("02003", 46.0, 5.0, 900),
        commune("02004", 47.0, 5.0, 50),
        commune("02005", 44.0, 5.0, 10_000),
    ]
    report = coverage(communes, [(44.0, 5.0)], 10.0, top=3)
    assert [z.insee for z in report.largest_uncovered] == ["02003", "02001", "02002"]
    assert report.largest_uncovered[0].nearest_km == pytest.approx(222.39, abs=0.01)
    assert coverage(communes, [(44.0, 5.0)], 10.0).largest_uncovered[-1].insee == "02004"


def test_it_exports_exactly_the_documented_keys():
    communes = [commune("01001", 45.0, 5.0, 300), commune("01002", 46.0, 5.0, 700)]
    data = coverage(communes, [(45.0, 5.0)], 20.0).to_json()
    assert set(data) == {
        "radius_km",
        "population",
        "covered_population",
        "share",
        "by_region",
        "by_departement",
        "largest_uncovered",
    }
    assert data["by_region"] == {"11": {"population": 1000, "covered_population": 300}}
    assert set(data["largest_uncovered"][0]) == {
        "insee",
        "name",
        "departement",
        "region",
        "population",
        "nearest_km",
    }
    assert json.loads(json.dumps(data)) == data


@settings(max_examples=100, deadline=None)
@given(
    territories(),
    st.lists(points, max_size=6),
    st.lists(points, max_size=6),
    st.floats(min_value=1.0, max_value=300.0),
)
def test_it_lists_for_each_candidate_the_communes_it_would_newly_cover(
    communes, places, candidates, radius
):
    reach = CoverageModel(communes).newly_covered(candidates, places, radius)
    already = brute_covered(communes, places, radius)
    assert len(reach) == len(candidates)
    for j, (a, b) in enumerate(candidates):
        expected = [
            i
            for i, c in enumerate(communes)
            if not already[i] and haversine_km(a, b, c.lat, c.lon) <= radius
        ]
        assert reach.communes_of(j) == tuple(expected)
        assert reach.population[j] == sum(communes[i].population for i in expected)


@settings(max_examples=150, deadline=None)
@given(territories(), st.lists(points, min_size=1, max_size=6), st.data())
def test_it_reaches_a_commune_exactly_at_the_radius_from_a_candidate(communes, candidates, data):
    c = data.draw(st.sampled_from(communes))
    lat, lon = data.draw(st.sampled_from(candidates))
    distance = haversine_km(lat, lon, c.lat, c.lon)
    if distance <= 0:
        return
    model = CoverageModel(communes)
    for r in (distance, math.nextafter(distance, 0.0), math.nextafter(distance, math.inf)):
        reach = model.newly_covered(candidates, [], r)
        for j, (a, b) in enumerate(candidates):
            expected = tuple(
                i for i, x in enumerate(communes) if haversine_km(a, b, x.lat, x.lon) <= r
            )
            assert reach.communes_of(j) == expected
