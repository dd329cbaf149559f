"""A jam's balanced working groups: the optimal split, its rebalancing, and its checks.

The rules: every present participant in exactly one group; group sizes differ by at most
one; every group holds the floor or the ceiling of its share of each kind of participant;
pins hold. Among the splits that respect them, the fewest pairs of colleagues (people of one
organisation) sharing a group, then the most preference points (3, 2, 1 for the first three).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pollen.domain.jam.groups_pins import generic_infeasibility, pin_reasons
from pollen.domain.jam.groups_rules import SplitCheck, check_split, rule_breaks
from pollen.domain.jam.groups_solver import (
    FloatArray,
    Model,
    build_model,
    moves_objective,
    pairs_then_points,
    solve_in_order,
)
from pollen.domain.jam.roster import (
    Group,
    Move,
    Participant,
    Pin,
    Reason,
    Roster,
    RosterError,
    Seating,
    Split,
    split_of,
)
from pollen.domain.text import Text, gettext_noop

__all__ = [
    "DEFAULT_TIME_LIMIT",
    "Formed",
    "Group",
    "Move",
    "Participant",
    "Pin",
    "Reason",
    "Rebalanced",
    "Roster",
    "RosterError",
    "Split",
    "SplitCheck",
    "check_split",
    "form_groups",
    "rebalance",
    "rule_breaks",
]

DEFAULT_TIME_LIMIT = 60.0  # seconds; a large jam is proven optimal in about one


@dataclass(frozen=True, slots=True)
class Formed:
    """The optimal split, or the reasons the rules cannot all hold."""

    split: Split | None
    reasons: tuple[Reason, ...] = ()

    @property
    def feasible(self) -> bool:
        return self.split is not None


@dataclass(frozen=True, slots=True)
class Rebalanced:
    """The new split and who changes group, or the reasons the rules cannot all hold."""

    split: Split | None
    moves: tuple[Move, ...] = ()
    reasons: tuple[Reason, ...] = ()

    @property
    def feasible(self) -> bool:
        return self.split is not None


def form_groups(roster: Roster, *, time_limit: float = DEFAULT_TIME_LIMIT) -> Formed:
    """The split with the fewest colleague pairs, then the most preference points."""
    split, reasons = _solve(roster, lambda model: [pairs_then_points(model)], time_limit)
    return Formed(split, reasons)


def rebalance(
    roster: Roster, seating: Seating, *, time_limit: float = DEFAULT_TIME_LIMIT
) -> Rebalanced:
    """After no-shows and late arrivals, the rules again with the fewest people moved.

    `seating` is the current split (participant → group); the roster's `present` flags say
    who is here now. Only present participants already seated can move: late arrivals take
    a seat and absent people leave theirs, neither counts. Then fewest pairs, most points.
    """
    for participant, group in seating.items():
        if roster.group(group) is None:
            raise RosterError(f"« {participant} » est placé dans un groupe inconnu « {group} ».")
    known = {p.id for p in roster.participants}
    for participant in seating:
        if participant not in known:
            raise RosterError(f"« {participant} » est placé mais n'est pas un participant.")

    def objectives(model: Model) -> list[FloatArray]:
        return [moves_objective(model, seating), pairs_then_points(model)]

    split, reasons = _solve(roster, objectives, time_limit)
    if split is None:
        return Rebalanced(None, (), reasons)
    now = {pid: group for group, ids in split.groups.items() for pid in ids}
    moves = tuple(
        Move(p.id, seating[p.id], now[p.id])
        for p in roster.present
        if p.id in seating and seating[p.id] != now[p.id]
    )
    return Rebalanced(split, moves)


def _solve(
    roster: Roster,
    objectives: Callable[[Model], Sequence[FloatArray]],
    time_limit: float,
) -> tuple[Split | None, tuple[Reason, ...]]:
    if time_limit <= 0:
        raise RosterError("Le temps de calcul doit être positif.")
    reasons = pin_reasons(roster)
    if reasons:
        return None, reasons
    if not roster.present:
        return split_of(roster, {}, optimal=True), ()
    model = build_model(roster)
    solution = solve_in_order(model, objectives(model), time_limit)
    if solution.status == "infeasible":
        return None, (generic_infeasibility(),)
    if solution.status == "timed_out":
        template = gettext_noop(
            "Aucune répartition trouvée en %(seconds)s s : accordez plus de temps au calcul."
        )
        return None, (Reason("timed_out", Text(template, {"seconds": f"{time_limit:g}"})),)
    return split_of(roster, solution.seating, optimal=solution.optimal), ()
