"""Coverage and siting reports from one CoverageModel per process, answers in the shared cache."""

import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.core.cache import cache
from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from pollen.accounts.models import Machine
from pollen.domain.territory.coverage import CoverageModel, CoverageReport
from pollen.domain.territory.siting import SitingReport, choose_sites
from pollen.formatting import format_integer, format_percent
from pollen.places.maps import MapPoint
from pollen.places.selectors import PlacePoint, active_points
from pollen.territory.models import Commune, Departement, Region
from pollen.territory.selectors import commune_points

RADII_KM = (10, 20, 30)
DEFAULT_RADIUS_KM = 20
WHITE_ZONES = 20
# The web page bounds the exact solver; the command line or a benchmark may give it more.
SITING_TIME_LIMIT_S = 5.0
SITING_MAX_NONZEROS = 500_000
SITING_MIN_POPULATIONS = (1000, 2000, 5000, 10000)
DEFAULT_MIN_POPULATION = 2000
DEFAULT_SITES = 10
# A computed answer depends only on the question, the communes and the places (all in its key);
# an hour keeps the shared cache fresh.
SITING_CACHE_SECONDS = 3600
COVERAGE_CACHE_SECONDS = 3600
MAP_PDF_CACHE_SECONDS = 3600

# The model (every commune's point and population, a few MB of arrays) stays in each process:
# rebuilding it from the database costs more than unpickling it would, and it is the same for
# every question. What is computed from it is kept in Django's cache, shared by every process
# and host (docs/decisions/0025-session-owned-jobs.md).
_lock = threading.Lock()
_model: tuple[tuple[int, int], CoverageModel] | None = None


def _signature() -> tuple[int, int]:
    """Changes whenever the communes the model is built from change (one quick aggregate)."""
    figures = Commune.objects.actuelles().aggregate(n=Count("code"), population=Sum("population"))
    return figures["n"] or 0, figures["population"] or 0


def _current() -> tuple[tuple[int, int], CoverageModel]:
    """The communes actuelles as a CoverageModel with their signature, built once per process."""
    global _model
    signature = _signature()
    with _lock:
        if _model is not None and _model[0] == signature:
            return _model
    built = (signature, CoverageModel(commune_points()))
    with _lock:
        _model = built
    return built


def coverage_model() -> CoverageModel:
    return _current()[1]


def reset_caches() -> None:
    """Forget this process's model (the shared cache's entries carry the communes' signature)."""
    global _model
    with _lock:
        _model = None


def _points_key(points: Sequence[PlacePoint]) -> int:
    # Floats hash alike in every process (no hash randomisation for numbers).
    return hash(tuple((p.lat, p.lon) for p in points))


def shared_key(kind: str, *question: Any) -> str:
    """A key of Django's cache that every process computes alike for the same question."""
    return f"pollen-{kind}:" + hashlib.sha256(repr(question).encode()).hexdigest()


def coverage_report(radius_km: float, points: Sequence[PlacePoint]) -> CoverageReport:
    signature, model = _current()
    key = shared_key("coverage", signature, float(radius_km), _points_key(points))
    report = cast(CoverageReport | None, cache.get(key))
    if report is None:
        report = model.coverage([(p.lat, p.lon) for p in points], radius_km, top=WHITE_ZONES)
        cache.set(key, report, timeout=COVERAGE_CACHE_SECONDS)
    return report


def _siting_key(radius_km: float, k: int, min_population: int, points: Sequence[PlacePoint]) -> str:
    """The siting question, normalised, as a key every process computes alike."""
    signature, _model_now = _current()  # builds the model if the communes changed
    # "siting-2": reports cached before their sentences became `Text`s would not unpickle.
    return shared_key(
        "siting-2", signature, float(radius_km), k, min_population, _points_key(points)
    )


def known_siting_report(
    radius_km: float, k: int, min_population: int, points: Sequence[PlacePoint]
) -> SitingReport | None:
    """The answer already computed by any process for the same question, or None."""
    return cast(SitingReport | None, cache.get(_siting_key(radius_km, k, min_population, points)))


def siting_report(
    radius_km: float, k: int, min_population: int, points: Sequence[PlacePoint]
) -> SitingReport:
    """Greedy and exact choice of k new sites among communes of at least min_population.

    The answer is kept in the shared cache (every web process and host), so a question asked
    once costs the solver once for everyone."""
    known = known_siting_report(radius_km, k, min_population, points)
    if known is not None:
        return known
    model = coverage_model()
    candidates = [c.insee for c in model.communes if c.population >= min_population]
    latlon = [(p.lat, p.lon) for p in points]
    report = choose_sites(
        model,
        latlon,
        radius_km,
        k,
        candidates=candidates,
        time_limit_s=SITING_TIME_LIMIT_S,
        max_nonzeros=SITING_MAX_NONZEROS,
    )
    cache.set(
        _siting_key(radius_km, k, min_population, points), report, timeout=SITING_CACHE_SECONDS
    )
    return report


@dataclass(frozen=True)
class AreaRow:
    code: str
    name: str
    population: int
    covered_population: int

    @property
    def share(self) -> float:
        return self.covered_population / self.population if self.population else 0.0


def area_rows(report: CoverageReport) -> tuple[list[AreaRow], list[AreaRow]]:
    """Régions and départements with their names, in code order."""
    regions = dict(Region.objects.values_list("code", "name"))
    departements = dict(Departement.objects.values_list("code", "name"))

    def rows(by: Any, names: dict[str, str]) -> list[AreaRow]:
        return [
            AreaRow(code, names.get(code, code or "—"), a.population, a.covered_population)
            for code, a in sorted(by.items())
        ]

    return rows(report.by_region, regions), rows(report.by_departement, departements)


def commune_names(insees: Sequence[str]) -> list[tuple[str, str, str, int]]:
    """(INSEE, name, département, population) of communes of the model, in the given order."""
    model = coverage_model()
    out = []
    for insee in insees:
        c = model.communes[model.index_of(insee)]
        out.append((c.insee, c.name, c.departement, c.population))
    return out


def coverage_for(radius_km: float, machine: str = "") -> tuple[CoverageReport, list[PlacePoint]]:
    points = active_points(machine)
    return coverage_report(radius_km, points), points


def fr_int(n: int) -> str:
    return format_integer(n)


def fr_share(share: float) -> str:
    return format_percent(share, 1, fixed=True)


@dataclass(frozen=True)
class CoverageFigures:
    """Everything the coverage page, the map and its PDF show, for one radius and machine."""

    radius_km: int
    machine: str
    machine_label: str
    report: CoverageReport
    points: list[PlacePoint]
    regions: list[AreaRow]
    departements: list[AreaRow]

    @property
    def title(self) -> str:
        title = _("Part de la population à moins de %(r)s km d'un lieu, par département") % {
            "r": self.radius_km
        }
        if self.machine_label:
            title += " — " + _("lieux équipés : %(m)s") % {"m": self.machine_label}
        return title

    @property
    def description(self) -> str:
        r = self.report
        return _(
            "France entière : %(share)s de la population (%(covered)s habitants sur %(total)s) "
            "vit à moins de %(r)s km d'un des %(n)s lieux figurés par des points. Les "
            "départements sont d'autant plus foncés que cette part est grande ; le tableau qui "
            "suit la carte donne la part de chaque département."
        ) % {
            "share": fr_share(r.share),
            "covered": fr_int(r.covered_population),
            "total": fr_int(r.population),
            "r": self.radius_km,
            "n": fr_int(len(self.points)),
        }

    def shares(self) -> dict[str, float | None]:
        return {a.code: a.share if a.population else None for a in self.departements}

    def map_points(self) -> list[MapPoint]:
        return [MapPoint(p.lat, p.lon, p.name) for p in self.points]

    def key(self) -> tuple[Any, ...]:
        """Identifies what is drawn: radius, machine and the places' points."""
        return (self.radius_km, self.machine, _points_key(self.points))

    def pdf_key(self, language: str) -> str:
        """The shared cache's key of this map's PDF in `language` (the communes' signature too)."""
        return shared_key("map-pdf", _current()[0], language, *self.key())

    def table(self) -> list[list[str]]:
        """Header and one row per département, as the PDF prints them."""
        rows = [[_("Code"), _("Département"), _("Population"), _("Couverte"), _("Part")]]
        rows += [
            [a.code, a.name, fr_int(a.population), fr_int(a.covered_population), fr_share(a.share)]
            for a in self.departements
        ]
        return rows


def coverage_figures(radius_km: int, machine: str = "") -> CoverageFigures:
    report, points = coverage_for(radius_km, machine)
    regions, departements = area_rows(report)
    label = str(dict(Machine.choices).get(machine, "")) if machine else ""
    return CoverageFigures(radius_km, machine, label, report, points, regions, departements)
