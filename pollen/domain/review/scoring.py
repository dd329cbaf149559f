"""Scores on a call's grid: review checks, weighted means, harshness correction, ranking.

How the scores are computed, in plain words (this text is copied into the documentation):

1. Weighted mean of a review. Each criterion's mark is multiplied by the criterion's weight;
   the products are added up and divided by the sum of the weights. A criterion marked on
   its own scale (say 0 to 20 on a 0 to 5 grid) is first brought to the grid's scale by a
   straight rule of three, so every weighted mean lies on the grid's scale.
2. Mean of an application: the plain mean of its reviews' weighted means.
3. Normalised score, to correct harsh or lenient experts. For each expert with at least two
   reviews we look at how each of their marks (weighted means) stands against their own
   habits: the distance to their own mean, divided by their own standard deviation (a
   z-score). That position is then put back on the grid's scale with the mean and the
   standard deviation of all the weighted means of the call: normalised = global mean +
   z-score × global standard deviation. A harsh expert's best application thus weighs as
   much as a lenient expert's best one. An expert who gives every application the same mark
   says nothing about their order: their normalised scores are the global mean. An expert
   with a single review cannot be compared with themselves: their mark is kept as it is.
   Standard deviations are population ones (divided by n, not n - 1). A normalised score
   can fall slightly outside the scale; it is not clipped, so that the order is kept. The
   normalised score of an application is the mean of its reviews' normalised scores.
4. Disagreement: an application is flagged when the gap between its highest and its lowest
   weighted mean exceeds the grid's threshold (by default 30 % of the scale's width, that
   is 1.5 points on a 0 to 5 scale).
5. Ranking: by normalised score, then mean, both from the highest, then application id.
   Applications with the same normalised score and the same mean share a rank, and the
   next rank skips accordingly (1, 2, 2, 4).

Arithmetic is in Decimal with 28 significant digits. Each review's figures are rounded to four
decimal places (half to even); an application's figures are computed from those rounded
figures and rounded the same way, and ties, gaps and thresholds are judged on them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from enum import StrEnum

PLACES = Decimal("0.0001")
DEFAULT_DISAGREEMENT_SHARE = Decimal("0.3")


class Recommendation(StrEnum):
    """An expert's overall advice, as a stable code."""

    FUND = "fund"
    FUND_WITH_CONDITIONS = "fund_with_conditions"
    DO_NOT_FUND = "do_not_fund"


RECOMMENDATION_LABELS = {
    Recommendation.FUND: "favorable",
    Recommendation.FUND_WITH_CONDITIONS: "favorable sous réserve",
    Recommendation.DO_NOT_FUND: "défavorable",
}


class InvalidGridError(ValueError):
    """The scoring grid itself is wrong; the message says why, in French."""


def _fr(value: Decimal) -> str:
    """A number as French readers write it: 1,5 not 1.5."""
    return format(value.normalize(), "f").replace(".", ",")


@dataclass(frozen=True, slots=True)
class Criterion:
    """A criterion of the grid; without its own scale it uses the grid's."""

    id: str
    label: str
    weight: Decimal
    scale_min: Decimal | None = None
    scale_max: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ScoringGrid:
    """A call's grid; the threshold defaults to 30 % of the scale's width."""

    criteria: tuple[Criterion, ...]
    scale_min: Decimal = Decimal(0)
    scale_max: Decimal = Decimal(5)
    disagreement_threshold: Decimal | None = None

    def __post_init__(self) -> None:
        if not self.criteria:
            raise InvalidGridError("La grille n'a aucun critère.")
        ids = [c.id for c in self.criteria]
        for twice in sorted({i for i in ids if ids.count(i) > 1}):
            raise InvalidGridError(f"Le critère « {twice} » figure deux fois dans la grille.")
        for criterion in self.criteria:
            if criterion.weight <= 0:
                raise InvalidGridError(f"Le poids du critère « {criterion.label} » doit être > 0.")
            low, high = self.scale_of(criterion)
            if low >= high:
                raise InvalidGridError(f"L'échelle du critère « {criterion.label} » est vide.")
        if self.disagreement_threshold is not None and self.disagreement_threshold < 0:
            raise InvalidGridError("Le seuil de désaccord ne peut pas être négatif.")

    def scale_of(self, criterion: Criterion) -> tuple[Decimal, Decimal]:
        """The criterion's own scale, or the grid's."""
        low = self.scale_min if criterion.scale_min is None else criterion.scale_min
        high = self.scale_max if criterion.scale_max is None else criterion.scale_max
        return low, high

    @property
    def threshold(self) -> Decimal:
        """The spread of weighted means above which reviewers are said to disagree."""
        if self.disagreement_threshold is not None:
            return self.disagreement_threshold
        return DEFAULT_DISAGREEMENT_SHARE * (self.scale_max - self.scale_min)


@dataclass(frozen=True, slots=True)
class Review:
    """One expert's marks for one application, by criterion id, and their recommendation."""

    expert_id: str
    application_id: str
    scores: Mapping[str, Decimal]
    recommendation: str


@dataclass(frozen=True, slots=True)
class ReviewProblem:
    """Why a review cannot be counted: a stable code and a French sentence."""

    code: str
    message: str
    criterion_id: str = ""


class InvalidReviewError(ValueError):
    """One or more reviews break the grid; `problems` lists every one of them."""

    def __init__(self, problems: Sequence[ReviewProblem]) -> None:
        super().__init__(" ".join(p.message for p in problems))
        self.problems = tuple(problems)


@dataclass(frozen=True, slots=True)
class ReviewScore:
    """A review's weighted mean and its normalised score (rounded to four places)."""

    expert_id: str
    application_id: str
    weighted_mean: Decimal
    normalised: Decimal
    recommendation: str


@dataclass(frozen=True, slots=True)
class ApplicationScore:
    """An application's aggregated scores; recommendations count each code, in enum order."""

    application_id: str
    review_count: int
    mean: Decimal
    normalised: Decimal
    spread: Decimal
    disagreement: bool
    recommendations: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class RankedApplication:
    """An application's place in the ranking; equal scores share a rank."""

    rank: int
    score: ApplicationScore


def review_problems(grid: ScoringGrid, review: Review) -> tuple[ReviewProblem, ...]:
    """Everything wrong with a review against the grid (nothing when it can be counted)."""
    problems = []
    who = f"Évaluation de {review.application_id or '?'} par {review.expert_id or '?'} :"
    if not review.expert_id.strip() or not review.application_id.strip():
        problems.append(ReviewProblem("missing_id", f"{who} l'expert ou la candidature manque."))
    known = {c.id for c in grid.criteria}
    for criterion_id in sorted(set(review.scores) - known):
        text = f"{who} le critère « {criterion_id} » ne fait pas partie de la grille."
        problems.append(ReviewProblem("unknown_criterion", text, criterion_id))
    for criterion in grid.criteria:
        problem = _score_problem(grid, criterion, review.scores.get(criterion.id), who)
        if problem is not None:
            problems.append(problem)
    if review.recommendation not in {r.value for r in Recommendation}:
        expected = ", ".join(f"« {label} »" for label in RECOMMENDATION_LABELS.values())
        text = f"{who} la recommandation « {review.recommendation} » est inconnue ({expected})."
        problems.append(ReviewProblem("unknown_recommendation", text))
    return tuple(problems)


def _score_problem(
    grid: ScoringGrid, criterion: Criterion, score: object, who: str
) -> ReviewProblem | None:
    name = f"« {criterion.label} »"
    if score is None:
        text = f"{who} il manque la note du critère {name}."
        return ReviewProblem("missing_score", text, criterion.id)
    if isinstance(score, bool) or not isinstance(score, Decimal | int) or not _finite(score):
        text = f"{who} la note du critère {name} n'est pas un nombre ({score!r})."
        return ReviewProblem("score_not_a_number", text, criterion.id)
    low, high = grid.scale_of(criterion)
    if not low <= score <= high:
        text = (
            f"{who} la note {_fr(Decimal(score))} du critère {name} sort de l'échelle "
            f"{_fr(low)} à {_fr(high)}."
        )
        return ReviewProblem("score_out_of_scale", text, criterion.id)
    return None


def _finite(score: Decimal | int) -> bool:
    return not isinstance(score, Decimal) or score.is_finite()


def weighted_mean(grid: ScoringGrid, review: Review) -> Decimal:
    """Σ weight × mark / Σ weight on the grid's scale, unrounded; InvalidReviewError if invalid."""
    problems = review_problems(grid, review)
    if problems:
        raise InvalidReviewError(problems)
    with localcontext() as context:
        context.prec = 28
        marks = [_on_grid_scale(grid, c, Decimal(review.scores[c.id])) for c in grid.criteria]
        total = sum((c.weight * m for c, m in zip(grid.criteria, marks, strict=True)), Decimal(0))
        return total / sum((c.weight for c in grid.criteria), Decimal(0))


def _on_grid_scale(grid: ScoringGrid, criterion: Criterion, score: Decimal) -> Decimal:
    low, high = grid.scale_of(criterion)
    if (low, high) == (grid.scale_min, grid.scale_max):
        return score
    return grid.scale_min + (score - low) * (grid.scale_max - grid.scale_min) / (high - low)


def score_reviews(
    grid: ScoringGrid, reviews: Iterable[Review], *, min_reviews_to_normalise: int = 2
) -> tuple[ReviewScore, ...]:
    """Every review's weighted mean and normalised score, sorted by application then expert."""
    ordered = sorted(reviews, key=lambda r: (r.application_id, r.expert_id))
    _check_all(grid, ordered)
    with localcontext() as context:
        context.prec = 28
        means = [weighted_mean(grid, r) for r in ordered]
        normalised = _normalised(ordered, means, min_reviews_to_normalise)
    return tuple(
        ReviewScore(
            r.expert_id, r.application_id, _round(m), _round(z), Recommendation(r.recommendation)
        )
        for r, m, z in zip(ordered, means, normalised, strict=True)
    )


def _check_all(grid: ScoringGrid, reviews: Sequence[Review]) -> None:
    problems = [p for r in reviews for p in review_problems(grid, r)]
    pairs = [(r.application_id, r.expert_id) for r in reviews]
    for app_id, expert_id in sorted({p for p in pairs if pairs.count(p) > 1}):
        text = f"L'expert {expert_id} a rendu plusieurs évaluations de la candidature {app_id}."
        problems.append(ReviewProblem("duplicate_review", text))
    if problems:
        raise InvalidReviewError(problems)


def _mean_and_deviation(values: Sequence[Decimal]) -> tuple[Decimal, Decimal]:
    mean = sum(values, Decimal(0)) / len(values)
    variance = sum(((v - mean) ** 2 for v in values), Decimal(0)) / len(values)
    return mean, variance.sqrt()


def _normalised(
    reviews: Sequence[Review], means: Sequence[Decimal], min_reviews: int
) -> list[Decimal]:
    if not means:
        return []
    global_mean, global_deviation = _mean_and_deviation(means)
    by_expert: dict[str, list[Decimal]] = {}
    for review, mean in zip(reviews, means, strict=True):
        by_expert.setdefault(review.expert_id, []).append(mean)
    habits = {e: _mean_and_deviation(v) for e, v in by_expert.items() if len(v) >= min_reviews}
    result = []
    for review, mean in zip(reviews, means, strict=True):
        if review.expert_id not in habits:
            result.append(mean)
            continue
        own_mean, own_deviation = habits[review.expert_id]
        z_score = (mean - own_mean) / own_deviation if own_deviation else Decimal(0)
        result.append(global_mean + z_score * global_deviation)
    return result


def _round(value: Decimal) -> Decimal:
    return value.quantize(PLACES)


def aggregate_scores(
    grid: ScoringGrid, reviews: Iterable[Review], *, min_reviews_to_normalise: int = 2
) -> tuple[ApplicationScore, ...]:
    """Each reviewed application's mean, normalised score and disagreement, sorted by id."""
    scores = score_reviews(grid, reviews, min_reviews_to_normalise=min_reviews_to_normalise)
    by_application: dict[str, list[ReviewScore]] = {}
    for score in scores:
        by_application.setdefault(score.application_id, []).append(score)
    return tuple(_application_score(grid, a, s) for a, s in sorted(by_application.items()))


def _application_score(
    grid: ScoringGrid, application_id: str, scores: Sequence[ReviewScore]
) -> ApplicationScore:
    means = [s.weighted_mean for s in scores]
    with localcontext() as context:
        context.prec = 28
        mean = _round(sum(means, Decimal(0)) / len(means))
        normalised = _round(sum((s.normalised for s in scores), Decimal(0)) / len(scores))
    spread = max(means) - min(means)
    counts = tuple((r.value, sum(s.recommendation == r for s in scores)) for r in Recommendation)
    return ApplicationScore(
        application_id, len(scores), mean, normalised, spread, spread > grid.threshold, counts
    )


def rank_applications(scores: Iterable[ApplicationScore]) -> tuple[RankedApplication, ...]:
    """Best first by normalised score, then mean, then id; equal scores share a rank."""
    ordered = sorted(scores, key=lambda s: (-s.normalised, -s.mean, s.application_id))
    ranked: list[RankedApplication] = []
    for position, score in enumerate(ordered, start=1):
        if ranked and _rank_key(ranked[-1].score) == _rank_key(score):
            ranked.append(RankedApplication(ranked[-1].rank, score))
        else:
            ranked.append(RankedApplication(position, score))
    return tuple(ranked)


def _rank_key(score: ApplicationScore) -> tuple[Decimal, Decimal]:
    return score.normalised, score.mean
