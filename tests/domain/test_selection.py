"""Tests of the committee's selection optimiser, its baselines, explanations and JSON input."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pollen.domain.selection.explain import explain_selection
from pollen.domain.selection.portfolio import (
    SelectionInfeasibleError,
    prefer_lower_ids,
    ranking_baseline,
    score_per_euro_baseline,
    select_portfolio,
    selection_output,
    solve,
)
from pollen.domain.selection.problem import (
    Candidate,
    ExistingPlace,
    SelectionInputError,
    SelectionProblem,
    build_model,
    parse_selection_input,
)
from pollen.domain.territory.communes import CommunePoint
from pollen.domain.territory.geo import haversine_km

# A small territory: a 5 x 4 grid of communes about 11 km apart, two régions split by longitude.
COMMUNES = tuple(
    CommunePoint(
        insee=f"{29 if col < 3 else 35}{row * 5 + col:03d}",
        name=f"Commune {row}-{col}",
        departement="29" if col < 3 else "35",
        region="53" if col < 3 else "52",
        population=1_000 * (1 + (row * 7 + col * 3) % 11) ** 2,
        lat=48.0 + 0.1 * row,
        lon=-3.0 + 0.15 * col,
    )
    for row in range(4)
    for col in range(5)
)
BY_INSEE = {c.insee: c for c in COMMUNES}


def candidate(ident: str, score: float, amount: str, commune: int) -> Candidate:
    return Candidate(ident, score, Decimal(amount), COMMUNES[commune])


def problem_of(candidates: list[Candidate], envelope: str, **rules: object) -> SelectionProblem:
    return SelectionProblem(
        candidates=tuple(candidates), envelope=Decimal(envelope), communes=COMMUNES, **rules
    )  # type: ignore[arg-type]


# --- an independent reference: plain haversine and every subset -----------------------------


def newly_covered(problem: SelectionProblem, chosen: list[Candidate]) -> int:
    r = problem.radius_km
    total = 0
    for commune in problem.communes:
        if any(
            haversine_km(p.lat, p.lon, commune.lat, commune.lon) <= r
            for p in problem.existing_places
        ):
            continue
        if any(
            haversine_km(c.commune.lat, c.commune.lon, commune.lat, commune.lon) <= r
            for c in chosen
        ):
            total += commune.population
    return total


def objective(problem: SelectionProblem, chosen: list[Candidate]) -> float:
    people = newly_covered(problem, chosen)
    return sum(c.score for c in chosen) + problem.coverage_weight * people / 100_000


def feasible(problem: SelectionProblem, chosen: list[Candidate]) -> bool:
    ids = {c.id for c in chosen}
    regions = [c.commune.region for c in chosen]
    most = len(problem.candidates) if problem.max_awards is None else problem.max_awards
    return (
        problem.must_include <= ids
        and not (problem.must_exclude & ids)
        and all(c.score >= problem.min_score for c in chosen)
        and problem.min_awards <= len(chosen) <= most
        and sum((c.amount for c in chosen), Decimal(0)) <= problem.envelope
        and (
            problem.region_max is None
            or all(regions.count(r) <= problem.region_max for r in regions)
        )
    )


def brute_force(problem: SelectionProblem) -> float | None:
    cands = problem.candidates
    best = None
    for mask in range(1 << len(cands)):
        chosen = [c for k, c in enumerate(cands) if mask >> k & 1]
        if feasible(problem, chosen):
            value = objective(problem, chosen)
            best = value if best is None else max(best, value)
    return best


@st.composite
def small_problems(draw: st.DrawFn, most: int = 9) -> SelectionProblem:
    n = draw(st.integers(1, most))
    cands = [
        Candidate(
            f"K{k:02d}",
            draw(st.integers(0, 2000)) / 100,
            Decimal(draw(st.integers(10, 200)) * 1000),
            COMMUNES[draw(st.integers(0, len(COMMUNES) - 1))],
        )
        for k in range(n)
    ]
    ids = [c.id for c in cands]
    include = (
        draw(st.sets(st.sampled_from(ids), max_size=2)) if draw(st.integers(0, 3)) == 0 else set()
    )
    exclude = draw(st.sets(st.sampled_from(ids), max_size=2)) - include
    low = draw(st.sampled_from([0, 0, 0, 1, 2, 3]))
    places = draw(st.lists(st.sampled_from(COMMUNES), max_size=3))
    asked = sum(c.amount for c in cands)
    return problem_of(
        cands,
        str((asked * draw(st.integers(10, 90)) / 100_000).quantize(Decimal(1)) * 1000),
        existing_places=tuple(ExistingPlace(p.lat, p.lon, p.name) for p in places),
        min_awards=low,
        max_awards=draw(st.none() | st.integers(low, 6)),
        min_score=draw(st.sampled_from([0.0, 0.0, 5.0, 10.0])),
        region_max=draw(st.none() | st.integers(1, 3)),
        must_include=frozenset(include),
        must_exclude=frozenset(exclude),
        radius_km=draw(st.sampled_from([8.0, 15.0, 25.0])),
        coverage_weight=draw(st.sampled_from([0.0, 2.0, 7.5, 20.0])),
    )


PROPERTY = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(small_problems())
def test_it_never_breaks_a_rule_and_matches_brute_force(problem: SelectionProblem) -> None:
    result = solve(problem)
    best = brute_force(problem)
    if best is None:
        assert result.status == "infeasible"
        assert result.reason
        return
    chosen = [c for c in problem.candidates if c.id in result.portfolio.selected]
    assert result.status == "optimal"
    assert feasible(problem, chosen)
    assert objective(problem, chosen) == pytest.approx(best, abs=1e-6)
    assert result.portfolio.objective == pytest.approx(best, abs=1e-6)
    assert result.portfolio.newly_covered_population == newly_covered(problem, chosen)


@settings(max_examples=20, deadline=None)
@given(small_problems(most=12))
def test_it_matches_brute_force_with_twelve_candidates(problem: SelectionProblem) -> None:
    best = brute_force(problem)
    result = solve(problem)
    assert (best is None) == (result.status == "infeasible")
    if best is not None:
        assert result.portfolio.objective == pytest.approx(best, abs=1e-6)


@PROPERTY
@given(small_problems())
def test_it_is_never_worse_than_either_baseline(problem: SelectionProblem) -> None:
    result = solve(problem)
    if result.status == "infeasible":
        return
    model = build_model(problem)
    for baseline in (ranking_baseline, score_per_euro_baseline):
        chosen = [model.candidates[i] for i in baseline(model)]
        assert sum((c.amount for c in chosen), Decimal(0)) <= problem.envelope
        if feasible(problem, chosen):
            assert result.portfolio.objective >= objective(problem, chosen) - 1e-9


@settings(max_examples=25, deadline=None)
@given(small_problems(), st.randoms(use_true_random=False))
def test_it_gives_the_same_portfolio_whatever_the_input_order(
    problem: SelectionProblem, rnd: random.Random
) -> None:
    shuffled = list(problem.candidates)
    rnd.shuffle(shuffled)
    first = solve(problem)
    again = solve(replace(problem, candidates=tuple(shuffled)))
    assert again.portfolio == first.portfolio
    assert again.status == first.status


def test_it_prefers_the_lower_id_between_identical_candidates() -> None:
    twins = [candidate("B2", 15.0, "100000", 3), candidate("B1", 15.0, "100000", 3)]
    for order in (twins, twins[::-1]):
        result = solve(problem_of([*order, candidate("Z", 11.0, "90000", 17)], "120000"))
        assert result.portfolio.selected == ("B1",)


def test_the_tie_break_swaps_a_chosen_twin_for_the_lower_id_only_at_equal_coverage() -> None:
    twins = [candidate("B1", 15.0, "100000", 3), candidate("B2", 15.0, "100000", 3)]
    model = build_model(problem_of(twins, "120000"))
    assert prefer_lower_ids(model, [model.position["B2"]]) == (model.position["B1"],)
    apart = [candidate("B1", 15.0, "100000", 0), candidate("B2", 15.0, "100000", 3)]
    model = build_model(problem_of(apart, "120000", radius_km=5.0, coverage_weight=1.0))
    assert prefer_lower_ids(model, [model.position["B2"]]) == (model.position["B2"],)


def test_it_respects_must_include_even_against_the_ranking() -> None:
    cands = [candidate("A", 19.0, "150000", 0), candidate("B", 11.0, "150000", 19)]
    result = solve(problem_of(cands, "200000", must_include=frozenset({"B"})))
    assert result.portfolio.selected == ("B",)
    model = build_model(problem_of(cands, "200000", must_include=frozenset({"B"})))
    assert [model.candidates[i].id for i in ranking_baseline(model)] == ["B"]


def test_the_ranking_baseline_skips_what_does_not_fit_and_continues() -> None:
    cands = [
        candidate("A", 18.0, "150000", 0),
        candidate("B", 17.0, "120000", 5),
        candidate("C", 16.0, "50000", 10),
    ]
    model = build_model(problem_of(cands, "200000"))
    assert [model.candidates[i].id for i in ranking_baseline(model)] == ["A", "C"]


def test_it_reports_a_proven_optimum_with_its_gap_and_status() -> None:
    cands = [candidate(f"D{k}", 10.0 + k, str(50000 + 10000 * k), k) for k in range(8)]
    result = solve(problem_of(cands, "300000", coverage_weight=1.0))
    assert result.status == "optimal"
    assert result.gap is not None and result.gap <= 1e-6
    assert result.best_bound == pytest.approx(result.portfolio.objective, rel=1e-6)


def test_under_a_tiny_time_limit_it_still_returns_a_valid_portfolio() -> None:
    rnd = random.Random(7)
    cands = [
        candidate(
            f"T{k:03d}",
            rnd.randint(800, 2000) / 100,
            str(rnd.randint(50, 200) * 1000),
            rnd.randrange(20),
        )
        for k in range(300)
    ]
    problem = problem_of(cands, "3000000", max_awards=25, region_max=15, coverage_weight=1.0)
    result = solve(problem, time_limit_s=0.001)
    chosen = [c for c in cands if c.id in result.portfolio.selected]
    # HiGHS checks its clock between steps: on a fast run it may prove optimality first.
    assert result.status in {"time_limit", "optimal"}
    # Stopped before its first bound (a busy machine), HiGHS has none to give: then no gap
    # either, and the portfolio is still a valid one, at least as good as the ranking's.
    if result.best_bound is not None:
        assert result.best_bound >= result.portfolio.objective
        if result.status == "time_limit":
            assert result.gap is not None and result.gap > 0
    else:
        assert result.status == "time_limit" and result.gap is None
    assert feasible(problem, chosen)
    model = build_model(problem)
    ranking = [model.candidates[i] for i in ranking_baseline(model)]
    assert result.portfolio.objective >= objective(problem, ranking) - 1e-9


# --- infeasible problems ----------------------------------------------------------------------


def test_it_says_in_french_when_must_include_exceeds_the_envelope() -> None:
    cands = [candidate("A", 15.0, "150000", 0), candidate("B", 14.0, "120000", 4)]
    problem = problem_of(cands, "200000", must_include=frozenset({"A", "B"}))
    with pytest.raises(
        SelectionInfeasibleError, match=r"270 000,00 € pour une enveloppe de 200 000,00 €"
    ):
        select_portfolio(problem)
    assert solve(problem).status == "infeasible"


def test_it_says_in_french_when_the_minimum_number_of_awards_is_out_of_reach() -> None:
    cands = [candidate(f"A{k}", 15.0, "100000", k) for k in range(4)]
    with pytest.raises(
        SelectionInfeasibleError, match=r"3 lauréats coûteraient au moins 300 000,00 €"
    ):
        select_portfolio(problem_of(cands, "250000", min_awards=3))
    with pytest.raises(SelectionInfeasibleError, match=r"au plus 1 lauréats par région"):
        select_portfolio(problem_of(cands, "900000", min_awards=3, region_max=1))


# --- explanations -----------------------------------------------------------------------------


def by_id(problem: SelectionProblem, **options: object) -> dict[str, object]:
    result = solve(problem)
    explanation = explain_selection(problem, result, **options)  # type: ignore[arg-type]
    return {e.id: e for e in explanation.candidates}


def selected_with(problem: SelectionProblem, ident: str, **changes: object) -> bool:
    cands = tuple(replace(c, **changes) if c.id == ident else c for c in problem.candidates)  # type: ignore[arg-type]
    return ident in solve(replace(problem, candidates=cands)).portfolio.selected


ENVELOPE_CASE = problem_of(
    [
        candidate("A", 18.003, "150000", 0),
        candidate("B", 17.0, "100000", 9),
        candidate("C", 16.0, "120000", 19),
    ],
    "300000",
)


def test_a_candidate_out_for_the_envelope_gets_the_shortfall_and_the_amount_that_fits() -> None:
    explained = by_id(ENVELOPE_CASE)
    c = explained["C"]
    assert c.code == "envelope"  # type: ignore[attr-defined]
    assert c.message == "Le financer dépasserait l'enveloppe : il manquerait 70 000,00 €."  # type: ignore[attr-defined]
    assert c.amount_to_enter == Decimal("50000")  # type: ignore[attr-defined]
    assert selected_with(ENVELOPE_CASE, "C", amount=Decimal("50000.00"))
    assert not selected_with(ENVELOPE_CASE, "C", amount=Decimal("50000.01"))


def test_the_score_to_enter_and_to_leave_flip_the_decision_at_a_hundredth() -> None:
    explained = by_id(ENVELOPE_CASE)
    enter = explained["C"].score_to_enter  # type: ignore[attr-defined]
    assert enter == 17.01
    assert selected_with(ENVELOPE_CASE, "C", score=enter)
    assert not selected_with(ENVELOPE_CASE, "C", score=round(enter - 0.01, 2))
    leave = explained["B"].score_to_leave  # type: ignore[attr-defined]
    assert leave is not None
    assert not selected_with(ENVELOPE_CASE, "B", score=leave)
    assert selected_with(ENVELOPE_CASE, "B", score=round(leave + 0.02, 2))


OVERLAP_CASE = problem_of(
    [
        candidate("A", 15.0, "100000", 5),
        candidate("B", 14.5, "100000", 6),
        candidate("C", 13.0, "100000", 18),
        candidate("E", 16.0, "100000", 15),
    ],
    "200000",
    existing_places=(ExistingPlace(COMMUNES[15].lat, COMMUNES[15].lon, "FabLab du Port"),),
    radius_km=15.0,
    coverage_weight=5.0,
)


def test_a_candidate_whose_area_a_selected_neighbour_covers_is_out_for_coverage_overlap() -> None:
    explained = by_id(OVERLAP_CASE)
    assert solve(OVERLAP_CASE).portfolio.selected == ("B", "C")
    a = explained["A"]
    assert a.code == "coverage_overlap"  # type: ignore[attr-defined]
    assert "« B » (Commune 1-1), retenue à 11,1 km" in a.message  # type: ignore[attr-defined]


def test_a_candidate_next_to_an_existing_place_is_out_for_coverage_overlap() -> None:
    e = by_id(OVERLAP_CASE)["E"]
    assert e.code == "coverage_overlap"  # type: ignore[attr-defined]
    assert "lieu existant « FabLab du Port », à 0,0 km" in e.message  # type: ignore[attr-defined]
    assert "aucun habitant de plus" in e.message  # type: ignore[attr-defined]


def test_a_selected_candidate_gets_a_coverage_reason_when_coverage_keeps_it_in() -> None:
    c = by_id(OVERLAP_CASE)["C"]
    assert c.selected and c.code == "selected_for_coverage"  # type: ignore[attr-defined]
    assert "122 000 habitants" in c.message  # type: ignore[attr-defined]


def test_other_rules_give_their_own_codes() -> None:
    cands = [
        candidate("A", 18.0, "100000", 0),
        candidate("B", 17.0, "100000", 1),
        candidate("C", 16.0, "100000", 2),
        candidate("D", 15.0, "100000", 4),
        candidate("L", 7.0, "10000", 12),
        candidate("X", 19.0, "10000", 14),
        candidate("F", 5.0, "10000", 13),
    ]
    problem = problem_of(
        cands, "1000000", max_awards=3, region_max=2, min_score=8.0,
        must_exclude=frozenset({"X"}), must_include=frozenset({"F"}),
    )  # fmt: skip
    with pytest.raises(
        SelectionInfeasibleError, match="« F » a la note 5,00, sous la note minimale 8,00"
    ):
        select_portfolio(problem)
    problem = replace(problem, must_include=frozenset({"D"}))
    explained = by_id(problem)
    assert solve(problem).portfolio.selected == ("A", "B", "D")
    assert explained["C"].code == "region_cap"  # type: ignore[attr-defined]
    assert explained["L"].code == "below_min_score"  # type: ignore[attr-defined]
    assert explained["L"].message == "Sa note (7,00) est inférieure à la note minimale (8,00)."  # type: ignore[attr-defined]
    assert explained["L"].score_to_enter is None or explained["L"].score_to_enter >= 8.0  # type: ignore[attr-defined]
    assert explained["X"].code == "excluded"  # type: ignore[attr-defined]
    assert explained["D"].code == "included_forced"  # type: ignore[attr-defined]
    wider = by_id(replace(problem, region_max=None))
    assert wider["C"].code == "award_count"  # type: ignore[attr-defined]
    assert "(3) est atteint" in wider["C"].message  # type: ignore[attr-defined]


def test_a_candidate_far_below_the_cut_is_outscored_not_short_of_money() -> None:
    explained = by_id(ENVELOPE_CASE)
    assert explained["C"].code == "envelope"  # type: ignore[attr-defined]
    deeper = replace(
        ENVELOPE_CASE, candidates=(*ENVELOPE_CASE.candidates, candidate("D", 12.0, "120000", 12))
    )
    assert by_id(deeper)["D"].code == "outscored"  # type: ignore[attr-defined]


def test_flips_can_be_limited_to_the_candidates_closest_to_the_cut() -> None:
    rnd = random.Random(3)
    cands = [
        candidate(
            f"R{k:02d}",
            rnd.randint(1000, 2000) / 100,
            str(rnd.randint(50, 200) * 1000),
            rnd.randrange(20),
        )
        for k in range(20)
    ]
    problem = problem_of(cands, "600000", coverage_weight=1.0)
    explanation = explain_selection(problem, solve(problem), max_flips=4)
    assert explanation.flips_computed == 4
    assert sum(e.flip_computed for e in explanation.candidates) == 4
    assert "4 candidatures les plus proches" in explanation.note
    assert len(explanation.candidates) == 20


@settings(max_examples=15, deadline=None)
@given(small_problems(most=6))
def test_every_computed_score_to_enter_or_leave_flips_the_candidate(
    problem: SelectionProblem,
) -> None:
    result = solve(problem)
    if result.status == "infeasible":
        return
    for e in explain_selection(problem, result).candidates:
        if e.score_to_enter is not None:
            assert selected_with(problem, e.id, score=e.score_to_enter)
        if e.score_to_leave is not None:
            assert not selected_with(problem, e.id, score=e.score_to_leave)
        if e.amount_to_enter is not None:
            assert selected_with(problem, e.id, amount=e.amount_to_enter)


def test_solving_and_explaining_print_nothing_on_stdout(capfd: pytest.CaptureFixture[str]) -> None:
    problem = replace(ENVELOPE_CASE, must_include=frozenset({"C"}))
    explain_selection(problem, solve(problem))
    assert capfd.readouterr().out == ""


# --- JSON input and output --------------------------------------------------------------------

VALID = """{"envelope_eur": "300000.00", "awards": {"min": 0, "max": 10}, "min_score": 10,
  "radius_km": 20, "coverage_weight": 0.5, "region_max": 2,
  "existing_places": [{"commune_insee": "29000"}, {"lat": 48.3, "lon": -2.4}],
  "candidates": [
    {"id": "D1", "score": 15.5, "amount_eur": "150000.00", "commune_insee": "29006"},
    {"id": "D2", "score": 12, "amount_eur": 100000.10, "commune_insee": "35019"},
    {"id": "D3", "score": "9.5", "amount_eur": "90000", "commune_insee": "35013"}],
  "must_exclude": ["D3"]}"""


def test_it_parses_the_cli_json_with_amounts_as_decimals() -> None:
    problem = parse_selection_input(VALID, BY_INSEE)
    assert problem.envelope == Decimal("300000.00")
    assert [c.amount for c in problem.candidates] == [
        Decimal("150000.00"), Decimal("100000.10"), Decimal("90000.00")
    ]  # fmt: skip
    assert all(type(c.amount) is Decimal for c in problem.candidates)
    assert (problem.min_awards, problem.max_awards, problem.region_max) == (0, 10, 2)
    assert problem.candidates[2].score == 9.5
    assert problem.existing_places[0] == ExistingPlace(48.0, -3.0, "Commune 0-0")
    assert problem.existing_places[1].lat == 48.3
    assert problem.must_exclude == frozenset({"D3"})
    assert problem.communes == COMMUNES


def test_it_outputs_exactly_the_cli_keys_for_the_optimum_and_both_baselines() -> None:
    output = selection_output(select_portfolio(parse_selection_input(VALID, BY_INSEE)))
    keys = {
        "selected",
        "objective",
        "score_sum",
        "newly_covered_population",
        "spent_eur",
        "gap",
        "solve_seconds",
        "status",
    }
    assert set(output) == keys | {"baselines"}
    assert set(output["baselines"]) == {"ranking", "score_per_euro"}  # type: ignore[arg-type]
    for part in (output, output["baselines"]["ranking"], output["baselines"]["score_per_euro"]):  # type: ignore[index]
        assert set(part) - {"baselines"} == keys  # type: ignore[arg-type]
    assert output["selected"] == ["D1", "D2"]
    assert output["spent_eur"] == "250000.10"
    assert output["status"] == "optimal"
    assert output["baselines"]["ranking"]["status"] == "heuristic"  # type: ignore[index]
    json.dumps(output)


def broken(path: str, value: object) -> str:
    data = json.loads(VALID)
    target = data
    *parents, last = path.split(".")
    for key in parents:
        target = target[int(key)] if key.isdigit() else target[key]
    if value is KeyError:
        del target[last]
    else:
        target[int(last) if last.isdigit() else last] = value
    return json.dumps(data)


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        (broken("candidates.0.commune_insee", "99999"), "candidates[0].commune_insee", "« 99999 »"),
        (broken("candidates.1.amount_eur", "-5.00"), "candidates[1].amount_eur", "négatif"),
        (broken("candidates.1.amount_eur", "1.234"), "candidates[1].amount_eur", "deux décimales"),
        (broken("candidates.0.score", "abc"), "candidates[0].score", "doit être un nombre"),
        (broken("candidates.0.score", True), "candidates[0].score", "doit être un nombre"),
        (broken("candidates.0.score", KeyError), "candidates[0].score", "obligatoire"),
        (broken("envelope_eur", "deux millions"), "envelope_eur", "doit être un nombre"),
        (broken("envelope_eur", KeyError), "envelope_eur", "obligatoire"),
        (
            broken("awards.min", 11),
            "awards.min",
            "(awards.min = 11) dépasse le maximum (awards.max = 10)",
        ),
        (broken("awards.max", 1.5), "awards.max", "entier"),
        (broken("radius_km", 0), "radius_km", "strictement positif"),
        (broken("radius_km", -3), "radius_km", "strictement positif"),
        (broken("coverage_weight", -1), "coverage_weight", "négatif"),
        (broken("region_max", 0), "region_max", "entier au moins égal à 1"),
        (broken("candidates.1.id", "D1"), "candidates[1].id", "« D1 » apparaît deux fois"),
        (broken("candidates.1.id", ""), "candidates[1].id", "identifiant non vide"),
        (broken("must_include", ["D9"]), "must_include", "« D9 », qui n'est pas une candidature"),
        (broken("must_include", ["D3"]), "must_include", "à la fois"),
        (broken("existing_places.1", {"lat": 48.3}), "existing_places[1]", "« lat » et « lon »"),
        (broken("existing_places.1.lat", 123), "existing_places[1]", "hors limites"),
        (broken("candidates", {}), "candidates", "doit être une liste"),
        ("{not json", "", "JSON valide"),
        ("[1, 2]", "", "objet"),
    ],
)
def test_invalid_input_is_refused_with_a_french_message_naming_the_field(
    text: str, field: str, words: str
) -> None:
    with pytest.raises(SelectionInputError) as caught:
        parse_selection_input(text, BY_INSEE)
    assert caught.value.field == field
    assert words in str(caught.value)


def test_a_portfolio_a_cent_over_the_envelope_is_never_returned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pollen.domain.selection.portfolio as selection

    real_milp, calls = selection.milp, []

    def sloppy_milp(c: object, **kwargs: object) -> object:
        result = real_milp(c, **kwargs)
        calls.append(kwargs["constraints"][0].ub[0])  # type: ignore[index]
        if len(calls) == 1:  # as HiGHS may, within its relative tolerance: one cent over
            result.x[:] = 1.0
        return result

    problem = problem_of(
        [candidate("A", 18.0, "150000.00", 0), candidate("B", 17.0, "150000.01", 5)], "300000.00"
    )
    monkeypatch.setattr(selection, "milp", sloppy_milp)
    result = solve(problem)
    assert result.portfolio.spent <= Decimal("300000.00")
    assert calls == [30_000_000, 29_999_999]


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.tuples(st.floats(47.9, 48.4), st.floats(-3.1, -2.3)), min_size=1, max_size=8),
    st.sampled_from([5.0, 11.1, 11.2, 15.0, 30.0]),
)
def test_the_model_sees_the_same_communes_as_the_point_index(
    points: list[tuple[float, float]], radius: float
) -> None:
    from pollen.domain.territory.geo import PointIndex

    spots = [
        replace(COMMUNES[0], insee=f"X{k}", lat=lat, lon=lon) for k, (lat, lon) in enumerate(points)
    ]
    cands = [Candidate(f"P{k}", 12.0, Decimal(1000), spot) for k, spot in enumerate(spots)]
    model = build_model(replace(problem_of(cands, "1000000"), radius_km=radius))
    index = PointIndex([c.lat for c in COMMUNES], [c.lon for c in COMMUNES])
    for i, cand in enumerate(model.candidates):
        assert model.near[i].tolist() == index.within(cand.commune.lat, cand.commune.lon, radius)
