"""Choosing new sites: greedy against the exact MILP and against brute force."""

from __future__ import annotations

import itertools
import json
import math
import random
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pollen.domain.territory.communes import CommunePoint
from pollen.domain.territory.coverage import CoverageModel
from pollen.domain.territory.geo import haversine_km
from pollen.domain.territory.siting import (
    GREEDY_GUARANTEE,
    CoverageProblem,
    SiteChoice,
    _outcome,
    choose_sites,
    drop_dominated,
    exact_choice,
    greedy_choice,
)


def random_territory(rng: random.Random, n: int, spread: float = 0.6) -> list[CommunePoint]:
    return [
        CommunePoint(
            insee=f"{rng.choice(['01', '38', '69'])}{i:03d}",
            name=f"Commune {i}",
            departement="01",
            region="84",
            population=rng.choice([0, rng.randint(1, 500), rng.randint(1, 50_000)]),
            lat=45.0 + rng.uniform(0, spread),
            lon=5.0 + rng.uniform(0, spread),
        )
        for i in range(n)
    ]


def newly_covered(
    communes: list[CommunePoint], places: list[tuple[float, float]], sites, radius: float
) -> int:
    """Brute force: population within radius of a site and of no place."""

    def near(c: CommunePoint, points) -> bool:
        return any(haversine_km(c.lat, c.lon, a, b) <= radius for a, b in points)

    chosen = [(c.lat, c.lon) for c in communes if c.insee in set(sites)]
    return sum(c.population for c in communes if near(c, chosen) and not near(c, places))


def best_by_brute_force(communes, places, radius, k) -> int:
    codes = [c.insee for c in communes]
    size = min(k, len(codes))
    return max(
        newly_covered(communes, places, subset, radius)
        for subset in itertools.combinations(codes, size)
    )


def plain_greedy(communes, places, radius, k) -> tuple[str, ...]:
    """Non-lazy greedy, ties to the smallest INSEE, stopping when nothing more is gained."""
    chosen: list[str] = []
    for _ in range(k):
        base = newly_covered(communes, places, chosen, radius)
        gains = {
            c.insee: newly_covered(communes, places, [*chosen, c.insee], radius) - base
            for c in communes
            if c.insee not in chosen
        }
        gain = max(gains.values())
        if gain <= 0:
            break
        chosen.append(min(code for code, g in gains.items() if g == gain))
    return tuple(chosen)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    n=st.integers(2, 8),
    n_places=st.integers(0, 2),
    k=st.integers(1, 3),
    radius=st.floats(5.0, 40.0),
)
def test_it_finds_the_brute_force_optimum_on_tiny_instances(seed, n, n_places, k, radius):
    rng = random.Random(seed)
    communes = _unique(random_territory(rng, n))
    places = [(45.0 + rng.uniform(0, 0.6), 5.0 + rng.uniform(0, 0.6)) for _ in range(n_places)]
    report = choose_sites(CoverageModel(communes), places, radius, k)
    best = best_by_brute_force(communes, places, radius, k)
    exact = report.exact.choice
    assert report.exact.status == "optimal"
    assert exact is not None and exact.newly_covered_population == best
    assert newly_covered(communes, places, exact.sites, radius) == best
    assert len(exact.sites) <= k
    assert report.exact.upper_bound == best
    assert GREEDY_GUARANTEE * best <= report.greedy.newly_covered_population <= best


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), k=st.integers(1, 6), radius=st.floats(5.0, 30.0))
def test_it_keeps_greedy_within_its_guarantee_of_the_exact_optimum(seed, k, radius):
    rng = random.Random(seed)
    communes = _unique(random_territory(rng, 40, spread=1.5))
    places = [(45.0 + rng.uniform(0, 1.5), 5.0 + rng.uniform(0, 1.5)) for _ in range(3)]
    report = choose_sites(CoverageModel(communes), places, radius, k)
    greedy, exact = report.greedy, report.exact.choice
    assert report.exact.status == "optimal" and exact is not None
    assert GREEDY_GUARANTEE * exact.newly_covered_population <= greedy.newly_covered_population
    assert greedy.newly_covered_population <= exact.newly_covered_population
    assert greedy.newly_covered_population == newly_covered(communes, places, greedy.sites, radius)
    assert sum(greedy.gains) == greedy.newly_covered_population
    assert report.greedy_gap == pytest.approx(
        1 - greedy.newly_covered_population / exact.newly_covered_population
        if exact.newly_covered_population
        else 0.0
    )


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10**6), k=st.integers(1, 4), radius=st.floats(5.0, 30.0))
def test_it_makes_the_same_greedy_choices_as_a_plain_greedy_with_insee_ties(seed, k, radius):
    rng = random.Random(seed)
    communes = _unique(random_territory(rng, 14, spread=0.8))
    places = [(45.0 + rng.uniform(0, 0.8), 5.0 + rng.uniform(0, 0.8))]
    report = choose_sites(CoverageModel(communes), places, radius, k)
    assert report.greedy.sites == plain_greedy(communes, places, radius, k)


def test_it_breaks_ties_by_insee_code():
    far_apart = [
        CommunePoint("38002", "B", "38", "84", 700, 45.0, 5.0),
        CommunePoint("38001", "A", "38", "84", 700, 46.0, 6.0),
        CommunePoint("01003", "C", "01", "84", 700, 44.0, 4.0),
    ]
    report = choose_sites(CoverageModel(far_apart), [], 10.0, 2)
    assert report.greedy.sites == ("01003", "38001")
    assert report.exact.choice is not None
    assert report.exact.choice.newly_covered_population == 1400


def test_it_only_chooses_among_the_candidates_given():
    communes = [
        CommunePoint("01001", "Grande", "01", "84", 90_000, 45.0, 5.0),
        CommunePoint("01002", "Petite", "01", "84", 100, 46.0, 5.0),
        CommunePoint("01003", "Moyenne", "01", "84", 5_000, 47.0, 5.0),
    ]
    report = choose_sites(CoverageModel(communes), [], 10.0, 1, candidates=["01002", "01003"])
    assert report.greedy.sites == ("01003",)
    assert report.size.candidates == 2
    with pytest.raises(ValueError, match="Commune inconnue : code INSEE '99999'"):
        choose_sites(CoverageModel(communes), [], 10.0, 1, candidates=["99999"])


def test_it_adds_nobody_when_everyone_is_already_covered():
    communes = [CommunePoint("01001", "A", "01", "84", 500, 45.0, 5.0)]
    report = choose_sites(CoverageModel(communes), [(45.0, 5.0)], 10.0, 3)
    assert report.greedy.sites == ()
    assert report.exact.status == "optimal" and report.exact.upper_bound == 0
    assert report.covered_population == 500


@pytest.mark.parametrize("k", [-1, 1.5, True])
def test_it_refuses_a_number_of_sites_that_is_not_a_natural_number(k):
    communes = [CommunePoint("01001", "A", "01", "84", 500, 45.0, 5.0)]
    with pytest.raises(ValueError, match="Le nombre de sites doit être un entier positif"):
        choose_sites(CoverageModel(communes), [], 10.0, k)


def test_it_refuses_a_bad_radius_in_french():
    communes = [CommunePoint("01001", "A", "01", "84", 500, 45.0, 5.0)]
    with pytest.raises(ValueError, match=r"\(reçu : nan\)"):
        choose_sites(CoverageModel(communes), [], math.nan, 1)


def test_it_gives_only_greedy_and_a_bound_when_the_milp_is_too_large():
    rng = random.Random(7)
    communes = _unique(random_territory(rng, 30, spread=1.0))
    report = choose_sites(CoverageModel(communes), [], 15.0, 2, max_nonzeros=1)
    assert report.exact.status == "too_large"
    assert report.exact.choice is None and report.greedy_gap is None
    greedy = report.greedy.newly_covered_population
    assert greedy <= report.exact.upper_bound <= math.floor(greedy / GREEDY_GUARANTEE)
    assert "trop grand" in report.exact.message


def test_it_says_when_the_solver_stopped_on_its_time_limit():
    problem = _problem([[0, 1], [1, 2], [2]], [10, 20, 30])
    stopped = SimpleNamespace(
        status=1, x=np.array([1.0, 0.0, 0.0, 1, 1, 0]), mip_dual_bound=-50.0, mip_gap=0.4
    )
    greedy = SiteChoice("greedy", ("a",), (30,), 30)
    outcome = _outcome(problem, stopped, greedy, 60, 10.0, 10.2)
    assert outcome.status == "time_limit"
    assert outcome.choice is not None and outcome.choice.newly_covered_population == 30
    assert outcome.upper_bound == 50 and outcome.mip_gap == 0.4
    assert outcome.message.startswith("Arrêt sur la limite de temps (10 s), solveur à 30 ")
    assert "au plus 50 habitants" in outcome.message
    assert "meilleure solution connue : 40,00" in outcome.message
    nothing = SimpleNamespace(status=1, x=None, mip_dual_bound=None, mip_gap=None)
    better_greedy = SiteChoice("greedy", ("c",), (30,), 45)
    silent = _outcome(problem, nothing, better_greedy, 60, 10.0, 10.2)
    assert silent.choice is None and silent.upper_bound == 60
    assert "la solution gloutonne (45) reste la meilleure" in silent.message


def test_it_drops_dominated_candidates_without_changing_the_optimum():
    # Candidate 0 covers groups {0, 1}; candidate 1 covers {1} only: it is dominated.
    problem = _problem([[0, 1], [1], [2, 3], [3]], [5, 7, 11, 13])
    core = drop_dominated(problem)
    assert core.keys == ("a", "c")
    for k in (1, 2):
        greedy = greedy_choice(problem, k)
        full = exact_choice(problem, k, greedy)
        reduced = exact_choice(core, k, greedy)
        assert full.choice is not None and reduced.choice is not None
        assert full.choice.newly_covered_population == reduced.choice.newly_covered_population


def test_it_exports_the_report_as_json():
    rng = random.Random(3)
    communes = _unique(random_territory(rng, 12))
    report = choose_sites(CoverageModel(communes), [], 10.0, 2)
    data = json.loads(json.dumps(report.to_json(), allow_nan=False))
    assert data["greedy"]["sites"] == list(report.greedy.sites)
    assert data["exact"]["status"] == "optimal"
    assert report.best.newly_covered_population == data["exact"]["upper_bound"]


def _unique(communes: list[CommunePoint]) -> list[CommunePoint]:
    seen: dict[str, CommunePoint] = {}
    for c in communes:
        seen.setdefault(c.insee, c)
    return list(seen.values())


def _problem(sets: list[list[int]], weights: list[int]) -> CoverageProblem:
    lengths = [len(s) for s in sets]
    return CoverageProblem(
        keys=tuple("abcdefgh"[: len(sets)]),
        weights=np.array(weights, dtype=np.int64),
        indptr=np.concatenate(([0], np.cumsum(lengths))).astype(np.int64),
        groups=np.array([g for s in sets for g in s], dtype=np.int64),
    )


def test_it_chooses_nothing_when_asked_for_no_site():
    rng = random.Random(11)
    communes = _unique(random_territory(rng, 10))
    report = choose_sites(CoverageModel(communes), [], 10.0, 0)
    assert report.greedy.sites == () and report.best.newly_covered_population == 0
    assert report.exact.status == "optimal" and report.exact.upper_bound == 0


@pytest.mark.parametrize("limit", [0.0, -1.0, math.inf, math.nan])
def test_it_refuses_a_time_limit_that_is_not_a_positive_duration(limit):
    communes = [CommunePoint("01001", "A", "01", "84", 500, 45.0, 5.0)]
    with pytest.raises(ValueError, match="La limite de temps doit être positive"):
        choose_sites(CoverageModel(communes), [], 10.0, 1, time_limit_s=limit)
