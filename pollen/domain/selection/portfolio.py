"""The committee's selection: an optimal portfolio under the envelope that spreads fablabs.

Solver: scipy.optimize.milp (HiGHS 1.12), presolve off. On benchmarks/bench_selection.py (2 cores
shared, load 4 to 6.5; the same reduced model for all), HiGHS alone proves optimality in 0.02 s /
0.2 s / 8 to 26 s for 100 / 1,000 / 10,000 candidates; with presolve on 0.02 / 0.3 / 12 to 25 s,
and 44 s against 11 s at 10,000 on a first, larger model (it can stall). OR-Tools CP-SAT (2
workers, objective scaled to integers x 1e4) is optimal at 100 (0.7 s) but stops at its 60 s
limit 7.2 % from its bound at 1,000 and 15 % at 10,000. Determinism: the model is built in id
order, HiGHS is deterministic for a given model, then exact ties (same score, same coverage) are
broken towards lower ids by swaps (prefer_lower_ids).
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, OptimizeResult, milp

from pollen.domain.selection.problem import (
    COVERAGE_UNIT,
    Candidate,
    SelectionModel,
    SelectionProblem,
    build_model,
    cents,
    euros_fr,
)

Status = Literal[
    "optimal", "time_limit", "no_solution", "infeasible", "heuristic", "min_awards_unmet"
]


@dataclass(frozen=True, slots=True)
class Portfolio:
    """A set of funded candidates and what it brings."""

    selected: tuple[str, ...]
    score_sum: float
    newly_covered_population: int
    departements: tuple[str, ...]
    spent: Decimal
    objective: float


@dataclass(frozen=True, slots=True)
class SelectionResult:
    """A portfolio with how it was found: status, gap to the best bound, time, reason."""

    status: Status
    portfolio: Portfolio
    gap: float | None
    best_bound: float | None
    solve_seconds: float
    reason: str = ""


@dataclass(frozen=True, slots=True)
class SelectionOutcome:
    """The optimum beside the two baselines, with the model kept for explanations."""

    optimum: SelectionResult
    ranking: SelectionResult
    score_per_euro: SelectionResult
    model: SelectionModel


_Baseline = Callable[[SelectionModel], tuple[int, ...]]


class SelectionInfeasibleError(ValueError):
    """No portfolio meets every rule; the message says why, in French."""


@dataclass(frozen=True, slots=True)
class MilpRun:
    """One HiGHS run: the chosen candidates (positions) if any, its status and bound."""

    chosen: tuple[int, ...] | None
    status: Literal["optimal", "time_limit", "no_solution", "infeasible"]
    bound: float | None
    seconds: float


def score_fr(score: float) -> str:
    """A score the French way: 15,50."""
    return f"{score:.2f}".replace(".", ",")


def run_milp(
    model: SelectionModel,
    *,
    lower: np.ndarray | None = None,
    upper: np.ndarray | None = None,
    objective: np.ndarray | None = None,
    extra: LinearConstraint | None = None,
    row_hi: np.ndarray | None = None,
    time_limit_s: float = 30.0,
    mip_rel_gap: float = 1e-9,
    presolve: bool = False,
) -> MilpRun:
    """Maximise `objective` (default: the committee's) over the model, with x bounds as given.

    HiGHS works to a relative tolerance, so on an envelope of millions of cents it may accept a
    portfolio a few cents over: the spending is checked in integer cents and, if over, the
    envelope row is lowered by the excess and the model solved again.
    """
    n, width = model.size, model.matrix.shape[1]
    if width == 0:  # HiGHS refuses an empty model: nobody to choose
        empty_ok = bool(np.all(model.row_lo <= 0) and np.all(model.row_hi >= 0))
        return (
            MilpRun((), "optimal", 0.0, 0.0) if empty_ok else MilpRun(None, "infeasible", None, 0.0)
        )
    ub = np.ones(width)
    ub[:n] = model.eligible.astype(float) if upper is None else upper
    # Forced candidates go in as one row, not as bounds: HiGHS without presolve prints debug
    # lines on stdout for columns fixed at 1, and the CLI's stdout is JSON.
    forced = (model.lower_bounds() if lower is None else lower) > 0.5
    fixed = [] if not forced.any() else [_forced_row(forced, width)]
    fixed += [] if extra is None else [extra]
    hi = (model.row_hi if row_hi is None else row_hi).copy()
    c = -(model.objective if objective is None else objective)
    options = {"time_limit": time_limit_s, "mip_rel_gap": mip_rel_gap, "presolve": presolve}
    return _within_envelope(model, c, Bounds(np.zeros(width), ub), fixed, hi, options)


def _within_envelope(
    model: SelectionModel,
    c: np.ndarray,
    bounds: Bounds,
    fixed: list[LinearConstraint],
    hi: np.ndarray,
    options: dict[str, float | bool],
) -> MilpRun:
    n, width = model.size, model.matrix.shape[1]
    integrality = np.concatenate([np.ones(n), np.zeros(width - n)])
    envelope, start = int(hi[0]), time.perf_counter()
    for _ in range(_REPAIRS):
        rows = [LinearConstraint(model.matrix, model.row_lo, hi), *fixed]
        res = milp(c, integrality=integrality, bounds=bounds, constraints=rows, options=options)
        chosen = None if res.x is None else tuple(int(i) for i in np.flatnonzero(res.x[:n] > 0.5))
        excess = 0 if chosen is None else sum(int(model.cents[i]) for i in chosen) - envelope
        if excess <= 0:
            break
        hi[0] -= excess  # one more solve, asking for that much less
    return _milp_run(res, chosen if excess <= 0 else None, time.perf_counter() - start)


_REPAIRS = 4


def _forced_row(forced: np.ndarray, width: int) -> LinearConstraint:
    row = np.zeros((1, width))
    row[0, : len(forced)] = forced
    return LinearConstraint(row, float(forced.sum()), np.inf)


def _milp_run(res: OptimizeResult, chosen: tuple[int, ...] | None, seconds: float) -> MilpRun:
    bound = None if res.mip_dual_bound is None else -float(res.mip_dual_bound)
    if res.status == 2:
        return MilpRun(None, "infeasible", None, seconds)
    if chosen is None:
        return MilpRun(None, "no_solution", bound, seconds)
    # HiGHS's own status decides: a stopped search has a solution but no proof of optimality.
    return MilpRun(chosen, "optimal" if res.status == 0 else "time_limit", bound, seconds)


def evaluate_portfolio(model: SelectionModel, chosen: Iterable[int]) -> Portfolio:
    """What a set of candidates (model positions) brings, computed exactly from the communes."""
    positions = sorted(set(chosen))
    picked = [model.candidates[i] for i in positions]
    population = covered_population(model, positions)
    score_sum = math.fsum(c.score for c in picked)
    return Portfolio(
        selected=tuple(sorted(c.id for c in picked)),
        score_sum=score_sum,
        newly_covered_population=population,
        departements=tuple(sorted({c.commune.departement for c in picked})),
        spent=sum((c.amount for c in picked), Decimal("0.00")),
        objective=score_sum + model.problem.coverage_weight * population / COVERAGE_UNIT,
    )


def covered_population(model: SelectionModel, positions: Iterable[int]) -> int:
    """Population newly within R km of at least one of these candidates (counted once)."""
    arrays = [model.new[i] for i in positions]
    if not arrays:
        return 0
    return int(model.populations[np.unique(np.concatenate(arrays))].sum())


def is_feasible(model: SelectionModel, positions: Iterable[int]) -> bool:
    """Whether these candidates meet every rule: envelope, awards, régions, must lists, score."""
    chosen = set(positions)
    problem = model.problem
    if not all(model.eligible[i] for i in chosen):
        return False
    if any(model.position.get(i) not in chosen for i in problem.must_include):
        return False
    most = len(model.candidates) if problem.max_awards is None else problem.max_awards
    if not problem.min_awards <= len(chosen) <= most:
        return False
    if sum(int(model.cents[i]) for i in chosen) > cents(problem.envelope):
        return False
    regions = [model.candidates[i].commune.region for i in chosen]
    return problem.region_max is None or all(
        regions.count(r) <= problem.region_max for r in set(regions)
    )


def solve(
    problem: SelectionProblem,
    *,
    time_limit_s: float = 30.0,
    mip_rel_gap: float = 1e-9,
    presolve: bool = False,
    model: SelectionModel | None = None,
) -> SelectionResult:
    """The optimal portfolio (or the best found in time, with its gap), never below a baseline."""
    start = time.perf_counter()
    reason = diagnose_infeasibility(problem)
    if reason:
        return SelectionResult(
            "infeasible", _EMPTY, None, None, time.perf_counter() - start, reason
        )
    model = model or build_model(problem)
    remaining = max(0.001, time_limit_s - (time.perf_counter() - start))
    run = run_milp(model, time_limit_s=remaining, mip_rel_gap=mip_rel_gap, presolve=presolve)
    chosen = run.chosen if run.status == "optimal" else _best_known(model, run.chosen)
    if chosen is None:
        status: Status = "infeasible" if run.status == "infeasible" else "no_solution"
        reason = _NO_PORTFOLIO if status == "infeasible" else "Aucune solution trouvée à temps."
        return SelectionResult(status, _EMPTY, None, run.bound, time.perf_counter() - start, reason)
    portfolio = evaluate_portfolio(model, prefer_lower_ids(model, chosen))
    gap = relative_gap(run.bound, portfolio.objective)
    status = "optimal" if run.status == "optimal" else "time_limit"
    return SelectionResult(status, portfolio, gap, run.bound, time.perf_counter() - start)


_EMPTY = Portfolio((), 0.0, 0, (), Decimal("0.00"), 0.0)
_NO_PORTFOLIO = (
    "Aucun portefeuille ne respecte à la fois l'enveloppe, le nombre de lauréats "
    "et les plafonds par région."
)


def relative_gap(bound: float | None, objective: float) -> float | None:
    """|best bound − objective| / |objective|, 0 when both are 0."""
    if bound is None:
        return None
    return max(0.0, bound - objective) / max(abs(objective), 1e-9)


def _best_known(model: SelectionModel, chosen: tuple[int, ...] | None) -> tuple[int, ...] | None:
    # Under a time limit the baselines may beat HiGHS's incumbent: keep the best feasible one.
    options = [ranking_baseline(model), score_per_euro_baseline(model)]
    feasible = [c for c in ([] if chosen is None else [chosen]) + options if is_feasible(model, c)]
    if not feasible:
        return None
    return max(feasible, key=lambda c: evaluate_portfolio(model, c).objective)


def prefer_lower_ids(model: SelectionModel, chosen: Sequence[int]) -> tuple[int, ...]:
    """Among exact ties, prefer lower ids: swap a chosen candidate for a lower-id one of equal
    score when the portfolio stays feasible and covers at least as many people."""
    current, forced, pops = set(chosen), model.lower_bounds(), model.populations
    same_score: dict[float, list[int]] = defaultdict(list)
    for i in np.flatnonzero(model.eligible).tolist():
        same_score[float(model.scores[i])].append(i)
    count = np.zeros(len(pops), dtype=np.int64)  # how many chosen cover each commune
    for j in current:
        count[model.new[j]] += 1
    swapped = True
    while swapped:
        swapped = False
        for j in sorted(current - set(np.flatnonzero(forced).tolist()), reverse=True):
            count[model.new[j]] -= 1
            lost = pops[model.new[j][count[model.new[j]] == 0]].sum()
            for i in (i for i in same_score[float(model.scores[j])] if i < j and i not in current):
                gained = pops[model.new[i][count[model.new[i]] == 0]].sum()
                if gained >= lost and is_feasible(model, (current - {j}) | {i}):
                    current, swapped = (current - {j}) | {i}, True
                    count[model.new[i]] += 1
                    break
            if swapped:
                break
            count[model.new[j]] += 1
    return tuple(sorted(current))


def _ranking_order(model: SelectionModel) -> list[int]:
    return sorted(range(model.size), key=lambda i: (-model.scores[i], i))


def _per_euro_order(model: SelectionModel) -> list[int]:
    # A free request comes first (infinite score per euro), by score.
    per_euro = [
        (c > 0, -s / max(int(c), 1), i)
        for i, (s, c) in enumerate(zip(model.scores, model.cents, strict=True))
    ]
    return [i for *_, i in sorted(per_euro)]


def _greedy(model: SelectionModel, order: Sequence[int]) -> tuple[int, ...]:
    # Skip-and-continue: a candidate that does not fit is passed over, the next ones are tried.
    problem = model.problem
    forced = model.lower_bounds()
    most = model.size if problem.max_awards is None else problem.max_awards
    budget, chosen = cents(problem.envelope), list[int]()
    per_region: dict[str, int] = defaultdict(int)
    for i in [i for i in order if forced[i]] + [i for i in order if not forced[i]]:
        region = model.candidates[i].commune.region
        full = problem.region_max is not None and per_region[region] >= problem.region_max
        if len(chosen) >= most or not model.eligible[i] or int(model.cents[i]) > budget or full:
            continue
        chosen.append(i)
        budget -= int(model.cents[i])
        per_region[region] += 1
    return tuple(sorted(chosen))


def ranking_baseline(model: SelectionModel) -> tuple[int, ...]:
    """Fund down the ranking (score desc, then id), must-include first, skipping what won't fit."""
    return _greedy(model, _ranking_order(model))


def score_per_euro_baseline(model: SelectionModel) -> tuple[int, ...]:
    """Fund by score per euro asked (then id), must-include first, skipping what won't fit."""
    return _greedy(model, _per_euro_order(model))


def diagnose_infeasibility(problem: SelectionProblem) -> str | None:
    """Why no portfolio can meet the rules, in French, or None when nothing obvious blocks."""
    by_id = {c.id: c for c in problem.candidates}
    forced = [by_id[i] for i in sorted(problem.must_include) if i in by_id]
    envelope = problem.envelope
    for c in forced:
        if c.id in problem.must_exclude:
            return f"La candidature « {c.id} » est à la fois imposée et exclue."
        if c.score < problem.min_score:
            return (
                f"La candidature imposée « {c.id} » a la note {score_fr(c.score)}, "
                f"sous la note minimale {score_fr(problem.min_score)}."
            )
    asked = sum((c.amount for c in forced), Decimal("0.00"))
    if asked > envelope:
        names = ", ".join(c.id for c in forced)
        return f"Les candidatures imposées ({names}) demandent {euros_fr(asked)} pour une enveloppe de {euros_fr(envelope)}."
    if problem.max_awards is not None and len(forced) > problem.max_awards:
        return (
            f"{len(forced)} candidatures sont imposées pour au plus {problem.max_awards} lauréats."
        )
    return _region_diagnosis(problem, forced) or _min_awards_diagnosis(problem, forced, asked)


def _region_diagnosis(problem: SelectionProblem, forced: list[Candidate]) -> str | None:
    if problem.region_max is None:
        return None
    regions = [c.commune.region for c in forced]
    for region in sorted(set(regions)):
        if regions.count(region) > problem.region_max:
            return (
                f"La région {region} compte {regions.count(region)} candidatures imposées "
                f"pour un plafond de {problem.region_max} lauréats par région."
            )
    return None


def _min_awards_diagnosis(
    problem: SelectionProblem, forced: list[Candidate], asked: Decimal
) -> str | None:
    wanted = problem.min_awards
    eligible = [
        c
        for c in problem.candidates
        if c.id not in problem.must_exclude
        and c.score >= problem.min_score
        and c.amount <= problem.envelope
    ]
    if len(eligible) < wanted:
        return (
            f"Il faut au moins {wanted} lauréats mais seules {len(eligible)} candidatures sont "
            f"éligibles (note minimale {score_fr(problem.min_score)}, non exclues, dans l'enveloppe)."
        )
    if problem.region_max is not None:
        per_region: dict[str, int] = defaultdict(int)
        for c in eligible:
            per_region[c.commune.region] += 1
        reachable = sum(min(problem.region_max, n) for n in per_region.values())
        if reachable < wanted:
            return (
                f"Avec au plus {problem.region_max} lauréats par région, on ne peut en retenir "
                f"que {reachable}, moins que le minimum de {wanted}."
            )
    others = sorted(c.amount for c in eligible if c.id not in problem.must_include)
    cheapest = asked + sum(others[: max(0, wanted - len(forced))], Decimal("0.00"))
    if cheapest > problem.envelope:
        return (
            f"Même avec les candidatures les moins chères, {wanted} lauréats coûteraient au moins "
            f"{euros_fr(cheapest)} pour une enveloppe de {euros_fr(problem.envelope)}."
        )
    return None


def select_portfolio(problem: SelectionProblem, *, time_limit_s: float = 30.0) -> SelectionOutcome:
    """The optimum and both baselines; raises SelectionInfeasibleError with the French reason."""
    reason = diagnose_infeasibility(problem)
    if reason:
        raise SelectionInfeasibleError(reason)
    model = build_model(problem)
    optimum = solve(problem, time_limit_s=time_limit_s, model=model)
    if optimum.status == "infeasible":
        raise SelectionInfeasibleError(optimum.reason)
    ranking = _baseline_result(model, ranking_baseline, optimum.best_bound)
    per_euro = _baseline_result(model, score_per_euro_baseline, optimum.best_bound)
    return SelectionOutcome(optimum, ranking, per_euro, model)


def _baseline_result(
    model: SelectionModel, baseline: _Baseline, bound: float | None
) -> SelectionResult:
    start = time.perf_counter()
    chosen = baseline(model)
    portfolio = evaluate_portfolio(model, chosen)
    status: Status = "heuristic" if is_feasible(model, chosen) else "min_awards_unmet"
    gap = relative_gap(bound, portfolio.objective)
    return SelectionResult(status, portfolio, gap, bound, time.perf_counter() - start)


def selection_output(outcome: SelectionOutcome) -> dict[str, object]:
    """The CLI's JSON answer: the optimum's figures and the same for each baseline."""
    output = _result_dict(outcome.optimum)
    output["baselines"] = {
        "ranking": _result_dict(outcome.ranking),
        "score_per_euro": _result_dict(outcome.score_per_euro),
    }
    return output


def _result_dict(result: SelectionResult) -> dict[str, object]:
    portfolio = result.portfolio
    return {
        "selected": list(portfolio.selected),
        "objective": round(portfolio.objective, 6),
        "score_sum": round(portfolio.score_sum, 6),
        "newly_covered_population": portfolio.newly_covered_population,
        "spent_eur": f"{portfolio.spent:.2f}",
        "gap": None if result.gap is None else round(result.gap, 9),
        "solve_seconds": round(result.solve_seconds, 3),
        "status": result.status,
    }
