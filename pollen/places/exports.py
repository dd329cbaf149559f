"""The directory in the CSV of the national standard "lieux de médiation numérique" v1.0.2."""

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from django.utils.text import slugify
from django.utils.translation import gettext as _

from pollen.accounts.models import Machine
from pollen.domain.territory.geo import haversine_km
from pollen.exports import safe_cell, safe_number_text
from pollen.places.models import Place, PlaceKind
from pollen.places.sources import MAPLABBZH, NATIONAL_COLUMNS
from pollen.places.standard import national_phone, v1_fees, v1_services
from pollen.territory.models import Commune

NO_PIVOT = "00000000000000"
POLLEN_SOURCE = "Pollen"
RESUME_MAX = 280
SOURCE_NAMES = {MAPLABBZH: "#MapLabBZH"}
_TYPOLOGY_CODES = re.compile(r"^[A-Z_]+(\|[A-Z_]+)*$")
_POSTAL_CODE = re.compile(r"^\d{5}$")
# "[online]", "[Projet en cours]": a source's notes in the address field, not an address.
_NOTES = re.compile(r"\[[^\]]*\]")
_MAKER_KINDS = {PlaceKind.FABLAB, PlaceKind.MAKERSPACE, PlaceKind.HACKERSPACE, PlaceKind.TIERS_LIEU}
# The standard writes these as bare numbers ("-4.501500", "+33180059880"): kept when they are.
_NUMBER_COLUMNS = frozenset({"latitude", "longitude", "telephone"})


@dataclass(frozen=True)
class LeftOut:
    """A place the standard cannot describe with what Pollen knows, and why (French)."""

    place_id: int
    label: str
    reason: str


@dataclass
class NationalExport:
    written: int = 0
    left_out: list[LeftOut] = field(default_factory=list)


class PostalCommunes:
    """The communes actuelles having a postal code, asked once per code during an export."""

    def __init__(self) -> None:
        self._cache: dict[str, list[Commune]] = {}

    def having(self, postal_code: str) -> list[Commune]:
        if postal_code not in self._cache:
            rows = Commune.objects.actuelles().filter(postal_codes__contains=postal_code)
            self._cache[postal_code] = [c for c in rows if postal_code in c.postal_codes.split()]
        return self._cache[postal_code]

    def find(self, postal_code: str, point: tuple[float, float] | None) -> Commune | None:
        """The commune of the postal code; the nearest to the point when several share it."""
        candidates = self.having(postal_code) if _POSTAL_CODE.match(postal_code) else []
        if len(candidates) == 1:
            return candidates[0]
        located = [c for c in candidates if c.latitude is not None and c.longitude is not None]
        if point is None or not located:
            return None
        return min(
            located,
            key=lambda c: haversine_km(point[0], point[1], c.latitude or 0, c.longitude or 0),
        )


def _typology(place: Place) -> str:
    """The source's typology codes when it gave some, else TIERS_LIEUX for maker places."""
    if _TYPOLOGY_CODES.match(place.source_kind):
        return place.source_kind
    return "TIERS_LIEUX" if place.kind in _MAKER_KINDS else ""


def _summary(place: Place) -> str:
    """The kind and the machines, within the standard's 280 characters."""
    labels = dict(Machine.choices)
    machines = [str(labels.get(m, m)) for m in place.machines] + list(place.other_machines)
    text = str(PlaceKind(place.kind).label)
    text = f"{text} — machines : {', '.join(machines)}" if machines else text
    if len(text) <= RESUME_MAX:
        return text
    return text[: RESUME_MAX - 1].rsplit(" ", 1)[0].rstrip(",;: ") + "…"


def _national_id(place: Place) -> str:
    """The source's id behind the source's name: Hinaura and #MapLabBZH both count from 1."""
    if not place.source:
        return f"pollen-{place.pk}"
    prefix = slugify(place.source) or "source"
    return (
        place.source_id
        if place.source_id.startswith(f"{prefix}-")
        else f"{prefix}-{place.source_id}"
    )


def _street_address(place: Place) -> str:
    if not _NOTES.search(place.address):
        return place.address if place.address.strip(" ,") else ""
    return _NOTES.sub("", place.address).strip(" ,")


def _postal_code(place: Place, commune: Commune) -> str:
    """The place's own code when it has 5 digits (a CEDEX code included), else the commune's."""
    code = place.postal_code.strip()
    if _POSTAL_CODE.match(code):
        return code
    codes = commune.postal_codes.split()
    if code.isdigit() and len(code) == 4 and f"0{code}" in codes:  # a leading zero lost
        return f"0{code}"
    return commune.main_postal_code if _POSTAL_CODE.match(commune.main_postal_code) else ""


def _point(place: Place) -> tuple[float, float] | None:
    if place.latitude is None or place.longitude is None:
        return None
    return place.latitude, place.longitude


def _where(place: Place, communes: PostalCommunes) -> tuple[Commune, str, str] | str:
    """(commune, postal code, address) as the standard requires them, or why there are none."""
    address = _street_address(place)
    if not address:
        return _("pas d'adresse (obligatoire dans le standard)")
    commune = place.commune or communes.find(place.postal_code.strip(), _point(place))
    if commune is None:
        return _("commune inconnue, et aucune commune pour le code postal « %(cp)s »") % {
            "cp": place.postal_code
        }
    postal_code = _postal_code(place, commune)
    if not postal_code:
        return _("pas de code postal à 5 chiffres, ni pour le lieu ni pour sa commune")
    return commune, postal_code, address


def _label(place: Place) -> str:
    return f"{place.source or POLLEN_SOURCE}:{place.source_id or place.pk} « {place.name} »"


def national_row(place: Place, communes: PostalCommunes | None = None) -> dict[str, Any] | LeftOut:
    """The place's row of the standard, or why it cannot be written (see write_national_csv)."""
    where = _where(place, communes or PostalCommunes())
    if isinstance(where, str):
        return LeftOut(place.pk, _label(place), where)
    commune, postal_code, address = where
    own_point = _point(place) if not place.approximate else None
    organisation = place.organisation.legal_name if place.organisation else ""
    return {
        "id": _national_id(place),
        "pivot": place.siret
        or (place.organisation.siret if place.organisation else "")
        or NO_PIVOT,
        "nom": place.name,
        "commune": commune.name,
        "code_postal": postal_code,
        "code_insee": commune.code,
        "adresse": address,
        "latitude": f"{own_point[0]:.6f}" if own_point else "",
        "longitude": f"{own_point[1]:.6f}" if own_point else "",
        "typologie": _typology(place),
        "telephone": national_phone(place.phone),
        "courriels": place.email,
        "site_web": place.website,
        "horaires": place.opening_hours if place.opening_hours_parsed else "",
        "presentation_resume": _summary(place),
        "source": SOURCE_NAMES.get(place.source, place.source) or POLLEN_SOURCE,
        "structure_parente": organisation if organisation != place.name else "",
        "date_maj": (place.verified_on or place.updated_at.date()).isoformat(),
        "services": "|".join(v1_services(place.services)),
        "frais_a_charge": "|".join(v1_fees(place.access_conditions)),
    }


def _safe(row: dict[str, Any]) -> dict[str, Any]:
    """Names, addresses and hours come from people and imported files: no cell may be a formula."""
    return {
        column: safe_number_text(value) if column in _NUMBER_COLUMNS else safe_cell(value)
        for column, value in row.items()
    }


def write_national_csv(places: Iterable[Place], handle: IO[str] | Any) -> NationalExport:
    """Write the header and one valid row per place the standard can describe.

    Every row written validates against the standard's schema.json (v1.0.2): the tests check
    it with frictionless on both real sources. A place that could only be written invalid is
    left out and returned in `left_out` for the caller to say so, rather than completed with
    made-up values:

    - `adresse` is required: a place without a street address is left out. Pollen holds no
      reliable one (a commune's centre is not an address; reverse geocoding would guess).
      Bracketed notes such as "[online]" are not an address.
    - `commune` and `code_postal` are required: the commune is the place's, else the one
      Pollen's territory gives for its postal code (the nearest to the place when several
      share the code); the postal code is the place's when it has 5 digits (a CEDEX code is
      a real postal code), else the commune's first one. Without either, the place is left
      out.

    The other columns hold only what Pollen knows, else stay empty: ids are prefixed by their
    source (Hinaura's and #MapLabBZH's collide); coordinates only for a place's own point
    (an approximate point is its commune's centre); hours only when they read as
    OpenStreetMap opening_hours; phones in the +33 form (or an overseas code); services and
    fees translated into v1's lists (places.standard); the summary within 280 characters;
    the parent structure is the organisation running the place. Pollen keeps nothing for
    complement_adresse, presentation_detail, itinerance, publics_specifiquement_adresses,
    prise_en_charge_specifique, dispositif_programmes_nationaux, formations_labels,
    autres_formations_labels, modalites_acces, modalites_accompagnement, fiche_acces_libre
    and prise_rdv: empty.
    """
    writer = csv.DictWriter(handle, fieldnames=NATIONAL_COLUMNS, lineterminator="\n", restval="")
    writer.writeheader()
    export, communes = NationalExport(), PostalCommunes()
    seen: set[str] = set()
    for place in places:
        row = national_row(place, communes)
        if isinstance(row, LeftOut):
            export.left_out.append(row)
            continue
        if row["id"] in seen:  # two sources whose names give the same prefix
            row["id"] = f"{row['id']}-{place.pk}"
        seen.add(row["id"])
        writer.writerow(_safe(row))
        export.written += 1
    return export
