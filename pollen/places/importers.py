"""Reading places from the national "lieux de médiation numérique" standard and #MapLabBZH."""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from pollen.domain.territory.geo import haversine_km
from pollen.places import records as rec
from pollen.places.models import PlaceKind
from pollen.places.records import PlaceRecord, SkippedRow
from pollen.places.sources import (
    LAYOUT_LEGACY,
    LAYOUT_V1,
    MAPLABBZH,
    MEDIATION,
    SourceFile,
    SourceRow,
    detect_format_and_read,
)
from pollen.territory.models import Commune, CommuneKind
from pollen.territory.sources import search_key

MAPLAB_KINDS = {
    "fablab": PlaceKind.FABLAB,
    "fablabmit": PlaceKind.FABLAB,
    "makerspace": PlaceKind.MAKERSPACE,
    "hakerspace": PlaceKind.HACKERSPACE,
    "hackerspace": PlaceKind.HACKERSPACE,
    "tierslieu": PlaceKind.TIERS_LIEU,
    "cantine": PlaceKind.TIERS_LIEU,
    "usages": PlaceKind.DIGITAL_SPACE,
    "formation": PlaceKind.OTHER,
    "frenchtech": PlaceKind.OTHER,
}
# Where each layout of the national standard keeps what Pollen reads under another name
# (the first column given wins: Pollen's own pre-v1 exports mixed both layouts).
LAYOUT_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    LAYOUT_V1: {"emails": ("courriels",), "fees": ("frais_a_charge",)},
    LAYOUT_LEGACY: {
        "emails": ("courriel", "courriels"),
        "fees": ("conditions_acces", "frais_a_charge"),
    },
}
# A CEDEX ("Annecy Cedex 03") is a mail-sorting suffix, not part of the commune's name.
_CEDEX = re.compile(r"\s+cedex(\s*\d+)?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class CommuneRef:
    code: str
    name: str
    latitude: float | None
    longitude: float | None


class CommuneResolver:
    """Communes actuelles by INSEE code, postal code and name, loaded once per import."""

    def __init__(self) -> None:
        self.by_code: dict[str, CommuneRef] = {}
        self.parent: dict[str, str] = {}
        self.by_postal: dict[str, list[str]] = {}
        self.by_name: dict[str, list[str]] = {}
        rows = Commune.objects.values_list(
            "code",
            "name",
            "search_name",
            "kind",
            "parent_id",
            "latitude",
            "longitude",
            "postal_codes",
        )
        for code, name, key, kind, parent, lat, lon, postal in rows:
            if kind != CommuneKind.COMMUNE:
                self.parent[code] = parent or ""
                continue
            self.by_code[code] = CommuneRef(code, name, lat, lon)
            self.by_name.setdefault(key, []).append(code)
            for cp in postal.split():
                self.by_postal.setdefault(cp, []).append(code)

    def find(
        self,
        insee: str = "",
        postal: str = "",
        name: str = "",
        point: tuple[float, float] | None = None,
    ) -> CommuneRef | None:
        """By INSEE code (an arrondissement gives its commune), else postal code and name,
        else (a commune merged since, a misspelt name) the postal code's nearest commune."""
        code = self.parent.get(insee.strip().upper(), insee.strip().upper())
        name = _CEDEX.sub("", name)
        if code in self.by_code:
            return self.by_code[code]
        in_postal = self.by_postal.get(postal.strip(), [])
        named = self.by_name.get(search_key(name), []) if name.strip() else []
        if named:
            # A name found with a postal code that disagrees (a CEDEX) still counts if unique.
            both = [c for c in in_postal if c in named]
            candidates = both if len(both) == 1 else named
        else:
            candidates = in_postal
        if len(candidates) == 1:
            return self.by_code[candidates[0]]
        if point is not None and in_postal:
            return min((self.by_code[c] for c in in_postal), key=lambda c: _distance(c, point))
        return None


def _distance(commune: CommuneRef, point: tuple[float, float]) -> float:
    if commune.latitude is None or commune.longitude is None:
        return float("inf")
    return haversine_km(point[0], point[1], commune.latitude, commune.longitude)


def _given_point(lat: Any, lon: Any) -> tuple[float, float] | None:
    latitude, longitude = rec.parse_coordinate(lat), rec.parse_coordinate(lon)
    if latitude is None or longitude is None or not rec.in_france(latitude, longitude):
        return None
    return latitude, longitude


def _locate(
    row: SourceRow, lat: Any, lon: Any, commune: CommuneRef | None, warnings: list[str]
) -> tuple[float, float, bool] | SkippedRow:
    """The place's point; the commune's point (approximate) when the row gives none."""
    latitude, longitude = rec.parse_coordinate(lat), rec.parse_coordinate(lon)
    if latitude is not None and longitude is not None:
        if not rec.in_france(latitude, longitude):
            return SkippedRow(row.label, rec.outside_france_reason(latitude, longitude))
        return latitude, longitude, False
    if commune is None or commune.latitude is None or commune.longitude is None:
        return SkippedRow(
            row.label, _("ni coordonnées ni commune reconnue : lieu impossible à placer")
        )
    warnings.append(
        _("sans coordonnées : position de la commune %(name)s (approximative)")
        % {"name": commune.name}
    )
    return commune.latitude, commune.longitude, True


def _machines(value: Any, warnings: list[str]) -> tuple[list[str] | None, list[str] | None]:
    if value in (None, "", []):
        return None, None
    codes, others = rec.normalise_machines(rec.split_list(value))
    for name in others:
        warnings.append(
            _("machine inconnue « %(name)s » : gardée dans « autres machines »") % {"name": name}
        )
    return codes, others


def _hours(value: Any, warnings: list[str]) -> str:
    text = rec.clean_text(value, 500)
    parsed, error = rec.check_opening_hours(text)
    if not parsed:
        warnings.append(_("horaires illisibles, gardés tels quels : %(error)s") % {"error": error})
    return text


def mediation_record(row: SourceRow, communes: CommuneResolver) -> PlaceRecord | SkippedRow:
    """One row of the national standard (JSON or CSV) as a record, or why it is skipped."""
    d = row.data
    source_id, name = rec.clean_text(d.get("id"), 100), rec.clean_text(d.get("nom"), 200)
    if not source_id or not name:
        return SkippedRow(row.label, _("identifiant ou nom manquant"))
    warnings: list[str] = []
    postal = rec.clean_text(d.get("code_postal"), 5)
    commune = communes.find(
        rec.clean_text(d.get("code_insee"), 5),
        postal,
        rec.clean_text(d.get("commune")),
        _given_point(d.get("latitude"), d.get("longitude")),
    )
    point = _locate(row, d.get("latitude"), d.get("longitude"), commune, warnings)
    if isinstance(point, SkippedRow):
        return point
    if commune is None:
        warnings.append(
            _("commune introuvable : « %(c)s »") % {"c": rec.clean_text(d.get("commune"))}
        )
    typology = "|".join(rec.split_list(d.get("typologie")))
    details = _mediation_details(d, LAYOUT_FIELDS[row.layout or LAYOUT_LEGACY], warnings)
    return PlaceRecord(
        source=rec.clean_text(d.get("source"), 40) or MEDIATION,
        source_id=source_id,
        name=name,
        kind=rec.kind_from_words(name, typology) or PlaceKind.DIGITAL_SPACE,
        source_kind=typology[:100],
        latitude=point[0],
        longitude=point[1],
        approximate=point[2],
        commune_id=commune.code if commune else None,
        postal_code=postal,
        warnings=tuple(warnings),
        **details,
    )


def _first(d: dict[str, Any], columns: tuple[str, ...]) -> Any:
    return next((d[c] for c in columns if d.get(c) not in (None, "", [])), None)


def _mediation_details(
    d: dict[str, Any], fields: dict[str, tuple[str, ...]], warnings: list[str]
) -> dict[str, Any]:
    """The descriptive fields of a row of the national standard (warnings added in place)."""
    machines, others = _machines(d.get("machines"), warnings)
    address = (rec.clean_text(d.get("adresse")), rec.clean_text(d.get("complement_adresse")))
    pivot = "".join(ch for ch in str(d.get("pivot") or "") if ch.isdigit())
    return {
        "address": ", ".join(p for p in address if p)[:300],
        "services": rec.split_list(d.get("services")),
        "machines": machines,
        "other_machines": others,
        "opening_hours": _hours(d.get("horaires"), warnings),
        "access_conditions": "; ".join(rec.split_list(_first(d, fields["fees"]))),
        "website": rec.clean_website((rec.split_list(d.get("site_web")) or [""])[0]),
        "phone": rec.clean_text(d.get("telephone"), 40),
        "email": rec.clean_email(_first(d, fields["emails"])),
        "siret": pivot if len(pivot) == 14 and set(pivot) != {"0"} else "",
        "verified_on": rec.parse_date(d.get("date_maj")),
    }


def maplabbzh_record(row: SourceRow, communes: CommuneResolver) -> PlaceRecord | SkippedRow:
    """One #MapLabBZH feature as a record, or why it is skipped."""
    d = row.data
    source_id, name = rec.clean_text(d.get("id"), 100), rec.clean_text(d.get("name"), 200)
    if not source_id or not name:
        return SkippedRow(row.label, _("identifiant ou nom manquant"))
    warnings: list[str] = []
    postal = rec.clean_text(d.get("cp"), 5)
    lat, lon = row.point if row.point else (None, None)
    commune = communes.find("", postal, rec.clean_text(d.get("ville")), _given_point(lat, lon))
    point = _locate(row, lat, lon, commune, warnings)
    if isinstance(point, SkippedRow):
        return point
    structure = rec.clean_text(d.get("structure"), 100)
    kind = MAPLAB_KINDS.get(structure.lower())
    if kind is None:
        warnings.append(
            _("type de structure inconnu « %(s)s » : classé « autre »") % {"s": structure}
        )
    machines, others = _machines(d.get("machines"), warnings)
    return PlaceRecord(
        source=MAPLABBZH,
        source_id=source_id,
        name=name,
        kind=kind or PlaceKind.OTHER,
        source_kind=structure,
        latitude=point[0],
        longitude=point[1],
        approximate=point[2],
        commune_id=commune.code if commune else None,
        address=rec.clean_text(d.get("adresse")),
        postal_code=postal,
        machines=machines,
        other_machines=others,
        opening_hours=_hours(d.get("horaires") or d.get("opening_hours"), warnings),
        website=rec.clean_website(d.get("web")),
        phone=rec.clean_text(d.get("tel"), 40),
        email=rec.clean_email(d.get("email")),
        warnings=tuple(warnings),
    )


RECORD_BUILDERS: dict[str, Callable[[SourceRow, CommuneResolver], PlaceRecord | SkippedRow]] = {
    MEDIATION: mediation_record,
    MAPLABBZH: maplabbzh_record,
}


def read_records(path: Path, fmt: str) -> tuple[Iterator[PlaceRecord | SkippedRow], SourceFile]:
    """Records (or skipped rows) of a file, and the file as read (its ignored columns, its
    layout); ImportFormatError if unreadable."""
    source = detect_format_and_read(path, fmt)
    rows = source.rows
    build, communes = RECORD_BUILDERS[fmt], CommuneResolver()

    def each() -> Iterator[PlaceRecord | SkippedRow]:
        for row in rows:
            try:
                yield build(row, communes)
            except (TypeError, ValueError, AttributeError) as exc:
                yield SkippedRow(row.label, _("ligne illisible : %(e)s") % {"e": exc})

    return each(), source
