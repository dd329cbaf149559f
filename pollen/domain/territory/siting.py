"""Where to open K new sites so that the most people newly live within R km of one."""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from decimal import Decimal
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array, csr_array

from pollen.domain.territory.coverage import CandidateReach, CoverageModel, check_radius
from pollen.domain.text import Number, Share, Text, gettext_noop

GREEDY_GUARANTEE = 1.0 - 1.0 / math.e
DEFAULT_TIME_LIMIT_S = 10.0
# Above this many constraint coefficients the MILP is not attempted: HiGHS's set-up before
# its first time check alone then takes seconds (measured: 3 s at 0.9 M, 20 s at 2.4 M).
DEFAULT_MAX_NONZEROS = 1_000_000
# Dominance is found with a sparse product of the incidence matrix by its transpose; above
# this many elementary products (sum over communes of squared covering counts) it is skipped.
DEFAULT_MAX_PRODUCTS = 60_000_000


@dataclass(frozen=True, slots=True)
class SiteChoice:
    """Chosen communes (INSEE), each with the population it adds after the ones before it.

    method is "greedy" or "milp"; MILP sites are listed in greedy order among themselves.
    """

    method: str
    sites: tuple[str, ...]
    gains: tuple[int, ...]
    newly_covered_population: int


@dataclass(frozen=True, slots=True)
class ExactOutcome:
    """What the MILP proved: a stable status code, a sentence, a choice and a bound."""

    status: str
    text: Text
    choice: SiteChoice | None
    upper_bound: int
    mip_gap: float | None
    seconds: float

    @property
    def message(self) -> str:
        """The sentence in French."""
        return str(self.text)

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "message": self.message,
            "choice": None if self.choice is None else asdict(self.choice),
            "upper_bound": self.upper_bound,
            "mip_gap": self.mip_gap,
            "seconds": self.seconds,
        }


@dataclass(frozen=True, slots=True)
class ProblemSize:
    """How big the maximum-coverage problem was before and after reduction."""

    uncovered_communes: int
    reachable_communes: int
    commune_groups: int
    candidates: int
    useful_candidates: int
    milp_candidates: int
    milp_groups: int
    milp_nonzeros: int


@dataclass(frozen=True, slots=True)
class SitingReport:
    """Greedy and exact answers to "which K communes should host a new site?".

    greedy_gap: how far greedy falls short of the proven optimum, (opt - greedy) / opt, or
    None when the MILP did not prove optimality. bound_gap: (upper_bound - best) / upper_bound
    for the best choice known, 0.0 once optimality is proven.
    """

    radius_km: float
    k: int
    population: int
    covered_population: int
    size: ProblemSize
    greedy: SiteChoice
    greedy_seconds: float
    exact: ExactOutcome
    greedy_gap: float | None
    bound_gap: float

    @property
    def best(self) -> SiteChoice:
        """The better of the two choices (greedy wins ties)."""
        exact = self.exact.choice
        if exact is not None and _value(exact) > _value(self.greedy):
            return exact
        return self.greedy

    def to_json(self) -> dict[str, Any]:
        """Plain dict (JSON-serialisable) of the whole report, field by field."""
        data: dict[str, Any] = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, ExactOutcome):
                data[field.name] = value.to_json()
            else:
                data[field.name] = (
                    asdict(value) if hasattr(value, "__dataclass_fields__") else value
                )
        return data


@dataclass(frozen=True, slots=True, eq=False)
class CoverageProblem:
    """Weighted maximum coverage: commune groups (same covering candidates) and candidates.

    Communes covered by exactly the same candidates are merged into one weighted group;
    candidates covering exactly the same groups are kept once (smallest key).
    """

    keys: tuple[str, ...]
    weights: np.ndarray
    indptr: np.ndarray
    groups: np.ndarray

    def groups_of(self, candidate: int) -> np.ndarray:
        return self.groups[self.indptr[candidate] : self.indptr[candidate + 1]]


def choose_sites(
    model: CoverageModel,
    places: Iterable[tuple[float, float]],
    radius_km: float,
    k: int,
    *,
    candidates: Sequence[str] | None = None,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    max_nonzeros: int = DEFAULT_MAX_NONZEROS,
) -> SitingReport:
    """Choose up to k candidate communes (default: all) maximising the newly covered population."""
    radius = _check_inputs(radius_km, k, time_limit_s)
    existing, chosen = list(places), _candidate_order(model, candidates)
    points = np.column_stack((model.lats[chosen], model.lons[chosen]))
    reach = model.newly_covered(points, existing, radius)
    covered = model.covered_mask(existing, radius)
    problem = reduce_problem(reach, model.population, [model.communes[i].insee for i in chosen])
    start = time.perf_counter()
    greedy = greedy_choice(problem, k)
    greedy_seconds = time.perf_counter() - start
    core = drop_dominated(problem)
    exact = exact_choice(core, k, greedy, time_limit_s=time_limit_s, max_nonzeros=max_nonzeros)
    best = max(greedy.newly_covered_population, _value(exact.choice))
    proven = exact.status == "optimal"
    return SitingReport(
        radius_km=radius,
        k=k,
        population=int(model.population.sum()),
        covered_population=int(model.population[covered].sum()),
        size=ProblemSize(
            int((~covered).sum()),
            int(np.count_nonzero(np.bincount(reach.indices, minlength=1))),
            len(problem.weights),
            len(chosen),
            len(problem.keys),
            len(core.keys),
            len(core.weights),
            _nonzeros(core),
        ),
        greedy=greedy,
        greedy_seconds=greedy_seconds,
        exact=exact,
        greedy_gap=_relative(best, greedy.newly_covered_population) if proven else None,
        bound_gap=_relative(exact.upper_bound, best),
    )


def reduce_problem(
    reach: CandidateReach, population: np.ndarray, keys: Sequence[str]
) -> CoverageProblem:
    """Merge communes with the same covering candidates, drop empty and duplicate candidates.

    keys[j] names candidate j of `reach` and must be in increasing order (the tie-break).
    """
    cand = np.repeat(np.arange(len(reach), dtype=np.int64), np.diff(reach.indptr))
    commune = reach.indices.astype(np.int64)
    useful = population[commune] > 0
    group, weights = _merge_communes(cand[useful], commune[useful], population)
    return _merge_candidates(cand[useful], group, weights, keys)


def drop_dominated(
    problem: CoverageProblem, max_products: int = DEFAULT_MAX_PRODUCTS
) -> CoverageProblem:
    """Drop candidates whose groups all lie in another candidate's: the optimum stays the same.

    A solution using a dominated candidate does at least as well with its dominator instead.
    Communes are then re-merged, since fewer candidates make more covering sets equal.
    """
    n = len(problem.keys)
    sizes = np.diff(problem.indptr)
    per_group = np.bincount(problem.groups).astype(np.int64)
    if int((per_group**2).sum()) > max_products:
        return problem  # the candidate-by-candidate product would not fit in memory
    incidence = csr_array(
        (np.ones(len(problem.groups)), problem.groups, problem.indptr),
        shape=(n, len(problem.weights)),
    )
    shared = (incidence @ incidence.T).tocoo()
    # Sets are pairwise distinct here, so sharing all of j's groups means a strict superset.
    inside = (shared.data == sizes[shared.row]) & (shared.row != shared.col)
    if not inside.any():
        return problem
    keep = np.flatnonzero(np.bincount(shared.row[inside], minlength=n) == 0)
    cand = np.repeat(np.arange(len(keep), dtype=np.int64), sizes[keep])
    groups = np.concatenate([problem.groups_of(int(j)) for j in keep])
    merged, weights = _merge_communes(cand, groups, problem.weights)
    return _merge_candidates(cand, merged, weights, [problem.keys[j] for j in keep])


def greedy_choice(
    problem: CoverageProblem, k: int, *, among: Iterable[int] | None = None, method: str = "greedy"
) -> SiteChoice:
    """Lazy greedy: up to k candidates, each time the one adding most (ties: smallest key)."""
    pool = np.arange(len(problem.keys)) if among is None else np.fromiter(among, dtype=np.int64)
    covered = np.zeros(len(problem.weights), dtype=bool)
    # Every candidate covers at least one group, so no segment is empty for reduceat.
    alone = (
        np.add.reduceat(problem.weights[problem.groups], problem.indptr[:-1]) if len(pool) else pool
    )
    # Gains only shrink as communes get covered, so a stored gain is an upper bound.
    heap = [(-int(alone[j]), problem.keys[j], int(j)) for j in pool]
    heapq.heapify(heap)
    sites: list[str] = []
    gains: list[int] = []
    while heap and len(sites) < k:
        bound, key, j = heapq.heappop(heap)
        groups = problem.groups_of(j)
        gain = int(problem.weights[groups[~covered[groups]]].sum())
        if gain == -bound and gain > 0:
            sites.append(key)
            gains.append(gain)
            covered[groups] = True
        elif gain == -bound:
            break
        elif gain > 0:
            heapq.heappush(heap, (-gain, key, j))
    return SiteChoice(method, tuple(sites), tuple(gains), sum(gains))


def exact_choice(
    problem: CoverageProblem,
    k: int,
    greedy: SiteChoice,
    *,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    max_nonzeros: int = DEFAULT_MAX_NONZEROS,
) -> ExactOutcome:
    """Solve the maximum-coverage MILP with HiGHS, within a time limit, and say what it proved."""
    total = int(problem.weights.sum())
    # Greedy reaches at least (1 - 1/e) of the optimum, which caps the optimum.
    bound = min(total, math.floor(greedy.newly_covered_population / GREEDY_GUARANTEE + 1e-6))
    n_sites = len(problem.keys)
    if n_sites <= k:
        choice = greedy_choice(problem, n_sites, method="milp")
        message = (
            Text(
                gettext_noop(
                    "Les sites utiles (%(sites)s) tiennent dans les %(k)s demandés : les retenir "
                    "couvre %(people)s habitants de plus, c'est l'optimum."
                ),
                {"sites": Number(n_sites), "k": Number(k), "people": Number(total)},
            )
            if n_sites
            else Text(
                gettext_noop(
                    "Aucun site candidat n'ajoute d'habitant couvert : il n'y a rien à choisir."
                )
            )
        )
        return ExactOutcome("optimal", message, choice, total, 0.0, 0.0)
    nonzeros = _nonzeros(problem)
    if nonzeros > max_nonzeros:
        message = Text(
            gettext_noop(
                "Problème trop grand pour la résolution exacte (%(nonzeros)s coefficients, "
                "limite %(limit)s) : seule la solution gloutonne est donnée, garantie à au moins "
                "%(guarantee)s de l'optimum (au plus %(bound)s habitants)."
            ),
            {
                "nonzeros": Number(nonzeros),
                "limit": Number(max_nonzeros),
                "guarantee": Share(Decimal("0.632"), 1, fixed=True),
                "bound": Number(bound),
            },
        )
        return ExactOutcome("too_large", message, None, bound, None, 0.0)
    start = time.perf_counter()
    result = _solve_milp(problem, k, time_limit_s)
    seconds = time.perf_counter() - start
    return _outcome(problem, result, greedy, bound, time_limit_s, seconds)


def _solve_milp(problem: CoverageProblem, k: int, time_limit_s: float) -> Any:
    """min -sum(w_g y_g) s.t. y_g <= sum of x_j covering g, sum(x_j) <= k, x, y binary."""
    n_sites, n_groups = len(problem.keys), len(problem.weights)
    site_of_entry = np.repeat(np.arange(n_sites), np.diff(problem.indptr))
    rows = np.concatenate((problem.groups, np.arange(n_groups), np.full(n_sites, n_groups)))
    cols = np.concatenate((site_of_entry, n_sites + np.arange(n_groups), np.arange(n_sites)))
    data = np.concatenate((np.full(len(problem.groups), -1.0), np.ones(n_groups), np.ones(n_sites)))
    matrix = coo_array((data, (rows, cols)), shape=(n_groups + 1, n_sites + n_groups))
    upper = np.concatenate((np.zeros(n_groups), [float(k)]))
    return milp(
        c=np.concatenate((np.zeros(n_sites), -problem.weights.astype(float))),
        # y may stay continuous: for binary x its best value is min(1, covering sites), an
        # integer, and HiGHS still sees the objective as integral.
        integrality=np.concatenate((np.ones(n_sites), np.zeros(n_groups))),
        bounds=Bounds(0.0, 1.0),
        constraints=LinearConstraint(matrix, -np.inf, upper),
        # HiGHS presolve spends minutes on this structure for little reduction (measured:
        # 41 s of presolve for a 1 s LP on 17,000 rows), so it is switched off.
        options={
            "time_limit": time_limit_s,
            "mip_rel_gap": 0.0,
            "presolve": False,
            "disp": False,
        },
    )


def _outcome(
    problem: CoverageProblem,
    result: Any,
    greedy: SiteChoice,
    bound: int,
    time_limit_s: float,
    seconds: float,
) -> ExactOutcome:
    """Read HiGHS's status, solution and dual bound into a verdict with a French sentence."""
    choice = None
    if result.x is not None:
        picked = np.flatnonzero(result.x[: len(problem.keys)] > 0.5)
        choice = greedy_choice(problem, len(picked), among=picked, method="milp")
    found, known = _value(choice), max(_value(choice), greedy.newly_covered_population)
    dual = getattr(result, "mip_dual_bound", None)
    if dual is not None and math.isfinite(dual):
        bound = min(bound, math.floor(-dual + 1e-6 * max(1.0, abs(dual))))
    bound = max(bound, known)
    gap = getattr(result, "mip_gap", None)
    gap = float(gap) if gap is not None and math.isfinite(gap) else None
    if result.status == 0 and choice is not None:
        message = Text(
            gettext_noop(
                "Solution exacte prouvée optimale : %(people)s habitants nouvellement couverts "
                "(%(seconds)s s)."
            ),
            {"people": Number(found), "seconds": _decimal(seconds)},
        )
        return ExactOutcome("optimal", message, choice, found, gap, seconds)
    proven = Text(
        gettext_noop(
            "l'optimum est au plus %(bound)s habitants (écart prouvé de la meilleure solution "
            "connue : %(gap)s)."
        ),
        {"bound": Number(bound), "gap": _percent(_relative(bound, known))},
    )
    if result.status == 1:
        message = Text(
            _time_limit_template(choice is None, found < known),
            {
                "limit": _decimal(time_limit_s, None),
                "found": Number(found),
                "known": Number(known),
                "proven": proven,
            },
        )
        return ExactOutcome("time_limit", message, choice, bound, gap, seconds)
    message = Text(
        gettext_noop(
            "Le solveur exact a échoué (%(reason)s) : la solution gloutonne vaut ; %(proven)s"
        ),
        {"reason": str(result.message), "proven": proven},
    )
    return ExactOutcome("solver_failure", message, choice, bound, gap, seconds)


def _time_limit_template(no_solution: bool, greedy_better: bool) -> str:
    if no_solution and greedy_better:
        return gettext_noop(
            "Arrêt sur la limite de temps (%(limit)s s), sans solution, la solution gloutonne "
            "(%(known)s) reste la meilleure ; %(proven)s"
        )
    if no_solution:
        return gettext_noop(
            "Arrêt sur la limite de temps (%(limit)s s), sans solution ; %(proven)s"
        )
    if greedy_better:
        return gettext_noop(
            "Arrêt sur la limite de temps (%(limit)s s), solveur à %(found)s habitants, la "
            "solution gloutonne (%(known)s) reste la meilleure ; %(proven)s"
        )
    return gettext_noop(
        "Arrêt sur la limite de temps (%(limit)s s), solveur à %(found)s habitants ; %(proven)s"
    )


def _merge_communes(
    cand: np.ndarray, commune: np.ndarray, population: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each pair, the group of its commune; and each group's population."""
    order = np.lexsort((cand, commune))
    by_cand, by_commune = cand[order], commune[order]
    starts, _ = _runs(by_commune)
    ids: dict[bytes, int] = {}
    segments = np.split(by_cand, starts[1:]) if len(starts) else []
    group_of = np.array([ids.setdefault(s.tobytes(), len(ids)) for s in segments], np.int64)
    firsts = by_commune[starts]
    weights = np.bincount(group_of, weights=population[firsts], minlength=len(ids))
    return group_of[np.searchsorted(firsts, commune)], np.rint(weights).astype(np.int64)


def _merge_candidates(
    cand: np.ndarray, group: np.ndarray, weights: np.ndarray, keys: Sequence[str]
) -> CoverageProblem:
    width = max(len(weights), 1)
    codes = np.sort(cand * width + group)  # by candidate then group
    # np.unique hashes in NumPy 2.x, several times slower than this on sorted codes.
    codes = codes[np.diff(codes, prepend=-1) != 0]
    cand, group = codes // width, codes % width
    starts, ends = _runs(cand)
    kept: dict[bytes, tuple[int, int, int]] = {}
    for s, e in zip(starts, ends, strict=True):
        # Candidates come in key order: the first of identical ones has the smallest key.
        kept.setdefault(group[s:e].tobytes(), (int(cand[s]), int(s), int(e)))
    chosen = sorted(kept.values())
    lengths = [e - s for _, s, e in chosen]
    return CoverageProblem(
        keys=tuple(keys[j] for j, _, _ in chosen),
        weights=weights,
        indptr=np.concatenate(([0], np.cumsum(lengths, dtype=np.int64))).astype(np.int64),
        groups=np.concatenate([group[s:e] for _, s, e in chosen] or [np.zeros(0, np.int64)]),
    )


def _runs(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end positions of the runs of equal values in a sorted array."""
    starts = np.flatnonzero(np.diff(values, prepend=values[:1] - 1)) if len(values) else values
    return starts, np.append(starts[1:], len(values)).astype(np.int64)[: len(starts)]


def _nonzeros(problem: CoverageProblem) -> int:
    return len(problem.groups) + len(problem.weights) + len(problem.keys)


def _candidate_order(model: CoverageModel, candidates: Sequence[str] | None) -> list[int]:
    """Commune positions of the candidates, in INSEE order (the tie-break), once each."""
    pool = {model.index_of(c) for c in candidates} if candidates is not None else range(len(model))
    return sorted(pool, key=lambda i: model.communes[i].insee)


def _check_inputs(radius_km: float, k: int, time_limit_s: float) -> float:
    radius = check_radius(radius_km)
    if isinstance(k, bool) or not isinstance(k, int) or k < 0:
        raise ValueError(f"Le nombre de sites doit être un entier positif ou nul (reçu : {k}).")
    if not (math.isfinite(time_limit_s) and time_limit_s > 0):
        raise ValueError(f"La limite de temps doit être positive (reçu : {time_limit_s} s).")
    return radius


def _value(choice: SiteChoice | None) -> int:
    return choice.newly_covered_population if choice is not None else 0


def _relative(reference: int, value: int) -> float:
    return (reference - value) / reference if reference else 0.0


def _decimal(x: float, digits: int | None = 1) -> Number:
    """A measure to `digits` decimals, or as given (`None`: 2.5 stays 2,5, 10 stays 10)."""
    if digits is None:
        value = Decimal(f"{x:g}")
        return Number(value, max(-int(value.as_tuple().exponent), 0))
    return Number(Decimal(f"{x:.{digits}f}"), digits)


def _percent(x: float) -> Share:
    return Share(Decimal(str(x)), 2, fixed=True)
