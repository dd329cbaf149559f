"""The split as a mixed-integer programme, solved exactly by HiGHS through scipy.optimize.milp.

Variables: x[i, g] = 1 when present participant i sits in group g, and for every organisation
with two present people or more and every group, an integer count of colleague pairs. The
pairs count c(c-1)/2 is convex in the number c of colleagues in the group, so the tangent
cuts pairs >= j*c - j(j+1)/2 (j = 1 … size-1) make it exact once it is minimised.

Fewest pairs, then most points, is one weighted objective (see pairs_then_points). Moves, met
before them when rebalancing, are a stage of their own: minimised first, then held at their
optimum by a constraint while the weighted objective is minimised. A weight for moves would
have to outweigh (3n+1) times every possible pair, about 10^10 on a large jam, too close to
HiGHS's tolerances. Figures: docs/decisions/0001-jam-groups-solver.md.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix

from pollen.domain.jam.roster import PREFERENCE_POINTS, Group, Participant, Quota, Roster, Seating

FloatArray = npt.NDArray[np.float64]
_INFEASIBLE = 2  # scipy.optimize.milp's status codes
_PROVEN = 0


@dataclass(frozen=True, slots=True)
class Model:
    """The constraints of the programme; x[i, g] is column i * len(groups) + g."""

    present: tuple[Participant, ...]
    groups: tuple[Group, ...]
    constraint: LinearConstraint
    bounds: Bounds
    pair_columns: int  # how many pair counts follow the x columns

    @property
    def width(self) -> int:
        return len(self.present) * len(self.groups) + self.pair_columns

    def column(self, i: int, g: int) -> int:
        return i * len(self.groups) + g


@dataclass(frozen=True, slots=True)
class Solution:
    """A seating of the present participants, or why there is none."""

    status: Literal["solved", "infeasible", "timed_out"]
    seating: Seating
    optimal: bool


class _Rows:
    """Sparse rows with their bounds, appended one by one."""

    def __init__(self) -> None:
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.values: list[float] = []
        self.lower: list[float] = []
        self.upper: list[float] = []

    def add(self, cols: Sequence[int], values: Sequence[float], lower: float, upper: float) -> None:
        self.rows.extend([len(self.lower)] * len(cols))
        self.cols.extend(cols)
        self.values.extend(values)
        self.lower.append(lower)
        self.upper.append(upper)

    def constraint(self, width: int) -> LinearConstraint:
        shape = (len(self.lower), width)
        matrix = csr_matrix((self.values, (self.rows, self.cols)), shape=shape)
        return LinearConstraint(matrix, np.array(self.lower), np.array(self.upper))


def build_model(roster: Roster) -> Model:
    """Seats, sizes, kind quotas, pair cuts and pins; the roster has groups and sound pins."""
    present, groups = roster.present, roster.groups
    n, m = len(present), len(groups)
    rows = _Rows()
    for i in range(n):
        rows.add([i * m + g for g in range(m)], [1.0] * m, 1, 1)
    _add_quota_rows(rows, list(range(n)), m)
    by_kind: dict[str, list[int]] = defaultdict(list)
    by_organisation: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(present):
        by_kind[p.kind_key].append(i)
        if p.organisation_key:
            by_organisation[p.organisation_key].append(i)
    for members in by_kind.values():
        _add_quota_rows(rows, members, m)
    colleagues = [ms for ms in by_organisation.values() if len(ms) > 1]
    for o, members in enumerate(colleagues):
        for g in range(m):
            pairs = n * m + o * m + g
            for j in range(1, len(members)):
                cols = [pairs] + [i * m + g for i in members]
                rows.add(cols, [1.0] + [-float(j)] * len(members), -j * (j + 1) / 2, np.inf)
    width = n * m + len(colleagues) * m
    lower, upper = np.zeros(width), np.full(width, np.inf)
    upper[: n * m] = 1.0
    _pin(roster, lower, upper)
    return Model(present, groups, rows.constraint(width), Bounds(lower, upper), width - n * m)


def _add_quota_rows(rows: _Rows, members: Sequence[int], m: int) -> None:
    """Each group holds the floor or the ceiling of these participants' share."""
    quota = Quota(len(members), m)
    for g in range(m):
        rows.add([i * m + g for i in members], [1.0] * len(members), quota.low, quota.high)


def _pin(roster: Roster, lower: FloatArray, upper: FloatArray) -> None:
    pins = roster.pins()
    m = len(roster.groups)
    group_index = {g.id: k for k, g in enumerate(roster.groups)}
    for i, p in enumerate(roster.present):
        if p.id in pins:
            upper[i * m : (i + 1) * m] = 0.0
            lower[i * m + group_index[pins[p.id]]] = upper[i * m + group_index[pins[p.id]]] = 1.0


def pairs_objective(model: Model) -> FloatArray:
    """Same-organisation pairs, to minimise."""
    c = np.zeros(model.width)
    c[model.width - model.pair_columns :] = 1.0
    return c


def points_objective(model: Model) -> FloatArray:
    """Minus the preference points, so that minimising maximises them."""
    c = np.zeros(model.width)
    for i, p in enumerate(model.present):
        for g, group in enumerate(model.groups):
            c[model.column(i, g)] = -p.points_for(group.id)
    return c


def pairs_then_points(model: Model) -> FloatArray:
    """Fewest pairs first, then most points, as one objective: W * pairs - points.

    Points lie between 0 and 3n, so with W = 3n + 1 one pair less outweighs any gain in
    points: the weighted optimum is the lexicographic one. One weighted solve proved 1.4 to
    2.6 times faster than two stages on the benchmark's jams.
    """
    weight = PREFERENCE_POINTS[0] * len(model.present) + 1
    return weight * pairs_objective(model) + points_objective(model)


def moves_objective(model: Model, seating: Seating) -> FloatArray:
    """Minus the seated participants who stay: minimising it minimises the moves."""
    c = np.zeros(model.width)
    group_index = {group.id: g for g, group in enumerate(model.groups)}
    for i, p in enumerate(model.present):
        if seating.get(p.id) in group_index:
            c[model.column(i, group_index[seating[p.id]])] = -1.0
    return c


def solve_in_order(model: Model, objectives: Sequence[FloatArray], time_limit: float) -> Solution:
    """Minimise each objective in turn, keeping the previous ones at their optimum.

    Every objective takes integer values on integer points, so a dual bound less than one
    away from the value found proves it optimal. When the time limit stops a stage, its best
    point (or the previous stage's) is returned with optimal=False.
    """
    deadline = time.monotonic() + time_limit
    constraints = [model.constraint]
    integrality = np.ones(model.width)
    best: FloatArray | None = None
    for c in objectives:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        options = {"time_limit": remaining, "mip_rel_gap": 0.0}
        result = milp(c, integrality=integrality, bounds=model.bounds,
                      constraints=constraints, options=options)  # fmt: skip
        if result.x is None:
            if best is None:
                if result.status == _INFEASIBLE:
                    return Solution("infeasible", {}, optimal=False)
                return Solution("timed_out", {}, optimal=False)
            break
        best = np.asarray(result.x, dtype=np.float64)
        value = float(np.rint(c @ best))
        if result.status != _PROVEN or value - result.mip_dual_bound >= 1 - 1e-6:
            break
        # Half a unit of slack: the objective is integral, and HiGHS's point is only nearly so.
        constraints.append(LinearConstraint(c, -np.inf, value + 0.5))
    else:
        return _solution(model, best, optimal=True)
    if best is None:
        return Solution("timed_out", {}, optimal=False)
    return _solution(model, best, optimal=False)


def _solution(model: Model, x: FloatArray | None, *, optimal: bool) -> Solution:
    n, m = len(model.present), len(model.groups)
    if x is None or n == 0:
        return Solution("solved", {}, optimal)
    chosen = np.argmax(x[: n * m].reshape(n, m), axis=1)
    seating = {p.id: model.groups[int(g)].id for p, g in zip(model.present, chosen, strict=True)}
    return Solution("solved", seating, optimal)
