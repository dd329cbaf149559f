"""Max-flow min-cost on a bipartite network of unit arcs, with scipy: csgraph, then HiGHS."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import linprog
from scipy.sparse import block_array, csr_array, eye_array, hstack
from scipy.sparse.csgraph import maximum_flow

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]

FIRST_ARCS = 16  # per left node, its cheapest arcs in the first restricted programme
ADDED_ARCS = 16  # per left node and round, its arcs of most negative reduced cost


@dataclass(frozen=True, slots=True)
class Bipartite:
    """Arcs left[a] → right[a] of capacity one; left node i asks for demand[i] units, right
    node j takes at most capacity[j] (both non-negative)."""

    left: IntArray
    right: IntArray
    demand: IntArray
    capacity: IntArray


def max_flow_min_cost(net: Bipartite, costs: IntArray) -> IntArray:
    """The flow (0 or 1) on each arc: the most units first, then the cheapest for that many.

    The value is a maximum flow, in integers. The cheapest flow of that value is a linear
    programme solved by HiGHS: its matrix is the network's node-arc incidence with the source
    and sink arcs folded into rows, totally unimodular, so a vertex optimum is integral. HiGHS
    takes a minute on the 560,000 arcs of 2,000 × 300, so it sees each left node's cheapest few
    (and a maximum flow's, so that the value stays reachable), and the arcs that the duals price
    below zero join until none does: the duals then prove the flow optimal over every arc
    (docs/decisions/0014-assignment-min-cost-flow.md).
    """
    p = len(net.left)
    if p == 0 or not net.demand.any():
        return np.zeros(p, dtype=np.int64)
    value, active = _max_flow(net)
    cost = costs.astype(np.float64)
    active |= _cheapest_per_left(net, cost, np.ones(p, dtype=bool), FIRST_ARCS)
    while True:
        flow, reduced = _restricted_min_cost(net, cost, active, value)
        # The costs are integers and a network basis has integer duals: below zero is ≤ -1.
        priced_out = _cheapest_per_left(net, reduced, (reduced < -0.5) & ~active, ADDED_ARCS)
        if not priced_out.any():
            return flow
        active |= priced_out


def _max_flow(net: Bipartite) -> tuple[int, Mask]:
    """The most units the network carries (source → left → right → sink), and one such flow's
    arcs."""
    n, m, p = len(net.demand), len(net.capacity), len(net.left)
    sink = n + m + 1
    tails = np.concatenate([np.zeros(n, np.int64), 1 + net.left, 1 + n + np.arange(m)])
    heads = np.concatenate([1 + np.arange(n), 1 + n + net.right, np.full(m, sink)])
    caps = np.concatenate([net.demand, np.ones(p, np.int64), net.capacity])
    graph = csr_array((caps.astype(np.int32), (tails, heads)), shape=(sink + 1, sink + 1))
    result = maximum_flow(graph, 0, sink)
    used = np.asarray(result.flow[1 + net.left, 1 + n + net.right]).ravel() > 0
    return int(result.flow_value), used


def _cheapest_per_left(net: Bipartite, costs: FloatArray, among: Mask, count: int) -> Mask:
    arcs = np.flatnonzero(among)
    arcs = arcs[np.lexsort((costs[arcs], net.left[arcs]))]
    first = np.searchsorted(net.left[arcs], net.left[arcs])
    chosen = np.zeros(len(among), dtype=bool)
    chosen[arcs[np.arange(len(arcs)) - first < count]] = True
    return chosen


def _restricted_min_cost(
    net: Bipartite, costs: FloatArray, active: Mask, value: int
) -> tuple[IntArray, FloatArray]:
    """The cheapest flow of that value on the active arcs, and every arc's reduced cost."""
    n, m = len(net.demand), len(net.capacity)
    arcs = np.flatnonzero(active)
    q = len(arcs)
    per_left = csr_array((np.ones(q), (net.left[arcs], np.arange(q))), shape=(n, q))
    per_right = csr_array((np.ones(q), (net.right[arcs], np.arange(q))), shape=(m, q))
    # No row over every arc: it made the interior point three times slower. A shortfall, when
    # there is one, is carried by a slack per left node instead.
    shortfall = int(net.demand.sum()) - value
    c, upper, a_eq, b_eq = costs[arcs], np.ones(q), per_left, net.demand
    if shortfall:
        c, upper = np.r_[c, np.zeros(n)], np.r_[upper, net.demand]
        a_eq = block_array([[per_left, eye_array(n)], [None, np.ones((1, n))]])
        b_eq, per_right = np.r_[net.demand, shortfall], hstack([per_right, csr_array((m, n))])
    bounds = np.column_stack([np.zeros(len(c)), upper])
    # The interior point is the faster here and its crossover ends on a vertex; the dual
    # simplex, always on one, stands in should it not.
    for method in ("highs-ipm", "highs-ds"):
        lp = linprog(c, A_ub=per_right, b_ub=net.capacity, A_eq=a_eq, b_eq=b_eq, bounds=bounds,
                     method=method)  # fmt: skip
        if lp.status != 0:
            raise RuntimeError(f"min-cost flow failed: {lp.message}")
        on_arcs = np.rint(lp.x[:q]).astype(np.int64)
        if np.abs(lp.x[:q] - on_arcs).max() < 1e-6:
            break
    else:
        raise RuntimeError("min-cost flow: HiGHS returned a fractional flow")
    flow = np.zeros(len(net.left), dtype=np.int64)
    flow[arcs] = on_arcs
    left_duals, right_duals = lp.eqlin.marginals[:n], lp.ineqlin.marginals
    return flow, costs - left_duals[net.left] - right_duals[net.right]
