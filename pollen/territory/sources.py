"""Reading the territory reference files, from ../shared/data or the official online sources."""

import csv
import io
import json
import unicodedata
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

COMMUNES_CSV = "communes-coordonnees-fusion/communes_coordonnees_decoupage6.csv"
DECOUPAGE = "decoupage-administratif"
KEPT_KINDS = {"commune-actuelle", "arrondissement-municipal"}


def search_key(text: str) -> str:
    """Lower-case, accent-free, hyphen-free form used for autocomplete."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(plain.replace("-", " ").replace("'", " ").split())


def read_text(location: str | Path) -> str:
    text = str(location)
    if text.startswith(("https://", "http://")):
        with urllib.request.urlopen(text, timeout=60) as response:  # noqa: S310 - operator-given URL
            body: str = response.read().decode("utf-8")
            return body
    return Path(location).read_text(encoding="utf-8")


def data_path(relative: str) -> Path:
    return Path(settings.DATA_DIR) / relative


@dataclass(frozen=True)
class CommuneRow:
    code: str
    name: str
    kind: str
    zone: str
    departement: str
    region: str
    population: int
    latitude: float | None
    longitude: float | None


def read_json(location: str | Path) -> Any:
    return json.loads(read_text(location))


def iter_commune_rows(location: str | Path) -> Iterator[CommuneRow]:
    for row in csv.DictReader(io.StringIO(read_text(location))):
        if row["type"] not in KEPT_KINDS:
            continue
        yield CommuneRow(
            code=row["code_insee"],
            name=row["nom"],
            kind=row["type"],
            zone=row.get("zone", ""),
            departement=row.get("departement", ""),
            region=row.get("region", ""),
            population=int(row["population"] or 0),
            latitude=float(row["latitude"]) if row.get("latitude") else None,
            longitude=float(row["longitude"]) if row.get("longitude") else None,
        )


def postal_codes_by_code(location: str | Path) -> dict[str, str]:
    codes: dict[str, str] = {}
    for entry in read_json(location):
        if entry.get("type") in KEPT_KINDS and entry.get("codesPostaux"):
            codes[entry["code"]] = " ".join(sorted(set(entry["codesPostaux"])))
    return codes
