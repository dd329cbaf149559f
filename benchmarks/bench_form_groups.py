"""Benchmark: a jam's balanced working groups, proven optimal, for 150 to 1,000 participants.

`--compare` also solves the same model with OR-Tools CP-SAT (2 workers), the alternative
weighed in docs/decisions/0001-jam-groups-solver.md.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pollen.domain.jam.groups import Roster, check_split, form_groups, rebalance  # noqa: E402
from pollen.domain.jam.groups_file import parse_groups_input  # noqa: E402
from pollen.domain.jam.groups_solver import (  # noqa: E402
    build_model,
    pairs_objective,
    points_objective,
    solve_in_order,
)
from pollen.domain.jam.roster import Quota, Split, split_of  # noqa: E402

KINDS = {"entreprise": 30, "association": 28, "citoyen": 22, "administration": 14, "élu": 6}
ORGANISATION_SIZES = {1: 40, 2: 25, 3: 15, 4: 10, 5: 6, 6: 4}
# A harder case than promised: organisations of up to 15 in 8 groups, so colleagues must meet.
LARGE_ORGANISATIONS = dict.fromkeys(range(1, 16), 1)
CASES = [(150, 6, ORGANISATION_SIZES), (400, 20, ORGANISATION_SIZES),
         (1000, 30, ORGANISATION_SIZES), (1000, 8, LARGE_ORGANISATIONS)]  # fmt: skip
TARGET_SECONDS = 10.0
SEED = 2013


def roster_file(n: int, m: int, seed: int, organisations: dict[int, int]) -> dict:
    """Organisations of one kind (citizens come alone), themes of uneven appeal, a few pins."""
    rng = random.Random(seed)
    groups = [{"id": f"G{g:02}", "theme": f"Thème {g + 1}"} for g in range(m)]
    appeal = [1 / (g + 1) ** 0.8 for g in range(m)]
    participants: list[dict] = []
    while len(participants) < n:
        kind = rng.choices(list(KINDS), list(KINDS.values()))[0]
        size = (
            1
            if kind == "citoyen"
            else rng.choices(list(organisations), list(organisations.values()))[0]
        )
        organisation = "" if kind == "citoyen" else f"Organisation {len(participants)}"
        for _ in range(min(size, n - len(participants))):
            preferences: list[str] = []
            while len(preferences) < 3:
                group = groups[rng.choices(range(m), appeal)[0]]["id"]
                if group not in preferences:
                    preferences.append(group)
            participants.append({
                "id": f"P{len(participants):04}", "organisation": organisation, "kind": kind,
                "preferences": preferences, "present": rng.random() >= 0.05,
            })  # fmt: skip
    # One facilitator pinned to every third group, on their first choice.
    hosts = rng.sample([p for p in participants if p["present"]], len(range(0, m, 3)))
    fixed = [{"participant": p["id"], "group": p["preferences"][0]} for p in hosts]
    return {"groups": groups, "participants": participants, "fixed": fixed}


def parsed(data: dict) -> Roster:
    roster = parse_groups_input(data)
    assert isinstance(roster, Roster), roster
    return roster


def timed_form(roster: Roster) -> tuple[Split, float]:
    started = time.perf_counter()
    formed = form_groups(roster)
    seconds = time.perf_counter() - started
    assert formed.split is not None, formed.reasons
    check = check_split(roster, formed.split.groups)
    assert check.valid, check.breaks
    assert check.same_organisation_pairs == formed.split.same_organisation_pairs
    assert check.preference_points == formed.split.preference_points
    return formed.split, seconds


def rebalance_row(roster: Roster, split: Split, seed: int) -> tuple[str, ...]:
    """A tenth of the seated do not come back after the break; the absent ones arrive late."""
    rng = random.Random(seed)
    seating = {p: g for g, members in split.groups.items() for p in members}
    gone = set(rng.sample(sorted(seating, key=str), len(seating) // 10))
    late = Roster(
        roster.groups,
        tuple(p.__class__(p.id, p.kind, p.organisation, p.preferences, p.id not in gone)
              for p in roster.participants),
        roster.fixed,
    )  # fmt: skip
    started = time.perf_counter()
    result = rebalance(late, seating)
    seconds = time.perf_counter() - started
    assert result.split is not None, result.reasons
    assert check_split(late, result.split.groups).valid
    new = result.split
    return (f"rééquilibrage : {len(gone)} départs, {len(roster.participants) - len(seating)} "
            f"arrivées", f"{len(roster.groups)}", f"{seconds:.2f}", _yes(new.optimal),
            f"{new.same_organisation_pairs}", f"{new.preference_points} ({len(result.moves)} "
            "déplacés)")  # fmt: skip


def staged_highs_seconds(roster: Roster) -> tuple[float, str, int, int]:
    """Two HiGHS solves, fewest pairs then most points, instead of one weighted objective."""
    started = time.perf_counter()
    model = build_model(roster)
    solution = solve_in_order(model, [pairs_objective(model), points_objective(model)], 60)
    seconds = time.perf_counter() - started
    split = split_of(roster, solution.seating, optimal=solution.optimal)
    status = "oui" if split.optimal else "NON"
    return seconds, status, split.same_organisation_pairs, split.preference_points


def cp_sat_seconds(roster: Roster) -> tuple[float, str, int, int]:
    """The same model and weighted objective with CP-SAT, for the decision record."""
    from ortools.sat.python import cp_model

    present, m = roster.present, len(roster.groups)
    model = cp_model.CpModel()
    x = [[model.new_bool_var(f"x{i}_{g}") for g in range(m)] for i in range(len(present))]
    shares: dict[str, list[int]] = defaultdict(list)
    colleagues: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(present):
        model.add_exactly_one(x[i])
        shares[p.kind_key].append(i)
        if p.organisation_key:
            colleagues[p.organisation_key].append(i)
    pairs = []
    for members in [list(range(len(present))), *shares.values()]:
        q = Quota(len(members), m)
        for g in range(m):
            model.add_linear_constraint(sum(x[i][g] for i in members), q.low, q.high)
    for members in (ms for ms in colleagues.values() if len(ms) > 1):
        for g in range(m):
            count, pair = sum(x[i][g] for i in members), model.new_int_var(0, 15, "")
            for j in range(1, len(members)):
                model.add(pair >= j * count - j * (j + 1) // 2)
            pairs.append(pair)
    index = {group.id: g for g, group in enumerate(roster.groups)}
    for i, p in enumerate(present):
        if p.id in roster.pins():
            model.add(x[i][index[roster.pins()[p.id]]] == 1)
    points = sum(p.points_for(group.id) * x[i][g] for i, p in enumerate(present)
                 for g, group in enumerate(roster.groups))  # fmt: skip
    # 3n + 1 outweighs every possible preference point: one pair less always wins.
    model.minimize((3 * len(present) + 1) * sum(pairs) - points)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 2
    solver.parameters.max_time_in_seconds = 60
    started = time.perf_counter()
    status = solver.solve(model)
    seconds = time.perf_counter() - started
    proven = "oui" if status == cp_model.OPTIMAL else solver.status_name(status)
    return seconds, proven, sum(solver.value(p) for p in pairs), int(solver.value(points))


def _yes(flag: bool) -> str:
    return "oui" if flag else "NON"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--compare", action="store_true", help="résoudre aussi avec CP-SAT")
    args = parser.parse_args()
    load1, load5, _ = os.getloadavg()
    print("# Groupes de travail d'une jam (MILP pondéré, HiGHS via scipy.optimize.milp)\n")
    print(f"Machine : {len(os.sched_getaffinity(0))} cœurs (nproc), charge moyenne "
          f"{load1:.2f} / {load5:.2f} (1 / 5 min). Graine {SEED}.\n")  # fmt: skip
    print("| participants (présents) | groupes | secondes | optimal prouvé | paires | points |")
    print("|---|---:|---:|---|---:|---:|")
    rows, formed = [], []
    for n, m, organisations in CASES:
        roster = parsed(roster_file(n, m, SEED + n + m, organisations))
        split, seconds = timed_form(roster)
        largest = max(organisations)
        rows.append((f"{n} ({len(roster.present)}), organisations ≤ {largest}", f"{m}",
                     f"{seconds:.2f}", _yes(split.optimal), f"{split.same_organisation_pairs}",
                     f"{split.preference_points}"))  # fmt: skip
        if args.compare:
            for name, solve in (("HiGHS en deux étapes", staged_highs_seconds),
                                ("CP-SAT pondéré, 2 workers", cp_sat_seconds)):  # fmt: skip
                other, proven, pairs, points = solve(roster)
                rows.append((f"… même jam, {name}", f"{m}", f"{other:.2f}", proven, f"{pairs}",
                             f"{points}"))  # fmt: skip
        formed.append((roster, split, seconds))
    roster, split, seconds = formed[2]  # the promised size: 1,000 in 30 groups
    rows.append(rebalance_row(roster, split, SEED))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    verdict = "oui" if seconds < TARGET_SECONDS and split.optimal else "NON"
    print(f"\nCible : 1 000 participants en 30 groupes prouvés optimaux en moins de "
          f"{TARGET_SECONDS:.0f} s : {verdict}. Chaque répartition est revérifiée par "
          "check_split.")  # fmt: skip


if __name__ == "__main__":
    main()
