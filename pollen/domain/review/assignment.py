"""Expert assignment: k experts per application, within loads, no conflict, most shared tags."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt

from pollen.domain.review.min_cost_flow import Bipartite, max_flow_min_cost
from pollen.domain.territory.communes import departement_of_insee

Pair = tuple[str, str]  # (application id, expert id)
IntArray = npt.NDArray[np.int64]

_INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
_LIST_LIMIT = 10


class AssignmentInputError(ValueError):
    """The assignment input is malformed; the French message names the bad field."""


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass(frozen=True, slots=True)
class Application:
    """An application as the assignment sees it; tags are trimmed and case-folded."""

    id: str
    organisation: str = ""
    commune_insee: str = ""
    tags: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "tags", frozenset(_key(t) for t in self.tags if t.strip()))


@dataclass(frozen=True, slots=True)
class Expert:
    """An expert: how many applications they may review, and the ones they declared."""

    id: str
    max_load: int
    organisation: str = ""
    commune_insee: str = ""
    tags: frozenset[str] = frozenset()
    conflicts: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "tags", frozenset(_key(t) for t in self.tags if t.strip()))
        object.__setattr__(self, "conflicts", frozenset(self.conflicts))


@dataclass(frozen=True, slots=True)
class AssignmentProblem:
    """Everything the solver needs; forced and forbidden hold (application, expert) pairs."""

    reviewers_per_application: int
    applications: tuple[Application, ...]
    experts: tuple[Expert, ...]
    conflict_same_departement: bool = False
    forced: frozenset[Pair] = frozenset()
    forbidden: frozenset[Pair] = frozenset()

    def __post_init__(self) -> None:
        # The parser names the bad field; this guards problems built directly by adapters.
        if self.reviewers_per_application < 1:
            raise AssignmentInputError("Il faut au moins un expert par candidature.")
        for kind, ids in (("candidature", [a.id for a in self.applications]),
                          ("expert", [e.id for e in self.experts])):  # fmt: skip
            for twice in sorted({i for i, c in Counter(ids).items() if c > 1}):
                raise AssignmentInputError(f"L'identifiant de {kind} « {twice} » est en double.")
        for expert in self.experts:
            if expert.max_load < 0:
                raise AssignmentInputError(f"La charge maximale de {expert.id} est négative.")
        app_ids, expert_ids = {a.id for a in self.applications}, {e.id for e in self.experts}
        for app_id, expert_id in sorted(self.forced | self.forbidden):
            if app_id not in app_ids or expert_id not in expert_ids:
                raise AssignmentInputError(f"La paire {app_id} → {expert_id} est inconnue.")
        for app_id, expert_id in sorted(self.forced & self.forbidden):
            raise AssignmentInputError(
                f"La paire {app_id} → {expert_id} est à la fois dans forced et forbidden"
            )


@dataclass(frozen=True, slots=True)
class InfeasibilityReason:
    """Which constraint to relax: a stable code, a French sentence, and the ids concerned."""

    code: str
    message: str
    applications: tuple[str, ...] = ()
    experts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AssignmentResult:
    """The optimal assignment, or the best partial one (most pairs) and why it falls short."""

    feasible: bool
    assignments: Mapping[str, tuple[str, ...]]
    total_affinity: int
    reasons: tuple[InfeasibilityReason, ...] = ()


def affinity(application: Application, expert: Expert) -> int:
    """Number of tags the application and the expert share."""
    return len(application.tags & expert.tags)


def conflict_reason(
    application: Application, expert: Expert, *, same_departement: bool
) -> str | None:
    """Why this pair is conflicted (a stable code), or None when it is not."""
    if application.id in expert.conflicts:
        return "declared"
    if application.organisation.strip() and _key(application.organisation) == _key(
        expert.organisation
    ):
        return "same_organisation"
    both_located = bool(application.commune_insee and expert.commune_insee)
    if same_departement and both_located and _departement(application) == _departement(expert):
        return "same_departement"
    return None


def _departement(item: Application | Expert) -> str:
    return departement_of_insee(item.commune_insee) if item.commune_insee else ""


_CONFLICT_LABELS = {
    "declared": "conflit déclaré par l'expert",
    "same_organisation": "même organisation",
    "same_departement": "même département",
}


# --- Solving ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Network:
    """The transportation network, applications and experts sorted by id for determinism."""

    apps: tuple[Application, ...]
    experts: tuple[Expert, ...]
    forced: tuple[tuple[int, int], ...]
    demand: IntArray  # per application: k minus its forced experts
    capacity: IntArray  # per expert: load minus its forced applications
    arc_app: IntArray
    arc_expert: IntArray
    arc_affinity: IntArray


def solve_assignment(problem: AssignmentProblem) -> AssignmentResult:
    """Maximum total affinity with exactly k experts each, or the reasons it cannot be done."""
    forced_reasons = _forced_pair_problems(problem)
    if forced_reasons:
        return AssignmentResult(False, {}, 0, forced_reasons)
    net = _network(problem)
    arc_flow, app_flow = _max_flow_min_cost(net)
    assignments: dict[str, list[str]] = {a.id: [] for a in net.apps}
    total = 0
    for i, j in net.forced:
        assignments[net.apps[i].id].append(net.experts[j].id)
        total += affinity(net.apps[i], net.experts[j])
    for arc in np.flatnonzero(arc_flow):
        assignments[net.apps[net.arc_app[arc]].id].append(net.experts[net.arc_expert[arc]].id)
        total += int(net.arc_affinity[arc])
    frozen = {app_id: tuple(sorted(ids)) for app_id, ids in assignments.items()}
    if np.array_equal(app_flow, net.demand):
        return AssignmentResult(True, frozen, total)
    return AssignmentResult(False, frozen, total, _explain(problem, net, arc_flow, app_flow))


def _network(problem: AssignmentProblem) -> _Network:
    apps = tuple(sorted(problem.applications, key=lambda a: a.id))
    experts = tuple(sorted(problem.experts, key=lambda e: e.id))
    row = {a.id: i for i, a in enumerate(apps)}
    col = {e.id: j for j, e in enumerate(experts)}
    forced = tuple(sorted((row[a], col[e]) for a, e in problem.forced))
    demand = np.full(len(apps), problem.reviewers_per_application, dtype=np.int64)
    capacity = np.array([e.max_load for e in experts], dtype=np.int64)
    eligible = ~_conflict_matrix(problem, apps, experts)
    for i, j in forced:
        demand[i] -= 1
        capacity[j] -= 1
        eligible[i, j] = False
    for a, e in problem.forbidden:
        eligible[row[a], col[e]] = False
    eligible[:, capacity <= 0] = False
    arc_app, arc_expert = np.nonzero(eligible)  # row-major: arcs in id order
    affinities = _affinity_matrix(apps, experts)[arc_app, arc_expert]
    return _Network(apps, experts, forced, demand, capacity, arc_app, arc_expert, affinities)


def _affinity_matrix(apps: Sequence[Application], experts: Sequence[Expert]) -> IntArray:
    vocabulary = sorted({t for a in apps for t in a.tags} | {t for e in experts for t in e.tags})
    index = {tag: k for k, tag in enumerate(vocabulary)}

    def incidence(rows: Sequence[Application | Expert]) -> IntArray:
        matrix = np.zeros((len(rows), len(vocabulary)), dtype=np.int64)
        for r, item in enumerate(rows):
            matrix[r, [index[t] for t in item.tags]] = 1
        return matrix

    return incidence(apps) @ incidence(experts).T


def _conflict_matrix(
    problem: AssignmentProblem, apps: Sequence[Application], experts: Sequence[Expert]
) -> npt.NDArray[np.bool_]:
    """The same rules as conflict_reason, for every pair at once."""
    conflicted = _same_key([a.organisation for a in apps], [e.organisation for e in experts])
    if problem.conflict_same_departement:
        conflicted |= _same_key([_departement(a) for a in apps], [_departement(e) for e in experts])
    row = {a.id: i for i, a in enumerate(apps)}
    for j, expert in enumerate(experts):
        for app_id in expert.conflicts & row.keys():
            conflicted[row[app_id], j] = True
    return conflicted


def _same_key(left: Sequence[str], right: Sequence[str]) -> npt.NDArray[np.bool_]:
    codes = {k: c for c, k in enumerate(sorted({_key(x) for x in (*left, *right)}))}
    # An empty value never matches: -1 on the left, -2 on the right.
    lcodes = np.array([codes[_key(x)] if x.strip() else -1 for x in left], dtype=np.int64)
    rcodes = np.array([codes[_key(x)] if x.strip() else -2 for x in right], dtype=np.int64)
    return np.equal.outer(lcodes, rcodes).reshape(len(left), len(right))


def _max_flow_min_cost(net: _Network) -> tuple[IntArray, IntArray]:
    """Flow on each application→expert arc, and the flow reaching each application."""
    n, p = len(net.apps), len(net.arc_app)
    total = int(net.demand.sum())
    if total == 0 or p == 0:
        return np.zeros(p, dtype=np.int64), np.zeros(n, dtype=np.int64)
    # Affinity dominates: the id tie-break (expert rank, at most m - 1 per arc, total flow arcs)
    # sums to less than one affinity point, so it only chooses among optimal assignments.
    big = total * len(net.experts) + 1
    bipartite = Bipartite(net.arc_app, net.arc_expert, net.demand, np.maximum(net.capacity, 0))
    flow = max_flow_min_cost(bipartite, net.arc_expert - big * net.arc_affinity)
    return flow, np.bincount(net.arc_app, weights=flow, minlength=n).astype(np.int64)


# --- Explaining infeasibility ----------------------------------------------------------------


def _ids(ids: Sequence[str]) -> str:
    shown = ", ".join(ids[:_LIST_LIMIT])
    return shown + (", …" if len(ids) > _LIST_LIMIT else "")


def _subject(count: int) -> str:
    return "Cette candidature a" if count == 1 else f"Ces {count} candidatures ont"


def _forced_pair_problems(problem: AssignmentProblem) -> tuple[InfeasibilityReason, ...]:
    apps = {a.id: a for a in problem.applications}
    experts = {e.id: e for e in problem.experts}
    k = problem.reviewers_per_application
    reasons = []
    for app_id, expert_id in sorted(problem.forced):
        why = conflict_reason(
            apps[app_id], experts[expert_id], same_departement=problem.conflict_same_departement
        )
        if why is not None:
            text = f"L'affectation imposée {app_id} → {expert_id} est en conflit d'intérêts"
            message = f"{text} ({_CONFLICT_LABELS[why]}) : retirez-la."
            reasons.append(
                InfeasibilityReason("forced_pair_conflicted", message, (app_id,), (expert_id,))
            )
    per_app = Counter(a for a, _ in problem.forced)
    crowded = sorted(a for a, c in per_app.items() if c > k)
    if crowded:
        text = f"{_subject(len(crowded))} plus de {k} experts imposés : {_ids(crowded)}."
        reasons.append(InfeasibilityReason("too_many_forced_experts", text, tuple(crowded)))
    per_expert = Counter(e for _, e in problem.forced)
    over = sorted(e for e, c in per_expert.items() if c > experts[e].max_load)
    if over:
        detail = ", ".join(f"{e} ({per_expert[e]} pour {experts[e].max_load})" for e in over)
        text = f"Ces experts ont plus d'affectations imposées que leur charge maximale : {detail}."
        reasons.append(InfeasibilityReason("forced_over_load", text, (), tuple(over)))
    return tuple(reasons)


def _explain(
    problem: AssignmentProblem, net: _Network, arc_flow: IntArray, app_flow: IntArray
) -> tuple[InfeasibilityReason, ...]:
    k = problem.reviewers_per_application
    reasons = []
    available = np.bincount(net.arc_app, minlength=len(net.apps)) + (k - net.demand)
    few = [net.apps[i].id for i in np.flatnonzero(available < k)]
    if few:
        text = f"{_subject(len(few))} moins de {k} experts sans conflit : {_ids(few)}."
        hint = " Levez des exclusions, augmentez des charges ou ajoutez des experts."
        reasons.append(
            InfeasibilityReason("too_few_experts_without_conflict", text + hint, tuple(few))
        )
    needed, allowed = k * len(net.apps), sum(e.max_load for e in net.experts)
    capacity_short = allowed < needed
    if capacity_short:
        text = (
            f"Il faut {needed} affectations mais la charge maximale totale des experts n'en "
            f"permet que {allowed} : augmentez la charge maximale ou ajoutez des experts."
        )
        reasons.append(InfeasibilityReason("capacity_short", text))
    group, saturated = _short_group(net, arc_flow, app_flow)
    explained = set(few) | ({a.id for a in net.apps} if capacity_short else set())
    if not set(group) <= explained:
        reasons.append(_local_reason(net, group, saturated, app_flow, k))
    return tuple(reasons)


def _short_group(
    net: _Network, arc_flow: IntArray, app_flow: IntArray
) -> tuple[list[str], list[str]]:
    """Applications and experts reachable from the source in the residual max-flow network.

    By max-flow/min-cut these applications ask for more than all their compatible experts can
    give them together (a Hall-type deficiency), and every application left short is among them.
    """
    arcs_of_app: dict[int, list[int]] = {}
    arcs_of_expert: dict[int, list[int]] = {}
    for arc, (i, j) in enumerate(zip(net.arc_app.tolist(), net.arc_expert.tolist(), strict=True)):
        arcs_of_app.setdefault(i, []).append(arc)
        arcs_of_expert.setdefault(j, []).append(arc)
    apps = set(np.flatnonzero(app_flow < net.demand).tolist())
    experts: set[int] = set()
    frontier = sorted(apps)
    while frontier:
        reached_experts = {
            int(net.arc_expert[a])
            for i in frontier
            for a in arcs_of_app.get(i, ())
            if not arc_flow[a]
        } - experts
        experts |= reached_experts
        frontier = sorted(
            {int(net.arc_app[a]) for j in reached_experts for a in arcs_of_expert[j] if arc_flow[a]}
            - apps
        )
        apps.update(frontier)
    return sorted(net.apps[i].id for i in apps), sorted(net.experts[j].id for j in experts)


def _local_reason(
    net: _Network,
    group: list[str],
    saturated: list[str],
    app_flow: IntArray,
    k: int,
) -> InfeasibilityReason:
    members = np.isin(np.array([a.id for a in net.apps]), group)
    reachable = int((k - net.demand)[members].sum() + app_flow[members].sum())
    short = [net.apps[i].id for i in np.flatnonzero(members & (app_flow < net.demand))]
    text = (
        f"{_subject(len(group))} besoin de {k * len(group)} affectations au total, mais "
        f"leurs experts sans conflit n'en permettent que {reachable} : {_ids(group)}. "
        f"Experts à leur charge maximale : {_ids(saturated) or 'aucun'}. "
        f"Incomplètes dans la meilleure affectation partielle : {_ids(short)}. Augmentez la "
        "charge de ces experts, levez des exclusions ou ajoutez des experts."
    )
    return InfeasibilityReason("local_capacity_short", text, tuple(group), tuple(saturated))


# --- The CLI's JSON in and out -------------------------------------------------------------

_ROOT_FIELDS = {"reviewers_per_application", "default_max_load", "conflict_same_departement"}
_ROOT_FIELDS |= {"applications", "experts", "forced", "forbidden"}
_APP_FIELDS = {"id", "organisation", "commune_insee", "tags"}
_EXPERT_FIELDS = _APP_FIELDS | {"max_load", "conflicts"}


def _fail(path: str, problem: str) -> AssignmentInputError:
    return AssignmentInputError(f"{path} {problem}")


def _shown(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _object(value: object, path: str, fields: set[str]) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise _fail(path or "L'entrée", f"doit être un objet (reçu : {_shown(value)})")
    for name in sorted(set(value) - fields):
        raise _fail(f"{path}.{name}".lstrip("."), f": champ inconnu ({', '.join(sorted(fields))})")
    return value


def _int(data: Mapping[str, object], name: str, path: str, minimum: int) -> int:
    value = data[name]
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(path, f"doit être un entier (reçu : {_shown(value)})")
    if value < minimum:
        raise _fail(path, f"doit valoir au moins {minimum} (reçu : {value})")
    return value


def _text(data: Mapping[str, object], name: str, path: str, *, required: bool = False) -> str:
    value = data.get(name)
    if value is None and not required:
        return ""
    if value is None:
        raise _fail(path, "manque")
    if not isinstance(value, str):
        raise _fail(path, f"doit être un texte (reçu : {_shown(value)})")
    if required and not value.strip():
        raise _fail(path, "est vide")
    return value.strip()


def _list(
    data: Mapping[str, object], name: str, path: str, *, required: bool = False
) -> list[object]:
    if required and name not in data:
        raise _fail(path, "manque")
    values = data.get(name, [])
    if not isinstance(values, list):
        raise _fail(path, f"doit être une liste (reçu : {_shown(values)})")
    return values


def _texts(data: Mapping[str, object], name: str, path: str) -> list[str]:
    values = _list(data, name, path)
    for n, value in enumerate(values):
        if not isinstance(value, str):
            raise _fail(f"{path}[{n}]", f"doit être un texte (reçu : {_shown(value)})")
    return [str(v) for v in values]


def _entity(data: Mapping[str, object], path: str) -> tuple[str, str, str, frozenset[str]]:
    item_id = _text(data, "id", f"{path}.id", required=True)
    insee = _text(data, "commune_insee", f"{path}.commune_insee")
    if insee and not _INSEE.match(insee):
        raise _fail(f"{path}.commune_insee", f"n'est pas un code INSEE valide (reçu : {insee!r})")
    organisation = _text(data, "organisation", f"{path}.organisation")
    return item_id, organisation, insee, frozenset(_texts(data, "tags", f"{path}.tags"))


def _expert(data: Mapping[str, object], path: str, default_load: int | None) -> Expert:
    expert_id, organisation, insee, tags = _entity(data, path)
    if "max_load" in data:
        load = _int(data, "max_load", f"{path}.max_load", 0)
    elif default_load is None:
        raise _fail(f"{path}.max_load", "manque (et default_max_load n'est pas donné)")
    else:
        load = default_load
    conflicts = frozenset(_texts(data, "conflicts", f"{path}.conflicts"))
    return Expert(expert_id, load, organisation, insee, tags, conflicts)


def _unique(ids: Sequence[str], path: str) -> None:
    first: dict[str, int] = {}
    for n, item_id in enumerate(ids):
        if item_id in first:
            raise _fail(
                f"{path}[{n}].id", f"« {item_id} » est en double ({path}[{first[item_id]}])"
            )
        first[item_id] = n


def _pairs(root: Mapping[str, object], name: str, apps: set[str], experts: set[str]) -> set[Pair]:
    pairs = set()
    for n, item in enumerate(_list(root, name, name)):
        if not (
            isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) for x in item)
        ):
            raise _fail(
                f"{name}[{n}]", f"doit être une paire [candidature, expert] ({_shown(item)})"
            )
        if item[0] not in apps:
            raise _fail(f"{name}[{n}][0]", f": candidature inconnue « {item[0]} »")
        if item[1] not in experts:
            raise _fail(f"{name}[{n}][1]", f": expert inconnu « {item[1]} »")
        pairs.add((item[0], item[1]))
    return pairs


def parse_assignment_input(data: object) -> AssignmentProblem:
    """The problem described by the CLI's JSON, or AssignmentInputError naming the bad field."""
    root = _object(data, "", _ROOT_FIELDS)
    if "reviewers_per_application" not in root:
        raise _fail("reviewers_per_application", "manque")
    k = _int(root, "reviewers_per_application", "reviewers_per_application", 1)
    default_load = None
    if root.get("default_max_load") is not None:
        default_load = _int(root, "default_max_load", "default_max_load", 0)
    same_departement = root.get("conflict_same_departement", False)
    if not isinstance(same_departement, bool):
        raise _fail("conflict_same_departement", f"doit valoir true ou false ({same_departement})")
    apps = tuple(
        Application(*_entity(_object(a, f"applications[{n}]", _APP_FIELDS), f"applications[{n}]"))
        for n, a in enumerate(_list(root, "applications", "applications", required=True))
    )
    experts = tuple(
        _expert(_object(e, f"experts[{n}]", _EXPERT_FIELDS), f"experts[{n}]", default_load)
        for n, e in enumerate(_list(root, "experts", "experts", required=True))
    )
    _unique([a.id for a in apps], "applications")
    _unique([e.id for e in experts], "experts")
    app_ids, expert_ids = {a.id for a in apps}, {e.id for e in experts}
    for n, expert in enumerate(experts):
        for unknown in sorted(expert.conflicts - app_ids):
            raise _fail(f"experts[{n}].conflicts", f": candidature inconnue « {unknown} »")
    forced = _pairs(root, "forced", app_ids, expert_ids)
    forbidden = _pairs(root, "forbidden", app_ids, expert_ids)
    problem = (k, apps, experts, same_departement)
    return AssignmentProblem(*problem, frozenset(forced), frozenset(forbidden))


def assignment_as_dict(result: AssignmentResult) -> dict[str, object]:
    """The CLI's output: expert ids sorted within each application, applications by id."""
    if not result.feasible:
        raise ValueError("no complete assignment exists: use infeasibility_as_dict")
    return {
        "assignments": {a: list(result.assignments[a]) for a in sorted(result.assignments)},
        "total_affinity": result.total_affinity,
    }


def infeasibility_as_dict(result: AssignmentResult) -> dict[str, object]:
    """The CLI's output when no assignment exists: which constraints to relax, and for whom."""
    reasons = [
        {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(r).items()}
        for r in result.reasons
    ]
    return {"feasible": result.feasible, "reasons": reasons}


def run_assignment(data: object) -> dict[str, object]:
    """Parse, solve, and return the CLI's output: the assignment, or why there is none."""
    result = solve_assignment(parse_assignment_input(data))
    return assignment_as_dict(result) if result.feasible else infeasibility_as_dict(result)
