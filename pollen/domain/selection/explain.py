"""Why each candidate is in or out of the selection, and the smallest change that would flip it."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, replace
from decimal import Decimal

import numpy as np
from scipy.optimize import LinearConstraint

from pollen.domain.selection.portfolio import (
    SelectionResult,
    evaluate_portfolio,
    run_milp,
)
from pollen.domain.selection.problem import (
    COVERAGE_UNIT,
    SelectionModel,
    SelectionProblem,
    build_model,
    cents,
)
from pollen.domain.territory.geo import PointIndex, haversine_km
from pollen.domain.text import Amount, Number, Text, gettext_noop

# Scores are compared at 0.01; this absorbs float noise in thresholds derived from objectives.
_NOISE = 1e-6
# "Enters" means a strictly better objective, by more than HiGHS's own tolerance.
_STRICT = 1e-5


@dataclass(frozen=True, slots=True)
class CandidateExplanation:
    """Why a candidate is in or out (stable code + sentence) and what would flip it.

    The sentences are `Text`s, so the committee's pages show them in its language; `message`
    and `flip_message` are the French, kept with each run and cited by decision letters.

    score_to_enter: for one left out, the smallest score (two decimals) at which it is selected;
    score_to_leave: for one selected, the largest score (two decimals) at which it is dropped;
    amount_to_enter: for one left out, the largest request (at most its own) at which it is
    selected. None when not computed (flip_computed is False) or when no such value exists.
    """

    id: str
    selected: bool
    code: str
    text: Text
    blocked_by: tuple[str, ...] = ()
    flip_computed: bool = False
    score_to_enter: float | None = None
    score_to_leave: float | None = None
    amount_to_enter: Decimal | None = None
    flip_text: Text | None = None

    @property
    def message(self) -> str:
        return str(self.text)

    @property
    def flip_message(self) -> str:
        return "" if self.flip_text is None else str(self.flip_text)


@dataclass(frozen=True, slots=True)
class SelectionExplanation:
    """One explanation per candidate (by id), and for how many the flips were re-solved."""

    candidates: tuple[CandidateExplanation, ...]
    flips_computed: int
    note: str


@dataclass(frozen=True, slots=True)
class _Flip:
    threshold: float | None
    amount: Decimal | None = None


def explain_selection(
    problem: SelectionProblem,
    result: SelectionResult,
    *,
    max_flips: int | None = 50,
    time_limit_s: float = 30.0,
    model: SelectionModel | None = None,
) -> SelectionExplanation:
    """Explain every candidate; re-solve the flips only for the `max_flips` closest to the cut.

    Thresholds are exact, not searched: forcing a candidate in (or out) and re-solving once gives
    the best objective on the other side, and the objective moves one for one with its score.
    `model`, to reuse between calls, must come from build_model(problem, include_below_min=True).
    """
    if result.status in ("infeasible", "no_solution"):
        raise ValueError("no portfolio to explain")
    model = model or build_model(problem, include_below_min=True)
    chosen = {model.position[i] for i in result.portfolio.selected}
    context = _Context(model, chosen, time_limit_s)
    flippable = [i for i, c in enumerate(model.candidates) if c.id not in problem.must_include]
    flipped = {model.candidates[i].id for i in _closest_to_cut(context, flippable, max_flips)}
    ordered = sorted(problem.candidates, key=lambda c: c.id)
    explained = tuple(_explain(context, c.id, c.id in flipped) for c in ordered)
    note = ""
    if len(flipped) < len(flippable):
        note = (
            f"Les seuils n'ont été recalculés que pour les {len(flipped)} candidatures les plus "
            f"proches de la limite de sélection, sur {len(flippable)}."
        )
    if result.status == "time_limit":
        note += " La sélection n'étant pas prouvée optimale, les seuils sont approchés."
    return SelectionExplanation(explained, len(flipped), note.strip())


class _Context:
    """The model around one selection, with the figures every explanation reads."""

    def __init__(self, model: SelectionModel, chosen: set[int], time_limit_s: float):
        self.model, self.chosen, self.time_limit_s = model, chosen, time_limit_s
        self.problem = problem = model.problem
        self.value = evaluate_portfolio(model, chosen).objective
        self.unit = problem.coverage_weight / COVERAGE_UNIT
        self.spent = sum(int(model.cents[i]) for i in chosen)
        self.regions = Counter(model.candidates[j].commune.region for j in chosen)
        self.places = PointIndex(
            [p.lat for p in problem.existing_places], [p.lon for p in problem.existing_places]
        )
        # How many selected candidates cover each commune, and one of them (the lowest id).
        self.count = np.zeros(len(model.populations), dtype=np.int64)
        self.owner = np.full(len(model.populations), -1, dtype=np.int64)
        for j in sorted(chosen, reverse=True):
            self.count[model.new[j]] += 1
            self.owner[model.new[j]] = j
        self.rivals = [
            float(model.scores[j])
            for j in chosen
            if model.candidates[j].id not in problem.must_include
        ]
        out = [j for j in range(model.size) if model.eligible[j] and j not in chosen]
        self.first_out = min(out, key=lambda j: (-model.scores[j], j)) if out else -1
        self.best_out_score = float(model.scores[self.first_out]) if out else -math.inf

    def marginal(self, i: int) -> int:
        """People candidate i alone brings (or would bring) near a fablab, given the selection."""
        communes = self.model.new[i]
        alone = self.count[communes] == (1 if i in self.chosen else 0)
        return int(self.model.populations[communes[alone]].sum())

    def main_neighbour(self, i: int) -> int:
        """The selected candidate covering most of i's new area (each commune counted once)."""
        communes = self.model.new[i]
        owners = self.owner[communes]
        covered = owners >= 0
        return int(
            np.argmax(
                np.bincount(owners[covered], weights=self.model.populations[communes[covered]])
            )
        )


def _closest_to_cut(context: _Context, flippable: list[int], max_flips: int | None) -> list[int]:
    if max_flips is None or len(flippable) <= max_flips:
        return flippable
    # Rank by score plus the coverage each brings alone: the nearer the weakest selected, the
    # likelier a small change flips it.
    proxy = {
        i: float(context.model.scores[i]) + context.unit * context.marginal(i) for i in flippable
    }
    inside = [proxy[i] for i in flippable if i in context.chosen]
    cut = min(inside) if inside else max(proxy.values())
    return sorted(flippable, key=lambda i: (abs(proxy[i] - cut), i))[:max_flips]


def _explain(context: _Context, ident: str, flip: bool) -> CandidateExplanation:
    problem, model = context.problem, context.model
    i = model.position.get(ident)
    if ident in problem.must_exclude:
        return CandidateExplanation(
            ident, False, "excluded", Text(gettext_noop("Le comité l'a exclue de la sélection."))
        )
    if i is None:
        amount = next(c.amount for c in problem.candidates if c.id == ident)
        message = Text(
            gettext_noop(
                "Sa demande (%(amount)s) dépasse à elle seule l'enveloppe (%(envelope)s)."
            ),
            {"amount": Amount(amount), "envelope": Amount(problem.envelope)},
        )
        return CandidateExplanation(ident, False, "envelope", message, ("envelope",))
    if ident in problem.must_include:
        return CandidateExplanation(
            ident,
            True,
            "included_forced",
            Text(gettext_noop("Retenue d'office à la demande du comité.")),
        )
    if i in context.chosen:
        return _explain_in(context, i, _flip_out(context, i) if flip else None)
    return _explain_out(context, i, _flip_in(context, i) if flip else None)


def _flip_in(context: _Context, i: int) -> _Flip:
    """Force i in: the best objective with it gives its entry score; the cheapest portfolio
    with it that beats today's objective gives the largest amount at which it enters."""
    model = context.model
    lower, upper = model.lower_bounds(), model.eligible.astype(float)
    lower[i] = upper[i] = 1.0
    run = run_milp(model, lower=lower, upper=upper, time_limit_s=context.time_limit_s)
    if run.chosen is None:
        return _Flip(None)
    threshold = (
        float(model.scores[i]) + context.value - evaluate_portfolio(model, run.chosen).objective
    )
    if not model.eligible[i]:
        return _Flip(threshold)
    return _Flip(threshold, _amount_to_enter(context, i, lower, upper))


def _enters_with_more_room(context: _Context, i: int) -> bool:
    """Whether i would be selected if the envelope and the award count just made room for it."""
    row_hi = context.model.row_hi.copy()
    row_hi[0] = max(row_hi[0], context.spent + float(context.model.cents[i]))
    row_hi[1] = max(row_hi[1], len(context.chosen) + 1.0)
    run = run_milp(context.model, row_hi=row_hi, time_limit_s=context.time_limit_s)
    return run.chosen is not None and i in run.chosen


def _amount_to_enter(
    context: _Context, i: int, lower: np.ndarray, upper: np.ndarray
) -> Decimal | None:
    model = context.model
    spend = np.zeros(model.matrix.shape[1])
    spend[: model.size] = -model.cents.astype(float)
    spend[i] = 0.0
    row_hi = model.row_hi.copy()
    row_hi[0] += float(model.cents[i])  # the envelope then bounds the others' spending alone
    better = context.value + _STRICT + 1e-7 * abs(context.value)
    extra = LinearConstraint(model.objective.reshape(1, -1), better, np.inf)
    run = run_milp(
        model, lower=lower, upper=upper, objective=spend, extra=extra, row_hi=row_hi,
        time_limit_s=context.time_limit_s,
    )  # fmt: skip
    # The objective row holds only to HiGHS's tolerance: check the gain exactly.
    if (
        run.chosen is None
        or evaluate_portfolio(model, run.chosen).objective <= context.value + _STRICT / 2
    ):
        return None
    others = sum(int(model.cents[j]) for j in run.chosen if j != i)
    room = min(cents(context.problem.envelope) - others, int(model.cents[i]))
    return Decimal(room) / 100 if room > 0 else None


def _flip_out(context: _Context, i: int) -> _Flip:
    upper = context.model.eligible.astype(float)
    upper[i] = 0.0
    run = run_milp(context.model, upper=upper, time_limit_s=context.time_limit_s)
    if run.chosen is None:
        return _Flip(None)
    loss = context.value - evaluate_portfolio(context.model, run.chosen).objective
    return _Flip(max(float(context.model.scores[i]) - loss, context.problem.min_score))


def _above(threshold: float) -> float:
    """The smallest score with two decimals strictly above the threshold."""
    return (math.floor(threshold * 100 + _NOISE) + 1) / 100


def _below(threshold: float) -> float:
    """The largest score with two decimals strictly below the threshold."""
    return (math.ceil(threshold * 100 - _NOISE) - 1) / 100


def _score(score: float) -> Number:
    """A score to two decimals: 15,50."""
    return Number(Decimal(f"{score:.2f}"), 2)


def _people(count: int) -> Text:
    # French makes 0 and 1 singular, English only 1: zero has its own sentence to translate.
    if count == 0:
        return Text(gettext_noop("0 habitant"))
    if count == 1:
        return Text(gettext_noop("%(count)s habitant"), {"count": Number(count)})
    return Text(gettext_noop("%(count)s habitants"), {"count": Number(count)})


def _km(distance: float) -> Number:
    return Number(Decimal(f"{distance:.1f}"), 1)


def _radius(radius_km: float) -> Number:
    """The radius as given: 15, 2,5."""
    value = Decimal(f"{radius_km:g}")
    return Number(value, max(-int(value.as_tuple().exponent), 0))


def _laureates(count: int) -> Text:
    if count == 0:
        return Text(gettext_noop("0 lauréat"))
    if count == 1:
        return Text(gettext_noop("%(count)s lauréat"), {"count": Number(count)})
    return Text(gettext_noop("%(count)s lauréats"), {"count": Number(count)})


def _then(first: Text, second: Text) -> Text:
    """Two sentences one after the other (the joint is not for translators)."""
    return Text("%(first)s %(second)s", {"first": first, "second": second})


def _explain_in(context: _Context, i: int, flip: _Flip | None) -> CandidateExplanation:
    cand, score = context.model.candidates[i], float(context.model.scores[i])
    brought = context.marginal(i)
    own_value = context.unit * brought
    if flip is not None and flip.threshold is not None:
        for_coverage = own_value > 0 and score - own_value < flip.threshold
    else:  # without a re-solve: a better-scored one is out, and its coverage makes up for it
        for_coverage = own_value > 0 and score < context.best_out_score <= score + own_value
    if for_coverage:
        code = "selected_for_coverage"
        message = Text(
            gettext_noop(
                "Retenue surtout pour la couverture : elle seule rapproche un fablab de "
                "%(people)s (note %(score)s)."
            ),
            {"people": _people(brought), "score": _score(score)},
        )
    elif brought:
        code = "selected"
        message = Text(
            gettext_noop(
                "Retenue : note %(score)s pour %(amount)s demandés ; elle seule rapproche un "
                "fablab de %(people)s."
            ),
            {"score": _score(score), "amount": Amount(cand.amount), "people": _people(brought)},
        )
    else:
        code = "selected"
        message = Text(
            gettext_noop("Retenue : note %(score)s pour %(amount)s demandés."),
            {"score": _score(score), "amount": Amount(cand.amount)},
        )
    return _with_flip(context, CandidateExplanation(cand.id, True, code, message), flip)


def _explain_out(context: _Context, i: int, flip: _Flip | None) -> CandidateExplanation:
    problem, cand = context.problem, context.model.candidates[i]
    score = float(context.model.scores[i])
    if not context.model.eligible[i]:
        message = Text(
            gettext_noop("Sa note (%(score)s) est inférieure à la note minimale (%(minimum)s)."),
            {"score": _score(score), "minimum": _score(problem.min_score)},
        )
        return _with_flip(
            context, CandidateExplanation(cand.id, False, "below_min_score", message), flip
        )
    blocked = _blocked_by(context, i)
    overlap = _overlap(context, i, flip)
    if overlap:
        code, message = "coverage_overlap", overlap
    elif not blocked:
        code = "no_gain"
        message = Text(gettext_noop("La retenir n'améliorerait pas l'objectif du comité."))
    elif "region_cap" in blocked:
        code = "region_cap"
        message = Text(
            gettext_noop("Sa région (%(region)s) a déjà %(laureates)s, le plafond par région."),
            {"region": cand.commune.region, "laureates": _laureates(problem.region_max or 0)},
        )
    elif not (_enters_with_more_room(context, i) if flip else context.first_out == i):
        code = "outscored"
        message = Text(
            gettext_noop(
                "D'autres candidatures apportent davantage : même avec la place de la financer, "
                "elle ne serait pas retenue."
            )
        )
    elif "envelope" in blocked:
        missing = (
            Decimal(context.spent + int(context.model.cents[i]) - cents(problem.envelope)) / 100
        )
        code = "envelope"
        message = Text(
            gettext_noop("Le financer dépasserait l'enveloppe : il manquerait %(missing)s."),
            {"missing": Amount(missing)},
        )
    else:
        code = "award_count"
        message = Text(
            gettext_noop("Le nombre maximal de lauréats (%(count)s) est atteint."),
            {"count": Number(problem.max_awards or 0)},
        )
    return _with_flip(context, CandidateExplanation(cand.id, False, code, message, blocked), flip)


def _blocked_by(context: _Context, i: int) -> tuple[str, ...]:
    """The rules that adding candidate i to the selection as it stands would break."""
    problem, model = context.problem, context.model
    blocked = []
    if context.spent + int(model.cents[i]) > cents(problem.envelope):
        blocked.append("envelope")
    if problem.max_awards is not None and len(context.chosen) >= problem.max_awards:
        blocked.append("award_count")
    region = model.candidates[i].commune.region
    if problem.region_max is not None and context.regions[region] >= problem.region_max:
        blocked.append("region_cap")
    return tuple(blocked)


def _overlap(context: _Context, i: int, flip: _Flip | None) -> Text | None:
    """A sentence when coverage already there decides: with its whole area counted as new it
    would enter (or, without a re-solve, it is mostly covered yet scored like a selected one)."""
    model = context.model
    around = int(model.populations[model.near[i]].sum())
    brought = context.marginal(i)
    lost = context.unit * (around - brought)
    score = float(model.scores[i])
    if flip is not None:
        decisive = flip.threshold is not None and score + lost > flip.threshold
    else:
        rivals = context.rivals
        decisive = 2 * brought <= around and bool(rivals) and score >= min(rivals)
    if lost <= 0 or not decisive:
        return None
    fresh = int(model.populations[model.new[i]].sum())
    here = model.candidates[i].commune
    why = Text(
        gettext_noop(
            "%(covered)s des %(people)s à moins de %(radius)s km d'elle sont déjà à moins de "
            "%(radius)s km d'un lieu existant ou d'une candidature retenue"
        ),
        {
            "covered": Number(around - brought),
            "people": _people(around),
            "radius": _radius(context.problem.radius_km),
        },
    )
    tail = (
        Text(
            gettext_noop("elle ne rapprocherait d'un fablab que %(people)s de plus."),
            {"people": _people(brought)},
        )
        if brought
        else Text(gettext_noop("elle ne rapprocherait aucun habitant de plus d'un fablab."))
    )
    if fresh - brought >= around - fresh:
        other = model.candidates[context.main_neighbour(i)]
        km = _km(haversine_km(here.lat, here.lon, other.commune.lat, other.commune.lon))
        return Text(
            gettext_noop(
                "Sa zone est déjà couverte par « %(name)s » (%(commune)s), retenue à "
                "%(distance)s km : %(why)s ; %(tail)s"
            ),
            {
                "name": other.label or other.id,
                "commune": other.commune.name,
                "distance": km,
                "why": why,
                "tail": tail,
            },
        )
    dist, idx = context.places.nearest_km([here.lat], [here.lon])
    place = context.problem.existing_places[int(idx[0])]
    return Text(
        gettext_noop(
            "Sa zone est déjà couverte par le lieu existant « %(name)s », à %(distance)s km : "
            "%(why)s ; %(tail)s"
        ),
        {"name": place.label, "distance": _km(float(dist[0])), "why": why, "tail": tail},
    )


def _no_score(selected: bool, problem: SelectionProblem) -> Text:
    """When the threshold lies outside the reviewers' scale, say so rather than name it."""
    if selected:
        low = _score(problem.scale_min if problem.scale_min is not None else 0.0)
        return Text(
            gettext_noop(
                "Aucune note ne la ferait sortir : même notée %(score)s, elle resterait retenue."
            ),
            {"score": low},
        )
    high = _score(problem.scale_max if problem.scale_max is not None else 0.0)
    return Text(
        gettext_noop(
            "Aucune note ne la ferait entrer : même la note maximale (%(score)s) ne suffirait pas."
        ),
        {"score": high},
    )


def _asking_at_most(amount: Decimal, also: bool) -> Text:
    if also:
        template = gettext_noop("Elle entrerait aussi en demandant au plus %(amount)s.")
    else:
        template = gettext_noop("Elle entrerait en demandant au plus %(amount)s.")
    return Text(template, {"amount": Amount(amount)})


def _with_flip(
    context: _Context, explanation: CandidateExplanation, flip: _Flip | None
) -> CandidateExplanation:
    if flip is None:
        return explanation
    if flip.threshold is None:
        if explanation.selected:
            template = gettext_noop(
                "Aucune note ne la ferait sortir sans changer les règles ou les autres candidatures."
            )
        else:
            template = gettext_noop(
                "Aucune note ne la ferait entrer sans changer les règles ou les autres candidatures."
            )
        return replace(explanation, flip_computed=True, flip_text=Text(template))
    problem = context.problem
    if explanation.selected:
        score = _below(flip.threshold)
        if score < (problem.scale_min if problem.scale_min is not None else 0.0):
            return replace(explanation, flip_computed=True, flip_text=_no_score(True, problem))
        text = Text(
            gettext_noop("Elle sortirait avec une note de %(score)s ou moins."),
            {"score": _score(score)},
        )
        return replace(explanation, flip_computed=True, flip_text=text, score_to_leave=score)
    score = max(_above(flip.threshold), math.ceil(problem.min_score * 100 - _NOISE) / 100)
    if problem.scale_max is not None and score > problem.scale_max:
        text = _no_score(False, problem)
        if flip.amount is not None:
            text = _then(text, _asking_at_most(flip.amount, also=False))
        return replace(explanation, flip_computed=True, flip_text=text, amount_to_enter=flip.amount)
    text = Text(
        gettext_noop("Elle entrerait avec une note d'au moins %(score)s."),
        {"score": _score(score)},
    )
    if flip.amount is not None:
        text = _then(text, _asking_at_most(flip.amount, also=True))
    return replace(
        explanation,
        flip_computed=True,
        flip_text=text,
        score_to_enter=score,
        amount_to_enter=flip.amount,
    )
