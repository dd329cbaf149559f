"""Expert assignment: exact optimum, hard constraints, explained infeasibility, JSON input."""

from __future__ import annotations

import copy
import random
from collections import Counter
from itertools import combinations, product
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pollen.domain.review.assignment import (
    Application,
    AssignmentInputError,
    AssignmentProblem,
    AssignmentResult,
    Expert,
    affinity,
    assignment_as_dict,
    conflict_reason,
    infeasibility_as_dict,
    parse_assignment_input,
    run_assignment,
    solve_assignment,
)

TAGS = ["laser", " Laser", "CNC", "cnc ", "bois", "textile", "education"]
ORGS = ["", "", "", "ORG1", "org1 ", "ORG2", "ORG3"]
COMMUNES = ["", "35238", "35047", "75056", "69123", "2A004", "2B033", "97411"]


@st.composite
def problems(draw: st.DrawFn, max_apps: int = 4, max_experts: int = 5) -> AssignmentProblem:
    n = draw(st.integers(1, max_apps))
    m = draw(st.integers(1, max_experts))
    app_ids = [f"A{i}" for i in range(n)]
    tags = st.frozensets(st.sampled_from(TAGS), max_size=3)
    apps = tuple(
        Application(a, draw(st.sampled_from(ORGS)), draw(st.sampled_from(COMMUNES)), draw(tags))
        for a in app_ids
    )
    experts = tuple(
        Expert(
            f"E{j}",
            draw(st.integers(0, 4)),
            draw(st.sampled_from(ORGS)),
            draw(st.sampled_from(COMMUNES)),
            draw(tags),
            draw(st.frozensets(st.sampled_from(app_ids), max_size=2)),
        )
        for j in range(m)
    )
    pairs = [(a, e.id) for a in app_ids for e in experts]
    forced = draw(st.frozensets(st.sampled_from(pairs), max_size=2 if draw(st.booleans()) else 0))
    forbidden = draw(st.frozensets(st.sampled_from(pairs), max_size=3)) - forced
    k = draw(st.integers(1, 2))
    return AssignmentProblem(k, apps, experts, draw(st.booleans()), forced, forbidden)


def allowed(problem: AssignmentProblem, app: Application, expert: Expert) -> bool:
    conflicted = conflict_reason(app, expert, same_departement=problem.conflict_same_departement)
    return conflicted is None and (app.id, expert.id) not in problem.forbidden


def brute_force_optimum(problem: AssignmentProblem) -> int | None:
    """Best total affinity over every feasible assignment, enumerated; None when there is none."""
    k = problem.reviewers_per_application
    options = []
    for app in problem.applications:
        candidates = [e for e in problem.experts if allowed(problem, app, e)]
        forced_here = {e for a, e in problem.forced if a == app.id}
        options.append([c for c in combinations(candidates, k) if forced_here <= {e.id for e in c}])
    best = None
    for choice in product(*options):
        loads = Counter(e.id for chosen in choice for e in chosen)
        if any(loads[e.id] > e.max_load for e in problem.experts):
            continue
        value = sum(
            affinity(app, e)
            for app, chosen in zip(problem.applications, choice, strict=True)
            for e in chosen
        )
        best = value if best is None else max(best, value)
    return best


def assert_respects_hard_constraints(problem: AssignmentProblem, result: AssignmentResult) -> None:
    apps = {a.id: a for a in problem.applications}
    experts = {e.id: e for e in problem.experts}
    loads = Counter(e for chosen in result.assignments.values() for e in chosen)
    assert all(loads[e] <= experts[e].max_load for e in loads)
    total = 0
    for app_id, chosen in result.assignments.items():
        assert list(chosen) == sorted(set(chosen))
        assert len(chosen) <= problem.reviewers_per_application
        for expert_id in chosen:
            assert allowed(problem, apps[app_id], experts[expert_id])
            total += affinity(apps[app_id], experts[expert_id])
    assert result.total_affinity == total


@settings(max_examples=300, deadline=None)
@given(problems())
def test_it_finds_the_brute_force_optimum_on_small_instances(problem: AssignmentProblem) -> None:
    result = solve_assignment(problem)
    best = brute_force_optimum(problem)
    assert result.feasible == (best is not None)
    if result.feasible:
        assert result.total_affinity == best
        assert_respects_hard_constraints(problem, result)
        assert set(result.assignments) == {a.id for a in problem.applications}
        assert all(len(c) == problem.reviewers_per_application for c in result.assignments.values())
        assert all(e in result.assignments[a] for a, e in problem.forced)
    else:
        assert result.reasons


@settings(max_examples=100, deadline=None)
@given(problems(max_apps=15, max_experts=8))
def test_it_never_overloads_nor_pairs_conflicts_even_when_short(problem: AssignmentProblem) -> None:
    result = solve_assignment(problem)
    if result.assignments:
        assert_respects_hard_constraints(problem, result)


Lexicographic = tuple[int, int]  # (minus affinity, expert rank): compared and added as tuples


def reference_flow(problem: AssignmentProblem) -> tuple[int, int, int]:
    """(pairs, affinity, sum of expert ranks) of the best assignment, by successive shortest paths.

    An independent oracle: Bellman-Ford on the residual network, one pair at a time, with
    costs compared as tuples (no big-M weight, no LP), forced pairs taken off beforehand.
    """
    apps, experts = problem.applications, sorted(problem.experts, key=lambda e: e.id)
    n, m = len(apps), len(experts)
    source, sink = n + m, n + m + 1
    residual: dict[tuple[int, int], int] = Counter()
    cost: dict[tuple[int, int], Lexicographic] = {}

    def arc(tail: int, head: int, capacity: int, weight: Lexicographic = (0, 0)) -> None:
        residual[tail, head] += max(capacity, 0)
        cost[tail, head], cost[head, tail] = weight, (-weight[0], -weight[1])

    forced = {(a, e) for a, e in problem.forced}
    for i, app in enumerate(apps):
        arc(source, i, problem.reviewers_per_application - sum(a == app.id for a, _ in forced))
        for j, expert in enumerate(experts):
            if allowed(problem, app, expert) and (app.id, expert.id) not in forced:
                arc(i, n + j, 1, (-affinity(app, expert), j))
    for j, expert in enumerate(experts):
        arc(n + j, sink, expert.max_load - sum(e == expert.id for _, e in forced))
    pairs, total, ranks = 0, 0, 0
    while True:
        distance: dict[int, Lexicographic] = {source: (0, 0)}
        parent: dict[int, int] = {}
        for _ in range(n + m + 1):
            for (tail, head), left in list(residual.items()):
                if left and tail in distance:
                    through = tuple(map(sum, zip(distance[tail], cost[tail, head], strict=True)))
                    if head not in distance or through < distance[head]:
                        distance[head], parent[head] = through, tail  # type: ignore[assignment]
        if sink not in distance:
            break
        node = sink
        while node != source:
            residual[parent[node], node] -= 1
            residual[node, parent[node]] += 1
            node = parent[node]
        pairs += 1
        total -= distance[sink][0]
        ranks += distance[sink][1]
    by_id = {e.id: j for j, e in enumerate(experts)}
    ids = {a.id: a for a in apps}
    for a, e in forced:
        pairs += 1
        total += affinity(ids[a], experts[by_id[e]])
        ranks += by_id[e]
    return pairs, total, ranks


@settings(max_examples=150, deadline=None)
@given(problems(max_apps=12, max_experts=8))
def test_it_matches_an_independent_min_cost_flow(problem: AssignmentProblem) -> None:
    result = solve_assignment(problem)
    assume(result.assignments)  # not refused for its forced pairs
    rank = {e.id: j for j, e in enumerate(sorted(problem.experts, key=lambda e: e.id))}
    chosen = [e for experts in result.assignments.values() for e in experts]
    found = (len(chosen), result.total_affinity, sum(rank[e] for e in chosen))
    assert found == reference_flow(problem)


def forced_count(problem: AssignmentProblem, *, app: str = "", expert: str = "") -> int:
    return sum(1 for a, e in problem.forced if a == app or e == expert)


def usable_experts(problem: AssignmentProblem, app: Application) -> int:
    """Experts allowed for the application with room left after the forced pairs."""
    return sum(
        1
        for e in problem.experts
        if allowed(problem, app, e)
        and ((app.id, e.id) in problem.forced or e.max_load > forced_count(problem, expert=e.id))
    )


def assert_local_group_cannot_be_served(
    problem: AssignmentProblem, reason_apps: set[str], reason_experts: set[str]
) -> None:
    """The group's own demand exceeds an upper bound on what can reach it: a real certificate."""
    experts = {e.id: e for e in problem.experts}
    bound = sum(forced_count(problem, app=a) for a in reason_apps)
    bound += sum(experts[e].max_load - forced_count(problem, expert=e) for e in reason_experts)
    for app in problem.applications:
        if app.id not in reason_apps:
            continue
        for expert in problem.experts:
            spare = expert.max_load - forced_count(problem, expert=expert.id)
            outside = expert.id not in reason_experts and (app.id, expert.id) not in problem.forced
            bound += int(outside and spare > 0 and allowed(problem, app, expert))
    assert bound < problem.reviewers_per_application * len(reason_apps)


@settings(max_examples=150, deadline=None)
@given(problems(max_apps=8, max_experts=6))
def test_it_explains_infeasibility_with_reasons_that_hold(problem: AssignmentProblem) -> None:
    result = solve_assignment(problem)
    codes = {r.code for r in result.reasons}
    k = problem.reviewers_per_application
    if codes & {"forced_pair_conflicted", "too_many_forced_experts", "forced_over_load"}:
        assert not result.feasible
        return
    short_capacity = sum(e.max_load for e in problem.experts) < k * len(problem.applications)
    assert ("capacity_short" in codes) == short_capacity
    few = [a.id for a in problem.applications if usable_experts(problem, a) < k]
    named = [r.applications for r in result.reasons if r.code == "too_few_experts_without_conflict"]
    assert named == ([tuple(few)] if few else [])
    for reason in result.reasons:
        if reason.code == "local_capacity_short":
            assert_local_group_cannot_be_served(
                problem, set(reason.applications), set(reason.experts)
            )
    assert result.feasible == (not result.reasons)


@settings(max_examples=50, deadline=None)
@given(problems(max_apps=10, max_experts=8), st.randoms(use_true_random=False))
def test_it_gives_the_same_answer_whatever_the_input_order(
    problem: AssignmentProblem, rng: random.Random
) -> None:
    apps, experts = list(problem.applications), list(problem.experts)
    rng.shuffle(apps)
    rng.shuffle(experts)
    shuffled = AssignmentProblem(
        problem.reviewers_per_application,
        tuple(apps),
        tuple(experts),
        problem.conflict_same_departement,
        problem.forced,
        problem.forbidden,
    )
    first, again, other = (solve_assignment(p) for p in (problem, problem, shuffled))
    assert first == again == other


def test_it_breaks_ties_by_expert_id() -> None:
    experts = tuple(Expert(f"E{j}", 5, tags=frozenset({"bois"})) for j in (3, 1, 2))
    problem = AssignmentProblem(2, (Application("A1", tags=frozenset({"bois"})),), experts)
    assert solve_assignment(problem).assignments == {"A1": ("E1", "E2")}


def test_it_beats_the_greedy_choice() -> None:
    # Greedy gives E1 to A1 (2 shared tags, E1 sorting first) and leaves A2 with E2 (none): 2.
    a1 = Application("A1", tags=frozenset({"laser", "cnc", "bois"}))
    a2 = Application("A2", tags=frozenset({"laser"}))
    e1 = Expert("E1", 1, tags=frozenset({"laser", "cnc"}))
    e2 = Expert("E2", 1, tags=frozenset({"cnc", "bois"}))
    result = solve_assignment(AssignmentProblem(1, (a1, a2), (e1, e2)))
    assert result.assignments == {"A1": ("E2",), "A2": ("E1",)}
    assert result.total_affinity == 3


def test_it_counts_shared_tags_trimmed_and_case_insensitive() -> None:
    app = Application("A1", tags=frozenset({" Laser", "CNC", "bois"}))
    expert = Expert("E1", 1, tags=frozenset({"laser ", "cnc", "textile"}))
    assert affinity(app, expert) == 2


@pytest.mark.parametrize(
    ("app_insee", "expert_insee", "same_departement", "expected"),
    [
        ("35238", "35047", True, "same_departement"),
        ("35238", "35047", False, None),
        ("2A004", "2B033", True, None),
        ("97411", "97415", True, "same_departement"),
        ("97411", "97209", True, None),
        ("", "35047", True, None),
    ],
)
def test_it_sees_departement_conflicts_from_insee_codes(
    app_insee: str, expert_insee: str, same_departement: bool, expected: str | None
) -> None:
    app = Application("A1", "ORG1", app_insee)
    expert = Expert("E1", 1, "ORG2", expert_insee)
    assert conflict_reason(app, expert, same_departement=same_departement) == expected


def test_it_sees_declared_and_same_organisation_conflicts() -> None:
    app = Application("A1", "Fablab  de Rennes")
    assert conflict_reason(app, Expert("E1", 1, "fablab de rennes"), same_departement=False) == (
        "same_organisation"
    )
    declared = Expert("E2", 1, "ORG9", conflicts=frozenset({"A1"}))
    assert conflict_reason(app, declared, same_departement=False) == "declared"
    assert conflict_reason(Application("A2"), Expert("E3", 1), same_departement=False) is None


def test_it_keeps_forced_pairs_and_avoids_forbidden_ones() -> None:
    apps = (Application("A1", tags=frozenset({"laser"})),)
    experts = tuple(
        Expert(f"E{j}", 1, tags=frozenset({"laser"} if j < 3 else ())) for j in range(5)
    )
    problem = AssignmentProblem(
        2, apps, experts, forced=frozenset({("A1", "E4")}), forbidden=frozenset({("A1", "E0")})
    )
    assert solve_assignment(problem).assignments == {"A1": ("E1", "E4")}


def test_it_reports_a_forced_pair_that_is_conflicted() -> None:
    problem = AssignmentProblem(
        1,
        (Application("A1", "ORG1"),),
        (Expert("E1", 3, "ORG1"), Expert("E2", 3)),
        forced=frozenset({("A1", "E1")}),
    )
    result = solve_assignment(problem)
    assert not result.feasible
    [reason] = result.reasons
    assert (reason.code, reason.applications, reason.experts) == (
        "forced_pair_conflicted",
        ("A1",),
        ("E1",),
    )
    assert "même organisation" in reason.message


def test_it_names_applications_with_too_few_experts_without_conflict() -> None:
    apps = tuple(Application(f"A{i}", "ORG1" if i in (3, 7) else "") for i in range(10))
    experts = (Expert("E1", 10, "ORG1"), Expert("E2", 10), Expert("E3", 10, "ORG1"))
    result = solve_assignment(AssignmentProblem(2, apps, experts))
    [reason] = result.reasons
    assert reason.code == "too_few_experts_without_conflict"
    assert reason.applications == ("A3", "A7")
    assert reason.message.startswith(
        "Ces 2 candidatures ont moins de 2 experts sans conflit : A3, A7."
    )


def test_it_reports_a_global_capacity_shortage_with_the_figures() -> None:
    apps = tuple(Application(f"A{i:03}") for i in range(150))
    experts = tuple(Expert(f"E{j:02}", 20) for j in range(14))
    result = solve_assignment(AssignmentProblem(2, apps, experts))
    assert not result.feasible
    assert infeasibility_as_dict(result)["reasons"] == [
        {
            "code": "capacity_short",
            "message": "Il faut 300 affectations mais la charge maximale totale des experts "
            "n'en permet que 280 : augmentez la charge maximale ou ajoutez des experts.",
            "applications": [],
            "experts": [],
        }
    ]
    assert sum(len(c) for c in result.assignments.values()) == 280


def test_it_finds_a_group_whose_experts_cannot_cover_it() -> None:
    # A1 and A2 can each be reviewed by E1 only, who takes one application: Hall's condition fails.
    apps = (Application("A1"), Application("A2"), Application("A3"))
    experts = (Expert("E1", 1), Expert("E2", 5, conflicts=frozenset({"A1", "A2"})))
    result = solve_assignment(AssignmentProblem(1, apps, experts))
    [reason] = result.reasons
    assert (reason.code, reason.applications, reason.experts) == (
        "local_capacity_short",
        ("A1", "A2"),
        ("E1",),
    )
    assert "besoin de 2 affectations" in reason.message
    assert "n'en permettent que 1" in reason.message


EXAMPLE = {
    "reviewers_per_application": 2,
    "default_max_load": 8,
    "conflict_same_departement": True,
    "applications": [
        {"id": "A1", "organisation": "ORG1", "commune_insee": "35238", "tags": ["laser", "education"]},
        {"id": "A2", "organisation": "ORG2", "commune_insee": "69123", "tags": ["cnc"]},
    ],
    "experts": [
        {"id": "E1", "organisation": "ORG9", "commune_insee": "75056", "tags": ["laser"], "max_load": 4, "conflicts": ["A2"]},
        {"id": "E2", "organisation": "ORG8", "commune_insee": "35047", "tags": ["Education"]},
        {"id": "E3", "organisation": "ORG7", "commune_insee": "13055", "tags": ["CNC "]},
        {"id": "E4", "organisation": "ORG2", "commune_insee": "29019", "tags": []},
        {"id": "E5", "organisation": "ORG6", "commune_insee": "33063", "tags": ["education"]},
    ],
    "forced": [["A2", "E5"]],
    "forbidden": [["A1", "E3"]],
}  # fmt: skip


def test_it_parses_the_cli_json_and_answers_in_the_cli_shape() -> None:
    problem = parse_assignment_input(EXAMPLE)
    assert problem.reviewers_per_application == 2
    assert [e.max_load for e in problem.experts] == [4, 8, 8, 8, 8]
    assert problem.experts[2].tags == frozenset({"cnc"})
    assert problem.forced == frozenset({("A2", "E5")})
    # A1: E2 is in Ille-et-Vilaine like A1, E3 is forbidden; A2: E1 declared, E4 same organisation.
    assert run_assignment(EXAMPLE) == {
        "assignments": {"A1": ["E1", "E5"], "A2": ["E3", "E5"]},
        "total_affinity": 3,
    }


def test_it_refuses_to_format_an_infeasible_result_as_an_assignment() -> None:
    result = AssignmentResult(False, {}, 0)
    with pytest.raises(ValueError, match="infeasibility_as_dict"):
        assignment_as_dict(result)


def edited(path: list[str | int], value: object) -> dict[str, Any]:
    data = copy.deepcopy(EXAMPLE)
    target: Any = data
    for step in path[:-1]:
        target = target[step]
    if value is DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (["applications", 1, "id"], DELETE, "applications[1].id manque"),
        (["applications", 1, "id"], "  ", "applications[1].id est vide"),
        (["applications", 1, "id"], "A1", "applications[1].id « A1 » est en double"),
        (["experts", 3, "id"], "E1", "experts[3].id « E1 » est en double"),
        (["reviewers_per_application"], 2.5, "reviewers_per_application doit être un entier"),
        (["reviewers_per_application"], "2", "reviewers_per_application doit être un entier"),
        (["reviewers_per_application"], True, "reviewers_per_application doit être un entier"),
        (["reviewers_per_application"], 0, "reviewers_per_application doit valoir au moins 1"),
        (["reviewers_per_application"], DELETE, "reviewers_per_application manque"),
        (["experts", 0, "max_load"], -1, "experts[0].max_load doit valoir au moins 0"),
        (["default_max_load"], -3, "default_max_load doit valoir au moins 0"),
        (["default_max_load"], DELETE, "experts[1].max_load manque"),
        (["experts", 0, "conflicts"], ["A9"], "experts[0].conflicts : candidature inconnue « A9 »"),
        (["forced"], [["A1", "E9"]], "forced[0][1] : expert inconnu « E9 »"),
        (["forbidden"], [["A9", "E1"]], "forbidden[0][0] : candidature inconnue « A9 »"),
        (["forced"], [["A1"]], "forced[0] doit être une paire"),
        (["forbidden"], [["A2", "E5"]], "A2 → E5 est à la fois dans forced et forbidden"),
        (["experts", 1, "maxload"], 3, "experts[1].maxload : champ inconnu"),
        (["applications", 0, "commune_insee"], "3523", "applications[0].commune_insee n'est pas"),
        (["applications", 0, "tags"], "laser", "applications[0].tags doit être une liste"),
        (["applications", 0, "tags"], ["laser", 3], "applications[0].tags[1] doit être un texte"),
        (["applications"], DELETE, "applications manque"),
        (["applications", 0], "A1", "applications[0] doit être un objet"),
        (["conflict_same_departement"], "oui", "conflict_same_departement doit valoir"),
    ],
)
def test_it_rejects_bad_input_naming_the_field(
    path: list[str | int], value: object, message: str
) -> None:
    with pytest.raises(AssignmentInputError) as error:
        parse_assignment_input(edited(path, value))
    assert message in str(error.value)


def test_it_accepts_an_input_without_optional_fields() -> None:
    data = {
        "reviewers_per_application": 1,
        "applications": [{"id": "A1"}],
        "experts": [{"id": "E1", "max_load": 1}],
    }
    assert run_assignment(data) == {"assignments": {"A1": ["E1"]}, "total_affinity": 0}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"reviewers_per_application": 0}, "au moins un expert"),
        ({"applications": (Application("A1"), Application("A1"))}, "« A1 » est en double"),
        ({"experts": (Expert("E1", -1),)}, "charge maximale de E1 est négative"),
        ({"forced": frozenset({("A1", "E9")})}, "A1 → E9 est inconnue"),
        (
            {"forced": frozenset({("A1", "E1")}), "forbidden": frozenset({("A1", "E1")})},
            "à la fois dans forced et forbidden",
        ),
    ],
)
def test_it_guards_problems_built_without_the_parser(
    change: dict[str, object], message: str
) -> None:
    fields: dict[str, object] = {
        "reviewers_per_application": 1,
        "applications": (Application("A1"),),
        "experts": (Expert("E1", 1),),
    }
    with pytest.raises(AssignmentInputError, match=message):
        AssignmentProblem(**(fields | change))  # type: ignore[arg-type]
