"""What the selection optimiser is given: the problem, its JSON form and its reduced model."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import numpy as np
from scipy.sparse import csr_array
from scipy.spatial import cKDTree

from pollen.domain.territory.communes import CommunePoint
from pollen.domain.territory.geo import EARTH_RADIUS_KM, PointIndex, chord_for_km, unit_vectors

# The objective counts newly covered people per 100,000 inhabitants, times the coverage weight.
COVERAGE_UNIT = 100_000


@dataclass(frozen=True, slots=True)
class Candidate:
    """An application competing for an award: its score, its request, its commune."""

    id: str
    score: float
    amount: Decimal
    commune: CommunePoint
    label: str = ""


@dataclass(frozen=True, slots=True)
class ExistingPlace:
    """A place that already serves its surroundings (a fablab, a digital mediation place)."""

    lat: float
    lon: float
    label: str = ""


@dataclass(frozen=True, slots=True)
class SelectionProblem:
    """Everything the committee states: candidates, envelope, rules and the territory."""

    candidates: tuple[Candidate, ...]
    envelope: Decimal
    communes: tuple[CommunePoint, ...]
    existing_places: tuple[ExistingPlace, ...] = ()
    min_awards: int = 0
    max_awards: int | None = None
    min_score: float = 0.0
    region_max: int | None = None
    must_include: frozenset[str] = frozenset()
    must_exclude: frozenset[str] = frozenset()
    radius_km: float = 20.0
    coverage_weight: float = 0.0
    # The reviewers' scale (0 to 5): no explanation names a score outside it.
    scale_min: float | None = None
    scale_max: float | None = None


class SelectionInputError(ValueError):
    """The committee's input is unusable; the message names the field, in French."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def cents(amount: Decimal) -> int:
    """Euros as integer cents (amounts carry at most two decimals)."""
    return int((amount * 100).to_integral_value())


def euros_fr(amount: Decimal) -> str:
    """An amount the French way: 45 000,00 €."""
    whole, frac = f"{amount.quantize(Decimal('0.01')):,.2f}".split(".")
    return f"{whole.replace(',', ' ')},{frac} €"


@dataclass(frozen=True, slots=True, eq=False)
class SelectionModel:
    """The reduced MILP: candidates sorted by id, coverage groups, constraint matrix.

    Columns: x (one per candidate), s (one per point shared by several candidates), y (one per
    group of communes covered by the same several points). Rows: the envelope in cents, the award
    count, the capped régions, then s <= sum of its x and y <= sum of its coverers.
    """

    problem: SelectionProblem
    candidates: tuple[Candidate, ...]
    position: dict[str, int]
    eligible: np.ndarray
    cents: np.ndarray
    scores: np.ndarray
    near: tuple[np.ndarray, ...]
    new: tuple[np.ndarray, ...]
    populations: np.ndarray
    objective: np.ndarray
    matrix: csr_array
    row_lo: np.ndarray
    row_hi: np.ndarray

    @property
    def size(self) -> int:
        return len(self.candidates)

    def lower_bounds(self) -> np.ndarray:
        """1 for the must-include candidates, 0 for the others."""
        forced = self.problem.must_include
        return np.array([1.0 if c.id in forced else 0.0 for c in self.candidates])


def build_model(problem: SelectionProblem, *, include_below_min: bool = False) -> SelectionModel:
    """The reduced model: only the coverage a candidate can change, communes merged by coverers.

    Excluded candidates and those asking more than the envelope are left out; those below the
    minimum score too unless `include_below_min` (then they are kept, fixed at 0 by default).
    """
    check_ids(problem)
    envelope = cents(problem.envelope)
    kept = sorted(
        (
            c
            for c in problem.candidates
            if c.id not in problem.must_exclude
            and cents(c.amount) <= envelope
            and (include_below_min or c.score >= problem.min_score)
        ),
        key=lambda c: c.id,
    )
    coverage = _coverage(problem, kept)
    eligible = np.array([c.score >= problem.min_score for c in kept], dtype=bool)
    return _assemble(problem, kept, eligible, coverage)


def check_ids(problem: SelectionProblem) -> None:
    """Candidate ids are unique and the must lists name existing candidates."""
    ids = [c.id for c in problem.candidates]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate candidate ids")
    unknown = (problem.must_include | problem.must_exclude) - set(ids)
    if unknown:
        raise ValueError(f"unknown candidate ids: {sorted(unknown)}")


@dataclass(frozen=True, slots=True)
class _Coverage:
    near: list[np.ndarray]
    new: list[np.ndarray]
    populations: np.ndarray
    sites: list[tuple[int, ...]]
    groups: dict[tuple[int, ...], int]


def _coverage(problem: SelectionProblem, kept: Sequence[Candidate]) -> _Coverage:
    communes = problem.communes
    index = PointIndex([c.lat for c in communes], [c.lon for c in communes])
    pops = np.fromiter((c.population for c in communes), dtype=np.int64, count=len(communes))
    radius = problem.radius_km
    places = problem.existing_places
    places_index = PointIndex([p.lat for p in places], [p.lon for p in places])
    covered = places_index.nearest_km(index.lats, index.lons)[0] <= radius
    # Candidates at the same point (a "site") cover the same communes: computed once.
    sites: dict[tuple[float, float], list[int]] = defaultdict(list)
    for i, cand in enumerate(kept):
        sites[(cand.commune.lat, cand.commune.lon)].append(i)
    near, new = [np.empty(0, np.int64)] * len(kept), [np.empty(0, np.int64)] * len(kept)
    coverers: dict[int, list[int]] = defaultdict(list)
    arounds = _within_each(index, [lat for lat, _ in sites], [lon for _, lon in sites], radius)
    for site, (members, around) in enumerate(zip(sites.values(), arounds, strict=True)):
        fresh = around[~covered[around]]
        for i in members:
            near[i], new[i] = around, fresh
        for k in fresh.tolist() if problem.coverage_weight else []:
            coverers[k].append(site)
    groups: dict[tuple[int, ...], int] = defaultdict(int)
    for k, covering in coverers.items():
        groups[tuple(covering)] += int(pops[k])
    return _Coverage(near, new, pops, [tuple(m) for m in sites.values()], groups)


def _within_each(
    index: PointIndex, lats: list[float], lons: list[float], radius: float
) -> list[np.ndarray]:
    """PointIndex.within for many points at once, with the same k-d tree query and the same
    haversine check, but vectorised: the per-point Python loop cost 5 s for 10,000 candidates."""
    tree = cKDTree(unit_vectors(index.lats, index.lons))
    found = tree.query_ball_point(unit_vectors(lats, lons), chord_for_km(radius) + 1e-9)
    result = []
    for lat, lon, hits in zip(lats, lons, found, strict=True):
        idx = np.array(sorted(hits), dtype=np.int64)
        p1, p2 = np.radians(lat), np.radians(index.lats[idx])
        a = (
            np.sin((p2 - p1) / 2) ** 2
            + np.cos(p1) * np.cos(p2) * np.sin(np.radians(index.lons[idx] - lon) / 2) ** 2
        )
        result.append(idx[2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(a))) <= radius])
    return result


def _assemble(
    problem: SelectionProblem, kept: list[Candidate], eligible: np.ndarray, coverage: _Coverage
) -> SelectionModel:
    n = len(kept)
    unit = problem.coverage_weight / COVERAGE_UNIT
    # A site with one candidate is that candidate's x; several share a variable s <= sum of x.
    pooled = [m for m in coverage.sites if len(m) > 1]
    column, next_pooled = {}, n
    for site, members in enumerate(coverage.sites):
        column[site] = members[0] if len(members) == 1 else next_pooled
        next_pooled += len(members) > 1
    shared = [(m, pop) for m, pop in coverage.groups.items() if len(m) > 1 and pop > 0]
    scores = np.array([c.score for c in kept], dtype=float)
    objective = np.zeros(n + len(pooled) + len(shared))
    objective[:n] = scores
    for members, pop in coverage.groups.items():
        if len(members) == 1:
            objective[column[members[0]]] += (
                unit * pop
            )  # covered by one site alone: y would equal it
    for k, (_, pop) in enumerate(shared):
        objective[n + len(pooled) + k] = unit * pop
    links = [(n + p, list(members)) for p, members in enumerate(pooled)]
    links += [(n + len(pooled) + k, [column[s] for s in m]) for k, (m, _) in enumerate(shared)]
    amounts = np.array([cents(c.amount) for c in kept], dtype=np.int64)
    matrix, lo, hi = _rows(problem, kept, amounts, links, len(objective))
    return SelectionModel(
        problem, tuple(kept), {c.id: i for i, c in enumerate(kept)}, eligible, amounts,
        scores, tuple(coverage.near), tuple(coverage.new),
        coverage.populations, objective, matrix, lo, hi,
    )  # fmt: skip


def _rows(
    problem: SelectionProblem,
    kept: list[Candidate],
    amounts: np.ndarray,
    links: list[tuple[int, list[int]]],
    width: int,
) -> tuple[csr_array, np.ndarray, np.ndarray]:
    n = len(kept)
    most = n if problem.max_awards is None else problem.max_awards
    rows, cols = [0] * n + [1] * n, list(range(n)) * 2
    vals = [float(a) for a in amounts] + [1.0] * n
    lo, hi = [-np.inf, float(problem.min_awards)], [float(cents(problem.envelope)), float(most)]
    for members in _region_rows(problem, kept):
        rows += [len(lo)] * len(members)
        cols += members
        vals += [1.0] * len(members)
        lo.append(-np.inf)
        hi.append(float(problem.region_max or 0))
    for var, members in links:
        rows += [len(lo)] * (len(members) + 1)
        cols += [var, *members]
        vals += [1.0] + [-1.0] * len(members)
        lo.append(-np.inf)
        hi.append(0.0)
    return csr_array((vals, (rows, cols)), shape=(len(lo), width)), np.array(lo), np.array(hi)


def _region_rows(problem: SelectionProblem, kept: Sequence[Candidate]) -> list[list[int]]:
    if problem.region_max is None:
        return []
    by_region: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(kept):
        by_region[c.commune.region].append(i)
    return [m for _, m in sorted(by_region.items()) if len(m) > problem.region_max]


def parse_selection_input(
    raw: str | bytes | Mapping[str, object], communes: Mapping[str, CommunePoint]
) -> SelectionProblem:
    """The problem stated by the CLI's JSON; amounts read as Decimal, never float.

    `communes` maps INSEE codes to communes actuelles: they place the candidates and the
    existing places, and they are the population whose coverage counts.
    """
    data = _load(raw)
    candidates = _candidates(data.get("candidates"), communes)
    ids = {c.id for c in candidates}
    include = _id_list(data.get("must_include", []), "must_include", ids)
    exclude = _id_list(data.get("must_exclude", []), "must_exclude", ids)
    for both in sorted(include & exclude):
        raise SelectionInputError(
            "must_include", f"« {both} » est à la fois dans « must_include » et « must_exclude »."
        )
    min_awards, max_awards = _awards(data.get("awards", {}))
    radius = _number(data.get("radius_km", 20), "radius_km")
    scale = _scale(data.get("scale"))
    if radius <= 0:
        raise SelectionInputError(
            "radius_km", f"Le rayon « radius_km » doit être strictement positif ; reçu : {radius}."
        )
    return SelectionProblem(
        candidates=candidates,
        envelope=_amount(data.get("envelope_eur"), "envelope_eur"),
        communes=tuple(communes.values()),
        existing_places=_places(data.get("existing_places", []), communes),
        min_awards=min_awards,
        max_awards=max_awards,
        min_score=float(_number(data.get("min_score", 0), "min_score")),
        region_max=_optional_count(data.get("region_max"), "region_max", minimum=1),
        must_include=include,
        must_exclude=exclude,
        radius_km=float(radius),
        coverage_weight=float(_non_negative(data.get("coverage_weight", 0), "coverage_weight")),
        scale_min=scale[0],
        scale_max=scale[1],
    )


def _scale(value: object) -> tuple[float | None, float | None]:
    """The optional {"min": 0, "max": 5} of the reviewers' scale."""
    if value is None:
        return None, None
    if not isinstance(value, Mapping) or "min" not in value or "max" not in value:
        raise SelectionInputError(
            "scale", 'Le champ « scale » doit être un objet {"min": …, "max": …}.'
        )
    low, high = _number(value["min"], "scale.min"), _number(value["max"], "scale.max")
    if low >= high:
        raise SelectionInputError(
            "scale", f"« scale.min » ({low}) doit être inférieur à « scale.max » ({high})."
        )
    return float(low), float(high)


def _load(raw: str | bytes | Mapping[str, object]) -> Mapping[str, object]:
    if isinstance(raw, str | bytes):
        try:
            raw = json.loads(raw, parse_float=Decimal)
        except json.JSONDecodeError as error:
            raise SelectionInputError(
                "",
                f"Le fichier n'est pas un JSON valide (ligne {error.lineno}, colonne {error.colno}).",
            ) from error
    if not isinstance(raw, Mapping):
        raise SelectionInputError(
            "", "Le JSON doit être un objet { … } avec les champs de la sélection."
        )
    return raw


def _number(value: object, field: str) -> Decimal:
    if value is None:
        raise SelectionInputError(field, f"Le champ « {field} » est obligatoire.")
    number: Decimal | None = None
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(str(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            number = None
    if number is None or not number.is_finite():
        raise SelectionInputError(
            field, f"Le champ « {field} » doit être un nombre ; reçu : {value!r}."
        )
    return number


def _non_negative(value: object, field: str) -> Decimal:
    number = _number(value, field)
    if number < 0:
        raise SelectionInputError(
            field, f"Le champ « {field} » ne peut pas être négatif : {number}."
        )
    return number


def _amount(value: object, field: str) -> Decimal:
    amount = _non_negative(value, field)
    if amount != amount.quantize(Decimal("0.01")):
        raise SelectionInputError(
            field, f"Le montant « {field} » a plus de deux décimales : {amount}."
        )
    return amount.quantize(Decimal("0.01"))


def _optional_count(value: object, field: str, *, minimum: int = 0) -> int | None:
    if value is None:
        return None
    number = _number(value, field)
    if number != number.to_integral_value() or number < minimum:
        raise SelectionInputError(
            field,
            f"Le champ « {field} » doit être un entier au moins égal à {minimum} ; reçu : {value}.",
        )
    return int(number)


def _awards(value: object) -> tuple[int, int | None]:
    if not isinstance(value, Mapping):
        raise SelectionInputError(
            "awards", 'Le champ « awards » doit être un objet {"min": …, "max": …}.'
        )
    low = _optional_count(value.get("min", 0), "awards.min") or 0
    high = _optional_count(value.get("max"), "awards.max")
    if high is not None and low > high:
        raise SelectionInputError(
            "awards.min",
            f"Le nombre minimal de lauréats (awards.min = {low}) dépasse le maximum (awards.max = {high}).",
        )
    return low, high


def _commune(value: object, field: str, communes: Mapping[str, CommunePoint]) -> CommunePoint:
    commune = communes.get(str(value).strip()) if isinstance(value, str | int) else None
    if commune is None:
        raise SelectionInputError(field, f"La commune « {value} » ({field}) est inconnue.")
    return commune


def _list(value: object, field: str) -> list[object]:
    if not isinstance(value, list):
        raise SelectionInputError(field, f"Le champ « {field} » doit être une liste.")
    return value


def _candidates(value: object, communes: Mapping[str, CommunePoint]) -> tuple[Candidate, ...]:
    seen: dict[str, int] = {}
    result = []
    for n, item in enumerate(_list(value, "candidates")):
        field = f"candidates[{n}]"
        if not isinstance(item, Mapping):
            raise SelectionInputError(field, f"« {field} » doit être un objet.")
        ident = item.get("id")
        if not isinstance(ident, str | int) or isinstance(ident, bool) or not str(ident).strip():
            raise SelectionInputError(
                f"{field}.id", f"« {field}.id » doit être un identifiant non vide."
            )
        ident = str(ident).strip()
        if ident in seen:
            raise SelectionInputError(
                f"{field}.id",
                f"L'identifiant « {ident} » apparaît deux fois dans « candidates » "
                f"(positions {seen[ident]} et {n}).",
            )
        seen[ident] = n
        score = float(_number(item.get("score"), f"{field}.score"))
        amount = _amount(item.get("amount_eur"), f"{field}.amount_eur")
        commune = _commune(item.get("commune_insee"), f"{field}.commune_insee", communes)
        label = str(item.get("label") or "").strip()
        result.append(Candidate(ident, score, amount, commune, label))
    return tuple(result)


def _places(value: object, communes: Mapping[str, CommunePoint]) -> tuple[ExistingPlace, ...]:
    return tuple(
        _place(item, n, communes) for n, item in enumerate(_list(value, "existing_places"))
    )


def _place(item: object, n: int, communes: Mapping[str, CommunePoint]) -> ExistingPlace:
    field = f"existing_places[{n}]"
    if isinstance(item, Mapping) and "commune_insee" in item:
        commune = _commune(item["commune_insee"], f"{field}.commune_insee", communes)
        return ExistingPlace(commune.lat, commune.lon, str(item.get("label") or commune.name))
    if not (isinstance(item, Mapping) and "lat" in item and "lon" in item):
        raise SelectionInputError(
            field, f"« {field} » doit donner « commune_insee » ou « lat » et « lon »."
        )
    lat, lon = _number(item["lat"], f"{field}.lat"), _number(item["lon"], f"{field}.lon")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise SelectionInputError(field, f"« {field} » : coordonnées hors limites ({lat}, {lon}).")
    return ExistingPlace(float(lat), float(lon), str(item.get("label") or f"lieu {n + 1}"))


def _id_list(value: object, field: str, ids: set[str]) -> frozenset[str]:
    wanted = frozenset(str(v).strip() for v in _list(value, field))
    for unknown in sorted(wanted - ids):
        raise SelectionInputError(
            field, f"« {field} » cite « {unknown} », qui n'est pas une candidature."
        )
    return wanted
