"""Population within R km of a place: national, per région and département, and white zones."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from pollen.domain.territory.communes import CommunePoint
from pollen.domain.territory.geo import (
    PointIndex,
    chord_for_km,
    haversine_km,
    km_for_chord,
    unit_vectors,
)

DEFAULT_WHITE_ZONES = 20

# Chord-derived kilometres differ from haversine_km by ~1e-11 km (~1e-4 km near the
# antipode); any distance this close to R is re-checked with haversine_km itself, so the
# answer is exactly the brute-force one.
_BORDERLINE_KM = 1e-3

# Parent commune and INSEE prefix of its arrondissements municipaux (Paris, Lyon, Marseille).
_PLM = {"75056": "751", "69123": "6938", "13055": "132"}


@dataclass(frozen=True, slots=True)
class AreaCoverage:
    """Population of a région or département, and how much of it is covered."""

    population: int
    covered_population: int

    @property
    def share(self) -> float:
        return self.covered_population / self.population if self.population else 0.0


@dataclass(frozen=True, slots=True)
class WhiteZone:
    """An uncovered commune; nearest_km is None when there is no place at all."""

    insee: str
    name: str
    departement: str
    region: str
    population: int
    nearest_km: float | None


@dataclass(frozen=True, slots=True)
class CoverageReport:
    """Who lives within radius_km of a place, nationally and per area."""

    radius_km: float
    population: int
    covered_population: int
    share: float
    by_region: Mapping[str, AreaCoverage]
    by_departement: Mapping[str, AreaCoverage]
    largest_uncovered: tuple[WhiteZone, ...]

    def to_json(self) -> dict[str, Any]:
        """Plain dict (JSON-serialisable) with the documented keys."""

        def areas(by: Mapping[str, AreaCoverage]) -> dict[str, dict[str, int]]:
            return {
                code: {"population": a.population, "covered_population": a.covered_population}
                for code, a in by.items()
            }

        return {
            "radius_km": self.radius_km,
            "population": self.population,
            "covered_population": self.covered_population,
            "share": self.share,
            "by_region": areas(self.by_region),
            "by_departement": areas(self.by_departement),
            "largest_uncovered": [
                {
                    "insee": z.insee,
                    "name": z.name,
                    "departement": z.departement,
                    "region": z.region,
                    "population": z.population,
                    "nearest_km": z.nearest_km,
                }
                for z in self.largest_uncovered
            ],
        }


@dataclass(frozen=True, slots=True, eq=False)
class CandidateReach:
    """For each candidate point, the communes it would newly bring within R km (CSR layout).

    Commune indices refer to CoverageModel.communes; communes already covered by the
    existing places are left out, so population[j] is what funding candidate j adds alone.
    """

    radius_km: float
    indptr: np.ndarray
    indices: np.ndarray
    population: np.ndarray

    def __len__(self) -> int:
        return len(self.indptr) - 1

    def communes_of(self, candidate: int) -> tuple[int, ...]:
        """Sorted indices of the communes candidate `candidate` would newly cover."""
        start, end = self.indptr[candidate], self.indptr[candidate + 1]
        return tuple(int(i) for i in self.indices[start:end])


def check_radius(radius_km: float) -> float:
    """The radius as a float, or ValueError (in French) unless it is finite and > 0."""
    is_number = isinstance(radius_km, numbers.Real) and not isinstance(radius_km, bool)
    value = float(radius_km) if is_number else math.nan
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"Le rayon doit être un nombre strictement positif (reçu : {radius_km}).")
    return value


def check_points(points: Iterable[tuple[float, float]], what: str = "lieu") -> np.ndarray:
    """Points (lat, lon) in degrees as an (n, 2) array, or ValueError naming the first bad one."""
    array = np.asarray(points if isinstance(points, np.ndarray) else list(points), dtype=float)
    if array.size == 0:
        array = array.reshape(0, 2)
    if array.ndim != 2 or array.shape[1] != 2:
        raise ValueError(f"Chaque {what} doit être un couple (latitude, longitude) en degrés.")
    for column, (name, limit) in enumerate((("latitude", 90.0), ("longitude", 180.0))):
        bad = np.flatnonzero(~(np.abs(array[:, column]) <= limit))
        if bad.size:
            i = int(bad[0])
            raise ValueError(
                f"Le {what} n° {i + 1} a une {name} hors de [-{limit:g}, {limit:g}] "
                f"(reçu : {float(array[i, column])})."
            )
    return array


class CoverageModel:
    """Communes (weighted points) indexed once, to answer many coverage questions fast."""

    def __init__(self, communes: Sequence[CommunePoint]):
        self.communes = tuple(communes)
        _check_communes(self.communes)
        self.lats = np.array([c.lat for c in self.communes], dtype=float)
        self.lons = np.array([c.lon for c in self.communes], dtype=float)
        self.population = np.array([c.population for c in self.communes], dtype=np.int64)
        self.vectors = unit_vectors(self.lats, self.lons)
        self._position = {c.insee: i for i, c in enumerate(self.communes)}
        self._regions, self._region_of = _codes([c.region for c in self.communes])
        self._departements, self._departement_of = _codes([c.departement for c in self.communes])
        insee = np.array([c.insee for c in self.communes], dtype=str)
        # White zones are the first uncovered communes in this order (population desc, insee).
        self._by_size = np.lexsort((insee, -self.population))

    def index_of(self, insee: str) -> int:
        """Position of a commune in self.communes, or ValueError in French."""
        try:
            return self._position[insee]
        except KeyError:
            raise ValueError(f"Commune inconnue : code INSEE {insee!r}.") from None

    def covered_mask(self, places: Iterable[tuple[float, float]], radius_km: float) -> np.ndarray:
        """Boolean array: True where the commune lies within radius_km of a place."""
        return self._covered_and_nearest(check_points(places), check_radius(radius_km))[0]

    def coverage(
        self,
        places: Iterable[tuple[float, float]],
        radius_km: float,
        *,
        extra_sites: Iterable[tuple[float, float]] = (),
        top: int = DEFAULT_WHITE_ZONES,
    ) -> CoverageReport:
        """Coverage by the places, plus any extra (candidate) sites counted as places."""
        radius = check_radius(radius_km)
        if top < 0:
            raise ValueError(f"Le nombre de zones blanches doit être positif (reçu : {top}).")
        points = np.vstack((check_points(places), check_points(extra_sites, "site candidat")))
        covered, nearest = self._covered_and_nearest(points, radius)
        covered_pop = np.where(covered, self.population, 0)
        total, reached = int(self.population.sum()), int(covered_pop.sum())
        return CoverageReport(
            radius_km=radius,
            population=total,
            covered_population=reached,
            share=reached / total if total else 0.0,
            by_region=self._by_area(self._regions, self._region_of, covered_pop),
            by_departement=self._by_area(self._departements, self._departement_of, covered_pop),
            largest_uncovered=self._white_zones(covered, nearest, top, has_places=len(points) > 0),
        )

    def newly_covered(
        self,
        candidates: Iterable[tuple[float, float]],
        places: Iterable[tuple[float, float]],
        radius_km: float,
    ) -> CandidateReach:
        """For each candidate point, the communes within radius_km not covered by the places."""
        radius = check_radius(radius_km)
        cand = check_points(candidates, "site candidat")
        open_ = np.flatnonzero(~self._covered_and_nearest(check_points(places), radius)[0])
        pairs_c, pairs_i = self._pairs_within(cand, open_, radius)
        order = np.lexsort((pairs_i, pairs_c))
        pairs_c, pairs_i = pairs_c[order], pairs_i[order]
        counts = np.bincount(pairs_c, minlength=len(cand))
        indptr = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        gained = np.bincount(pairs_c, weights=self.population[pairs_i], minlength=len(cand))
        return CandidateReach(radius, indptr, pairs_i, np.rint(gained).astype(np.int64))

    def __len__(self) -> int:
        return len(self.communes)

    def _covered_and_nearest(
        self, places: np.ndarray, radius: float
    ) -> tuple[np.ndarray, np.ndarray]:
        if len(places) == 0:
            return np.zeros(len(self), dtype=bool), np.full(len(self), np.inf)
        index = PointIndex(places[:, 0], places[:, 1])
        nearest, _ = index.nearest_km(self.lats, self.lons)
        covered = nearest < radius - _BORDERLINE_KM
        for i in np.flatnonzero(np.abs(nearest - radius) <= _BORDERLINE_KM):
            covered[i] = bool(index.within(float(self.lats[i]), float(self.lons[i]), radius))
        return covered, nearest

    def _pairs_within(
        self, cand: np.ndarray, communes: np.ndarray, radius: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """(candidate, commune) index pairs at haversine distance <= radius, exactly."""
        if len(cand) == 0 or len(communes) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        cand_tree = cKDTree(unit_vectors(cand[:, 0], cand[:, 1]))
        commune_tree = cKDTree(self.vectors[communes])
        found = cand_tree.sparse_distance_matrix(
            commune_tree, chord_for_km(radius + _BORDERLINE_KM), output_type="ndarray"
        )
        pairs_c = found["i"].astype(np.int64)
        pairs_i = communes[found["j"]].astype(np.int64)
        km = np.asarray(km_for_chord(found["v"]), dtype=float)
        keep = km < radius - _BORDERLINE_KM
        for p in np.flatnonzero(np.abs(km - radius) <= _BORDERLINE_KM):
            c, i = pairs_c[p], pairs_i[p]
            d = haversine_km(cand[c, 0], cand[c, 1], self.lats[i], self.lons[i])
            keep[p] = d <= radius
        return pairs_c[keep], pairs_i[keep]

    def _by_area(
        self, codes: tuple[str, ...], area_of: np.ndarray, covered_pop: np.ndarray
    ) -> dict[str, AreaCoverage]:
        # Float sums are exact here: populations add up far below 2**53.
        pop = np.rint(np.bincount(area_of, weights=self.population, minlength=len(codes)))
        cov = np.rint(np.bincount(area_of, weights=covered_pop, minlength=len(codes)))
        return {code: AreaCoverage(int(pop[k]), int(cov[k])) for k, code in enumerate(codes)}

    def _white_zones(
        self, covered: np.ndarray, nearest: np.ndarray, top: int, *, has_places: bool
    ) -> tuple[WhiteZone, ...]:
        chosen = self._by_size[~covered[self._by_size]][:top]
        return tuple(
            WhiteZone(
                insee=self.communes[i].insee,
                name=self.communes[i].name,
                departement=self.communes[i].departement,
                region=self.communes[i].region,
                population=self.communes[i].population,
                nearest_km=float(nearest[i]) if has_places else None,
            )
            for i in chosen
        )


def coverage(
    communes: Sequence[CommunePoint],
    places: Iterable[tuple[float, float]],
    radius_km: float,
    *,
    extra_sites: Iterable[tuple[float, float]] = (),
    top: int = DEFAULT_WHITE_ZONES,
) -> CoverageReport:
    """One-off coverage report; build a CoverageModel once instead when asking repeatedly."""
    return CoverageModel(communes).coverage(places, radius_km, extra_sites=extra_sites, top=top)


def _codes(values: Sequence[str]) -> tuple[tuple[str, ...], np.ndarray]:
    """Sorted distinct codes and, for each value, the position of its code."""
    distinct, inverse = np.unique(np.array(values, dtype=str), return_inverse=True)
    return tuple(str(code) for code in distinct), inverse.reshape(-1).astype(np.int64)


def _check_communes(communes: Sequence[CommunePoint]) -> None:
    seen: set[str] = set()
    for n, c in enumerate(communes, start=1):
        if c.insee in seen:
            raise ValueError(f"La commune {c.insee} ({c.name}) apparaît deux fois.")
        seen.add(c.insee)
        if not (abs(c.lat) <= 90.0 and abs(c.lon) <= 180.0):
            raise ValueError(
                f"La commune n° {n} ({c.insee}, {c.name}) a des coordonnées invalides "
                f"(reçu : {c.lat!r}, {c.lon!r})."
            )
        if c.population < 0:
            raise ValueError(f"La commune {c.insee} a une population négative ({c.population}).")
    for parent, prefix in _PLM.items():
        twin = min((i for i in seen if i.startswith(prefix)), default=None)
        if parent in seen and twin is not None:
            raise ValueError(
                f"La commune {parent} et son arrondissement municipal {twin} sont tous deux "
                "présents : leur population serait comptée deux fois. Ne donnez que les "
                "communes actuelles."
            )
