"""The directory in the CSV of the national "schéma des lieux de médiation numérique"."""

import csv
import re
from collections.abc import Iterable
from typing import IO, Any

from pollen.accounts.models import Machine
from pollen.exports import safe_cell, safe_number_text
from pollen.places.models import Place, PlaceKind
from pollen.places.sources import NATIONAL_COLUMNS

NO_PIVOT = "00000000000000"
POLLEN_SOURCE = "Pollen"
_TYPOLOGY_CODES = re.compile(r"^[A-Z_]+(\|[A-Z_]+)*$")
_MAKER_KINDS = {PlaceKind.FABLAB, PlaceKind.MAKERSPACE, PlaceKind.HACKERSPACE, PlaceKind.TIERS_LIEU}
# The standard writes these as bare numbers ("-4.501500", "+33180059880"): kept when they are.
_NUMBER_COLUMNS = frozenset({"latitude", "longitude", "telephone"})


def _typology(place: Place) -> str:
    """The source's typology codes when it gave some, else TIERS_LIEUX for maker places."""
    if _TYPOLOGY_CODES.match(place.source_kind):
        return place.source_kind
    return "TIERS_LIEUX" if place.kind in _MAKER_KINDS else ""


def _summary(place: Place) -> str:
    labels = dict(Machine.choices)
    machines = [str(labels.get(m, m)) for m in place.machines] + list(place.other_machines)
    text = str(PlaceKind(place.kind).label)
    return f"{text} — machines : {', '.join(machines)}" if machines else text


def national_row(place: Place) -> dict[str, Any]:
    commune = place.commune
    siret = place.siret or (place.organisation.siret if place.organisation else "")
    updated = place.verified_on or place.updated_at.date()
    return {
        "id": place.source_id if place.source else f"pollen-{place.pk}",
        "nom": place.name,
        "pivot": siret or NO_PIVOT,
        "commune": commune.name if commune else "",
        "code_postal": place.postal_code or (commune.main_postal_code if commune else ""),
        "code_insee": commune.code if commune else "",
        "adresse": place.address,
        "complement_adresse": "",
        "latitude": f"{place.latitude:.6f}" if place.latitude is not None else "",
        "longitude": f"{place.longitude:.6f}" if place.longitude is not None else "",
        "typologie": _typology(place),
        "telephone": place.phone,
        "courriels": place.email,
        "site_web": place.website,
        "horaires": place.opening_hours,
        "presentation_resume": _summary(place),
        "presentation_detail": "",
        "source": place.source or POLLEN_SOURCE,
        "structure_parente": "",
        "date_maj": updated.isoformat(),
        "services": "|".join(place.services),
        "publics_accueillis": "",
        "conditions_acces": place.access_conditions,
        "labels_nationaux": "",
        "labels_autres": "",
        "modalites_accompagnement": "",
        "accessibilite": "",
        "prise_rdv": "",
    }


def _safe(row: dict[str, Any]) -> dict[str, Any]:
    """Names, addresses and hours come from people and imported files: no cell may be a formula."""
    return {
        column: safe_number_text(value) if column in _NUMBER_COLUMNS else safe_cell(value)
        for column, value in row.items()
    }


def write_national_csv(places: Iterable[Place], handle: IO[str] | Any) -> int:
    """Write the header and one row per place; returns the number of places written."""
    writer = csv.DictWriter(handle, fieldnames=NATIONAL_COLUMNS, lineterminator="\n")
    writer.writeheader()
    count = 0
    for place in places:
        writer.writerow(_safe(national_row(place)))
        count += 1
    return count
