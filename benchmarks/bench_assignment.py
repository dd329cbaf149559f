"""Benchmark: optimal expert assignment for 2,000 applications and 300 experts, k = 3."""

from __future__ import annotations

import csv
import functools
import os
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
from scipy.optimize import Bounds, LinearConstraint, linprog, milp  # noqa: E402
from scipy.sparse import csr_matrix  # noqa: E402

from pollen.domain.review.assignment import (  # noqa: E402
    AssignmentProblem,
    affinity,
    conflict_reason,
    parse_assignment_input,
    run_assignment,
    solve_assignment,
)

DATA_DIR = Path(os.environ.get("POLLEN_DATA_DIR", REPO.parent / "shared" / "data"))
COMMUNES_CSV = DATA_DIR / "communes-coordonnees-fusion" / "communes_coordonnees_decoupage6.csv"
TAGS = [
    "laser", "impression_3d", "cnc", "electronique", "education", "inclusion_sociale",
    "entrepreneuriat", "rural", "modele_economique", "textile", "bois", "robotique",
    "numerique_responsable", "reemploi", "art_design",
]  # fmt: skip
TARGET_SECONDS = 5.0
SEED = 2013


@functools.cache
def communes() -> tuple[list[str], list[int], str]:
    """INSEE codes weighted by population: experts and fablabs sit where people live."""
    if not COMMUNES_CSV.exists():
        codes = [f"{d:02}{c:03}" for d in range(1, 96) if d != 20 for c in range(1, 30)]
        return codes, [1] * len(codes), "codes INSEE synthétiques (données absentes)"
    codes, weights = [], []
    with COMMUNES_CSV.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["type"] == "commune-actuelle" and row["latitude"]:
                codes.append(row["code_insee"])
                weights.append(int(row["population"] or 0) + 1)
    return codes, weights, f"{len(codes)} communes actuelles, tirées selon la population"


def instance(n_apps: int, n_experts: int, k: int, seed: int, loads: tuple[int, int]) -> dict:
    rng = random.Random(seed)
    codes, weights, _ = communes()
    places = rng.choices(codes, weights, k=n_apps + n_experts)
    app_ids = [f"A{i:04}" for i in range(n_apps)]
    apps = [
        {
            "id": app_id,
            "organisation": f"ORG{i:04}",
            "commune_insee": places[i],
            "tags": rng.sample(TAGS, rng.randint(1, 4)),
        }
        for i, app_id in enumerate(app_ids)
    ]
    experts = []
    for j in range(n_experts):
        # One expert in ten works for an applying organisation.
        org = f"ORG{rng.randrange(n_apps):04}" if rng.random() < 0.1 else f"EXP{j:03}"
        declared = [a for a in app_ids if rng.random() < 0.05]
        experts.append(
            {
                "id": f"E{j:03}",
                "organisation": org,
                "commune_insee": places[n_apps + j],
                "tags": rng.sample(TAGS, rng.randint(2, 5)),
                "max_load": rng.randint(*loads),
                "conflicts": declared,
            }
        )
    return {
        "reviewers_per_application": k,
        "default_max_load": loads[0],
        "conflict_same_departement": True,
        "applications": apps,
        "experts": experts,
    }


def lp_bound(problem: AssignmentProblem, *, integral: bool) -> tuple[float, float]:
    """The LP relaxation's optimum (an upper bound) or the MILP's, solved by HiGHS, and its time."""
    started = time.perf_counter()
    rows, cols, gains = [], [], []
    n = len(problem.applications)
    for i, app in enumerate(problem.applications):
        for j, expert in enumerate(problem.experts):
            why = conflict_reason(app, expert, same_departement=problem.conflict_same_departement)
            if why is None and expert.max_load > 0:
                rows.append(i)
                cols.append(j)
                gains.append(affinity(app, expert))
    p = len(gains)
    arcs = np.arange(p)
    a_apps = csr_matrix((np.ones(p), (rows, arcs)), shape=(n, p))
    a_experts = csr_matrix((np.ones(p), (cols, arcs)), shape=(len(problem.experts), p))
    k = problem.reviewers_per_application
    loads = np.array([e.max_load for e in problem.experts], dtype=float)
    if integral:
        constraints = [LinearConstraint(a_apps, k, k), LinearConstraint(a_experts, 0, loads)]
        result = milp(-np.array(gains, float), constraints=constraints,
                      integrality=np.ones(p), bounds=Bounds(0, 1))  # fmt: skip
    else:
        result = linprog(-np.array(gains, float), A_ub=a_experts, b_ub=loads, A_eq=a_apps,
                         b_eq=np.full(n, k), bounds=(0, 1), method="highs")  # fmt: skip
    if result.status != 0:
        raise RuntimeError(result.message)
    return -result.fun, time.perf_counter() - started


def timed_solve(data: dict) -> tuple[dict, float, AssignmentProblem, float]:
    started = time.perf_counter()
    problem = parse_assignment_input(data)
    parsed = time.perf_counter()
    result = solve_assignment(problem)
    solved = time.perf_counter()
    assert result.feasible, result.reasons
    return run_assignment(data), solved - started, problem, parsed - started


def check_valid(problem: AssignmentProblem, output: dict) -> int:
    """Recount the hard constraints and the affinity from the output alone."""
    apps = {a.id: a for a in problem.applications}
    experts = {e.id: e for e in problem.experts}
    loads: dict[str, int] = {}
    total = 0
    for app_id, chosen in output["assignments"].items():
        assert len(chosen) == problem.reviewers_per_application
        for expert_id in chosen:
            app, expert = apps[app_id], experts[expert_id]
            assert conflict_reason(app, expert, same_departement=True) is None
            loads[expert_id] = loads.get(expert_id, 0) + 1
            total += affinity(app, expert)
    assert all(loads[e] <= experts[e].max_load for e in loads)
    assert total == output["total_affinity"]
    return total


def full_scale_rows() -> list[tuple[str, str, str]]:
    data = instance(2000, 300, 3, SEED, (20, 25))
    output, seconds, problem, parse_seconds = timed_solve(data)
    total = check_valid(problem, output)
    again, _, _, _ = timed_solve(data)
    pairs = sum(
        conflict_reason(a, e, same_departement=True) is not None
        for a in problem.applications
        for e in problem.experts
    )
    capacity = sum(e.max_load for e in problem.experts)
    lp_full, lp_seconds = lp_bound(problem, integral=False)
    gap = lp_full - total
    return [
        ("candidatures × experts, k", "2 000 × 300, k = 3", ""),
        ("paires en conflit (déclaré, organisation, département)",
         f"{pairs} ({100 * pairs / 600_000:.1f} %)", ""),
        ("affectations demandées / charge totale", f"6000 / {capacity}", ""),
        ("temps lecture JSON + résolution", f"{seconds:.2f} s (dont lecture {parse_seconds:.2f} s)",
         f"< {TARGET_SECONDS:.0f} s : {'oui' if seconds < TARGET_SECONDS else 'NON'}"),
        ("affinité totale (flot)", f"{total}", "contraintes revérifiées : oui"),
        ("borne de la relaxation LP (HiGHS)", f"{lp_full:.3f} en {lp_seconds:.1f} s",
         f"écart {gap:.3f} : {'optimal' if gap < 1e-6 else 'À VOIR'}"),
        ("déterminisme (2 résolutions)", "identiques" if again == output else "DIFFÉRENTES", ""),
    ]  # fmt: skip


def other_rows() -> list[tuple[str, str, str]]:
    small = instance(300, 45, 3, SEED + 1, (20, 25))
    output, seconds, problem, _ = timed_solve(small)
    exact, milp_seconds = lp_bound(problem, integral=True)
    short = instance(2000, 300, 3, SEED, (15, 19))
    started = time.perf_counter()
    reasons = run_assignment(short).get("reasons", [])
    short_seconds = time.perf_counter() - started
    found = output["total_affinity"]
    return [
        ("petite instance 300 × 45 : flot / MILP",
         f"{found} ({seconds:.2f} s) / {exact:.0f} ({milp_seconds:.1f} s)",
         "égaux" if abs(found - exact) < 1e-6 else "DIFFÉRENTS"),
        ("instance irréalisable (charges 15–19) : diagnostic", f"{short_seconds:.2f} s",
         ", ".join(r["code"] for r in reasons)),
    ]  # fmt: skip


def main() -> None:
    load1, load5, _ = os.getloadavg()
    print("# Affectation optimale des experts (min-cost flow, OR-Tools)\n")
    print(f"Machine : {len(os.sched_getaffinity(0))} cœurs (nproc), charge moyenne {load1:.2f} / {load5:.2f} "
          f"(1 / 5 min). Communes : {communes()[2]}.\n")  # fmt: skip
    print("| mesure | valeur | cible / verdict |")
    print("|---|---|---|")
    for row in full_scale_rows() + other_rows():
        print("| " + " | ".join(row) + " |")
    print(
        "\nCertificat : la matrice du problème de transport est totalement unimodulaire, donc le "
        "flot à coût minimal entier est un optimum du programme linéaire ; la borne LP ci-dessus "
        "le confirme numériquement."
    )


if __name__ == "__main__":
    main()
