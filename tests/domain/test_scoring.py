"""Scoring grid: review checks, weighted means, harshness correction, disagreement, ranking."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pollen.domain.review.scoring import (
    ApplicationScore,
    Criterion,
    InvalidGridError,
    InvalidReviewError,
    Review,
    ScoringGrid,
    aggregate_scores,
    rank_applications,
    review_problems,
    score_reviews,
    weighted_mean,
)

D = Decimal
GRID_2013 = ScoringGrid(
    (
        Criterion("quality", "Qualité et maturité du projet", D(3)),
        Criterion("territory", "Ancrage territorial", D(2)),
        Criterion("openness", "Ouverture au public", D(2)),
        Criterion("economic_model", "Modèle économique", D(2)),
        Criterion("budget_realism", "Réalisme du budget", D(1)),
    ),
    disagreement_threshold=D("1.5"),
)
SIMPLE = ScoringGrid((Criterion("q", "Qualité", D(1)),))


def review(expert: str, app: str, mark: str | int, recommendation: str = "fund") -> Review:
    return Review(expert, app, {"q": D(mark)}, recommendation)


def test_it_weights_each_criterion() -> None:
    marks = {"quality": D(5), "territory": D(4), "openness": D(3), "economic_model": D(2)}
    marks["budget_realism"] = D(1)
    # (3×5 + 2×4 + 2×3 + 2×2 + 1×1) / 10
    assert weighted_mean(GRID_2013, Review("E1", "A1", marks, "fund")) == D("3.4")


def test_it_brings_a_criterion_with_its_own_scale_to_the_grid_scale() -> None:
    grid = ScoringGrid(
        (Criterion("q", "Qualité", D(1)), Criterion("b", "Budget", D(1), D(0), D(20)))
    )
    assert weighted_mean(grid, Review("E1", "A1", {"q": D(5), "b": D(10)}, "fund")) == D("3.75")


def test_it_moves_a_harsh_experts_applications_up_after_normalisation() -> None:
    # H marks harshly (2 and 1), L leniently (5 and 4): their best applications are A and C.
    reviews = [review("H", "A", 2), review("H", "B", 1), review("L", "C", 5), review("L", "D", 4)]
    scores = {s.application_id: s for s in aggregate_scores(SIMPLE, reviews)}
    assert scores["A"].mean == D(2)
    assert scores["A"].normalised > scores["A"].mean
    assert scores["A"].normalised == scores["C"].normalised
    assert scores["C"].normalised < scores["C"].mean
    ranked = rank_applications(scores.values())
    assert [(r.rank, r.score.application_id) for r in ranked] == [
        (1, "C"),
        (2, "A"),
        (3, "D"),
        (4, "B"),
    ]
    by_mean = sorted(scores.values(), key=lambda s: -s.mean)
    assert [s.application_id for s in by_mean] == ["C", "D", "A", "B"]


def test_it_puts_normalised_scores_back_on_the_global_mean_and_deviation() -> None:
    reviews = [review("H", "A", 2), review("H", "B", 1), review("L", "C", 5), review("L", "D", 4)]
    scores = {s.application_id: s.normalised for s in score_reviews(SIMPLE, reviews)}
    # Global mean 3, population deviation √2.5 ≈ 1.5811; each expert's z-scores are ±1.
    assert scores == {"A": D("4.5811"), "B": D("1.4189"), "C": D("4.5811"), "D": D("1.4189")}


def test_it_keeps_the_mark_of_an_expert_with_a_single_review() -> None:
    reviews = [review("H", "A", 2), review("H", "B", 1), review("S", "C", "3.5")]
    scores = {s.application_id: s for s in score_reviews(SIMPLE, reviews)}
    assert scores["C"].normalised == scores["C"].weighted_mean == D("3.5")
    assert scores["A"].normalised != scores["A"].weighted_mean


def test_it_gives_the_global_mean_to_an_expert_who_marks_everything_alike() -> None:
    reviews = [review("F", "A", 4), review("F", "B", 4), review("G", "A", 1), review("G", "B", 3)]
    scores = {(s.expert_id, s.application_id): s.normalised for s in score_reviews(SIMPLE, reviews)}
    assert scores[("F", "A")] == scores[("F", "B")] == D(3)


@pytest.mark.parametrize(
    ("low", "high", "flagged"),
    [("1", "3", True), ("2", "3.5", False), ("2", "3.6", True), ("3", "3", False)],
)
def test_it_flags_disagreement_above_the_threshold(low: str, high: str, flagged: bool) -> None:
    [score] = aggregate_scores(
        GRID_2013, [grid_review("E1", "A", low), grid_review("E2", "A", high)]
    )
    assert score.spread == D(high) - D(low)
    assert score.disagreement is flagged


def grid_review(expert: str, app: str, mark: str) -> Review:
    return Review(expert, app, {c.id: D(mark) for c in GRID_2013.criteria}, "fund")


def test_it_defaults_the_threshold_to_thirty_percent_of_the_scale() -> None:
    assert SIMPLE.threshold == D("1.5")
    assert ScoringGrid(SIMPLE.criteria, D(1), D(4)).threshold == D("0.9")


def test_it_counts_recommendations() -> None:
    reviews = [review("E1", "A", 3, "fund"), review("E2", "A", 2, "do_not_fund")]
    reviews.append(review("E3", "A", 4, "fund"))
    [score] = aggregate_scores(SIMPLE, reviews)
    assert score.recommendations == (("fund", 2), ("fund_with_conditions", 0), ("do_not_fund", 1))
    assert score.review_count == 3


def application(app_id: str, normalised: str, mean: str) -> ApplicationScore:
    return ApplicationScore(app_id, 2, D(mean), D(normalised), D(0), False, ())


def test_it_ranks_by_normalised_score_then_mean_then_id_with_shared_ranks() -> None:
    scores = [
        application("A4", "3", "3"),
        application("A1", "4", "2"),
        application("A2", "3", "3"),
        application("A3", "3", "4"),
        application("A5", "1", "5"),
    ]
    ranked = rank_applications(scores)
    assert [(r.rank, r.score.application_id) for r in ranked] == [
        (1, "A1"),
        (2, "A3"),
        (3, "A2"),
        (3, "A4"),
        (5, "A5"),
    ]


def codes(grid: ScoringGrid, r: Review) -> list[str]:
    return [p.code for p in review_problems(grid, r)]


def test_it_accepts_a_complete_review_within_the_scale() -> None:
    assert review_problems(GRID_2013, grid_review("E1", "A1", "4.5")) == ()


def test_it_rejects_missing_unknown_and_out_of_scale_marks() -> None:
    marks = {c.id: D(3) for c in GRID_2013.criteria}
    del marks["territory"]
    marks["quality"] = D(6)
    marks["beauty"] = D(2)
    problems = review_problems(GRID_2013, Review("E1", "A1", marks, "fund"))
    assert [(p.code, p.criterion_id) for p in problems] == [
        ("unknown_criterion", "beauty"),
        ("score_out_of_scale", "quality"),
        ("missing_score", "territory"),
    ]
    assert problems[1].message == (
        "Évaluation de A1 par E1 : la note 6 du critère « Qualité et maturité du projet » "
        "sort de l'échelle 0 à 5."
    )
    assert "il manque la note du critère « Ancrage territorial »" in problems[2].message


def test_it_rejects_marks_that_are_not_numbers_and_unknown_recommendations() -> None:
    assert codes(SIMPLE, Review("E1", "A1", {"q": D("NaN")}, "fund")) == ["score_not_a_number"]
    assert codes(SIMPLE, Review("E1", "A1", {"q": 2.5}, "fund")) == ["score_not_a_number"]  # type: ignore[dict-item]
    assert codes(SIMPLE, Review("E1", "A1", {"q": D(-1)}, "fund")) == ["score_out_of_scale"]
    assert codes(SIMPLE, review("E1", "A1", 3, "peut-être")) == ["unknown_recommendation"]
    assert codes(SIMPLE, review("", "A1", 3)) == ["missing_id"]


def test_it_refuses_to_aggregate_invalid_or_duplicate_reviews() -> None:
    with pytest.raises(InvalidReviewError) as error:
        aggregate_scores(
            SIMPLE, [review("E1", "A1", 3), review("E1", "A1", 4), review("E2", "A1", 9)]
        )
    assert [p.code for p in error.value.problems] == ["score_out_of_scale", "duplicate_review"]
    assert "L'expert E1 a rendu plusieurs évaluations de la candidature A1." in str(error.value)
    with pytest.raises(InvalidReviewError):
        weighted_mean(SIMPLE, review("E1", "A1", 9))


@pytest.mark.parametrize(
    ("criteria", "message"),
    [
        ((), "aucun critère"),
        ((Criterion("q", "Qualité", D(1)), Criterion("q", "Autre", D(1))), "deux fois"),
        ((Criterion("q", "Qualité", D(0)),), "poids"),
        ((Criterion("q", "Qualité", D(1), D(3), D(3)),), "échelle"),
    ],
)
def test_it_rejects_a_broken_grid(criteria: tuple[Criterion, ...], message: str) -> None:
    with pytest.raises(InvalidGridError, match=message):
        ScoringGrid(criteria)


marks = st.integers(0, 10).map(lambda n: D(n) / 2)
review_sets = st.lists(
    st.tuples(st.sampled_from(["E1", "E2", "E3", "E4"]), st.sampled_from("ABCDEF"), marks),
    min_size=1,
    max_size=20,
    unique_by=lambda t: (t[0], t[1]),
)


@settings(max_examples=200, deadline=None)
@given(review_sets)
def test_it_keeps_each_experts_own_order_and_the_overall_mean(
    entries: list[tuple[str, str, Decimal]],
) -> None:
    scores = score_reviews(SIMPLE, [Review(e, a, {"q": m}, "fund") for e, a, m in entries])
    for expert in {s.expert_id for s in scores}:
        own = sorted((s.weighted_mean, s.normalised) for s in scores if s.expert_id == expert)
        assert [n for _, n in own] == sorted(n for _, n in own)
    # Each expert's z-scores add up to zero, so when every expert is normalised the mean stays.
    experts = [s.expert_id for s in scores]
    if all(experts.count(e) >= 2 for e in experts):
        mean = sum((s.weighted_mean for s in scores), D(0)) / len(scores)
        normalised_mean = sum((s.normalised for s in scores), D(0)) / len(scores)
        assert abs(normalised_mean - mean) <= D("0.0001")


@settings(max_examples=200, deadline=None)
@given(review_sets)
def test_it_ranks_each_application_after_exactly_those_strictly_better(
    entries: list[tuple[str, str, Decimal]],
) -> None:
    ranked = rank_applications(
        aggregate_scores(SIMPLE, [Review(e, a, {"q": m}, "fund") for e, a, m in entries])
    )
    for r in ranked:
        better = [
            o
            for o in ranked
            if (o.score.normalised, o.score.mean) > (r.score.normalised, r.score.mean)
        ]
        assert r.rank == 1 + len(better)
        assert SIMPLE.scale_min <= r.score.mean <= SIMPLE.scale_max
