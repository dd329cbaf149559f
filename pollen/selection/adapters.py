"""Turns a call's applications, scores and places into the selection domain's JSON input."""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pollen.applications.models import Application
from pollen.calls.models import Call
from pollen.domain.apply import status as states
from pollen.domain.territory.communes import CommunePoint
from pollen.territory.selectors import commune_points

FORMAT = "pollen.selection.v1"
# Applications the committee decides on: submitted or complete, and eligible.
DECIDABLE = states.UNDECIDED


@dataclass(frozen=True)
class ScenarioParameters:
    """What the committee states for one scenario (the form's cleaned values)."""

    envelope: Decimal
    min_awards: int = 0
    max_awards: int | None = None
    min_score: Decimal = Decimal("0")
    region_max: int | None = None
    radius_km: Decimal = Decimal("20")
    coverage_weight: Decimal = Decimal("1")
    must_include: tuple[str, ...] = ()
    must_exclude: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "envelope": f"{self.envelope:.2f}",
            "min_awards": self.min_awards,
            "max_awards": self.max_awards,
            "min_score": plain(self.min_score),
            "region_max": self.region_max,
            "radius_km": plain(self.radius_km),
            "coverage_weight": plain(self.coverage_weight),
            "must_include": list(self.must_include),
            "must_exclude": list(self.must_exclude),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "ScenarioParameters":
        """The inverse of as_json() (a job's parameters)."""

        def optional(key: str) -> int | None:
            return None if data.get(key) is None else int(data[key])

        return cls(
            envelope=Decimal(data["envelope"]),
            min_awards=int(data["min_awards"]),
            max_awards=optional("max_awards"),
            min_score=Decimal(str(data["min_score"])),
            region_max=optional("region_max"),
            radius_km=Decimal(str(data["radius_km"])),
            coverage_weight=Decimal(str(data["coverage_weight"])),
            must_include=tuple(data.get("must_include") or ()),
            must_exclude=tuple(data.get("must_exclude") or ()),
        )


@dataclass(frozen=True)
class PoolEntry:
    """One application as a candidate: its score, its request, its commune actuelle."""

    application: Application
    score: Decimal
    insee: str


@dataclass(frozen=True)
class Pool:
    """The candidates of a call, those left out (and why), and the existing places."""

    entries: tuple[PoolEntry, ...]
    unscored: tuple[Application, ...] = ()
    unlocated: tuple[Application, ...] = ()
    places: tuple[tuple[float, float, str], ...] = field(default=())


def decidable_applications(call: Call) -> list[Application]:
    return list(
        Application.objects.filter(call=call, status__in=DECIDABLE, eligible=True)
        .select_related("organisation", "organisation__commune")
        .order_by("pk")
    )


def scores_of(call: Call) -> dict[int, Decimal]:
    """Each application's normalised score, as the review app stores it (rank order)."""
    from pollen.expertise.selectors import ranking_of

    return {s.application_id: s.normalised for s in ranking_of(call)}


def existing_places(
    skip_organisations: frozenset[int] = frozenset(),
) -> tuple[tuple[float, float, str], ...]:
    """The directory's open places with a point; none while the places app is not there.

    Places of `skip_organisations` (the candidates') are left out.
    """
    try:
        from pollen.places.models import Place, PlaceStatus
    except ImportError:
        return ()
    rows = (
        Place.objects.filter(
            status=PlaceStatus.ACTIVE, latitude__isnull=False, longitude__isnull=False
        )
        .exclude(organisation_id__in=skip_organisations)
        .order_by("id")
        .values_list("latitude", "longitude", "name")
    )
    return tuple((lat, lon, name) for lat, lon, name in rows if lat is not None and lon is not None)


def insee_of(application: Application) -> str:
    """The commune actuelle: an arrondissement (Paris 1er…) counts as its city."""
    commune = application.organisation.commune
    if commune is None:
        return ""
    return commune.parent_id or commune.code


def candidate_pool(call: Call) -> Pool:
    scores = scores_of(call)
    entries, unscored, unlocated = [], [], []
    for application in decidable_applications(call):
        insee = insee_of(application)
        if application.pk not in scores:
            unscored.append(application)
        elif not insee:
            unlocated.append(application)
        else:
            entries.append(PoolEntry(application, scores[application.pk], insee))
    # A candidate's own place never counts against it: a creation is not open yet, and an
    # extension's place is what the committee decides about, not coverage already there.
    own = frozenset(e.application.organisation_id for e in entries)
    return Pool(tuple(entries), tuple(unscored), tuple(unlocated), existing_places(own))


def problem_data(call: Call, parameters: ScenarioParameters, pool: Pool) -> dict[str, Any]:
    """The problem in the domain's input format (see `manage.py select_portfolio`)."""
    return {
        "format": FORMAT,
        "call": call.slug,
        "envelope_eur": f"{parameters.envelope:.2f}",
        "awards": {"min": parameters.min_awards, "max": parameters.max_awards},
        "min_score": plain(parameters.min_score),
        "region_max": parameters.region_max,
        "radius_km": plain(parameters.radius_km),
        "coverage_weight": plain(parameters.coverage_weight),
        "scale": {"min": call.spec.scoring.scale_min, "max": call.spec.scoring.scale_max},
        "must_include": sorted(parameters.must_include, key=_id_key),
        "must_exclude": sorted(parameters.must_exclude, key=_id_key),
        "candidates": [
            {
                "id": str(e.application.pk),
                "label": e.application.organisation.legal_name,
                "score": str(e.score),
                "amount_eur": f"{e.application.requested_amount:.2f}",
                "commune_insee": e.insee,
            }
            for e in pool.entries
        ],
        "existing_places": [
            {"lat": lat, "lon": lon, "label": label} for lat, lon, label in pool.places
        ],
    }


def problem_text(data: dict[str, Any]) -> str:
    """Stable text (sorted keys, indented) so that its SHA-256 identifies the problem."""
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)


def communes_by_insee(points: Sequence[CommunePoint] | None = None) -> dict[str, CommunePoint]:
    return {c.insee: c for c in (commune_points() if points is None else points)}


def plain(number: Decimal) -> str:
    """A number without trailing zeros nor exponent: 20, 1.5, 0."""
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _id_key(ident: str) -> tuple[int, str]:
    return (int(ident), ident) if ident.isdigit() else (0, ident)
