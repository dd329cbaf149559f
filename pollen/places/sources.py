"""Reading place files: the national standard's JSON and CSV, and #MapLabBZH's GeoJSON."""

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from pollen.places.records import clean_text

MEDIATION = "mediation-numerique"
MAPLABBZH = "maplabbzh"
FORMATS = (MEDIATION, MAPLABBZH)
MEDIATION_REQUIRED = ("id", "nom")
# The national standard's CSV columns, in its order (the export writes exactly these).
NATIONAL_COLUMNS = (
    "id",
    "nom",
    "pivot",
    "commune",
    "code_postal",
    "code_insee",
    "adresse",
    "complement_adresse",
    "latitude",
    "longitude",
    "typologie",
    "telephone",
    "courriels",
    "site_web",
    "horaires",
    "presentation_resume",
    "presentation_detail",
    "source",
    "structure_parente",
    "date_maj",
    "services",
    "publics_accueillis",
    "conditions_acces",
    "labels_nationaux",
    "labels_autres",
    "modalites_accompagnement",
    "accessibilite",
    "prise_rdv",
)
# What the importer reads or knowingly leaves aside: the standard, plus the Hinaura JSON's
# "courriel", "frais_a_charge" and Pollen's own "machines"; anything else is reported as ignored.
MEDIATION_COLUMNS = frozenset(NATIONAL_COLUMNS) | {"courriel", "frais_a_charge", "machines"}


class ImportFormatError(Exception):
    """The file as a whole cannot be read in the announced format (French message)."""


@dataclass(frozen=True)
class SourceRow:
    label: str
    data: dict[str, Any]
    point: tuple[Any, Any] | None = None  # (lat, lon) from a GeoJSON geometry


def detect_format_and_read(path: Path, fmt: str) -> tuple[list[SourceRow], list[str]]:
    """Rows of the file and the columns the importer does not know, or ImportFormatError."""
    if fmt not in FORMATS:
        raise ImportFormatError(
            _("Format inconnu : « %(fmt)s ». Formats possibles : %(formats)s.")
            % {"fmt": fmt, "formats": ", ".join(FORMATS)}
        )
    text = _read_text(path)
    suffix = path.suffix.lower()
    if fmt == MAPLABBZH:
        if suffix not in {".geojson", ".json"}:
            raise ImportFormatError(_("Le format maplabbzh attend un fichier .geojson."))
        return _geojson_rows(text), []
    if suffix == ".json":
        return _json_rows(text)
    if suffix == ".csv":
        return _csv_rows(text)
    raise ImportFormatError(
        _("Extension « %(suffix)s » non reconnue : attendu .json ou .csv.")
        % {"suffix": suffix or "(aucune)"}
    )


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ImportFormatError(_("Fichier introuvable : %(path)s.") % {"path": path}) from None
    except UnicodeDecodeError:
        raise ImportFormatError(_("Le fichier n'est pas encodé en UTF-8.")) from None


def _load_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFormatError(
            _("JSON illisible (ligne %(line)s, colonne %(col)s) : ce n'est pas le format attendu.")
            % {"line": exc.lineno, "col": exc.colno}
        ) from None


def _json_rows(text: str) -> tuple[list[SourceRow], list[str]]:
    data = _load_json(text)
    if isinstance(data, dict) and "features" in data:
        raise ImportFormatError(
            _(
                "Ce fichier est un GeoJSON, pas une liste de lieux de médiation numérique : "
                "essayez --format maplabbzh."
            )
        )
    if not isinstance(data, list):
        raise ImportFormatError(
            _(
                "Le fichier JSON doit être une liste de lieux (schéma des lieux de médiation numérique)."
            )
        )
    rows = [
        SourceRow(_row_label(i, item), item if isinstance(item, dict) else {})
        for i, item in enumerate(data, start=1)
    ]
    keys = {k for row in rows for k in row.data}
    _check_columns(keys)
    return rows, sorted(keys - MEDIATION_COLUMNS)


def _csv_rows(text: str) -> tuple[list[SourceRow], list[str]]:
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip() for h in reader.fieldnames or []]
    _check_columns(set(header))
    rows = []
    for i, raw in enumerate(reader, start=1):
        data = {(k or "").strip(): v for k, v in raw.items() if k is not None}
        rows.append(SourceRow(_row_label(i, data), data))
    return rows, sorted(set(header) - MEDIATION_COLUMNS)


def _check_columns(keys: set[str]) -> None:
    missing = [c for c in MEDIATION_REQUIRED if c not in keys]
    if missing:
        raise ImportFormatError(
            _(
                "Colonnes obligatoires absentes : %(cols)s. Ce fichier ne suit pas le schéma des "
                "lieux de médiation numérique."
            )
            % {"cols": ", ".join(missing)}
        )


def _geojson_rows(text: str) -> list[SourceRow]:
    data = _load_json(text)
    if not (isinstance(data, dict) and isinstance(data.get("features"), list)):
        raise ImportFormatError(_("Le fichier doit être une FeatureCollection GeoJSON."))
    rows = []
    for i, feature in enumerate(data["features"], start=1):
        props = feature.get("properties") if isinstance(feature, dict) else None
        props = props if isinstance(props, dict) else {}
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        point = None
        if isinstance(geometry, dict) and geometry.get("type") == "Point":
            coords = geometry.get("coordinates") or []
            if isinstance(coords, list) and len(coords) >= 2:
                point = (coords[1], coords[0])
        rows.append(SourceRow(_row_label(i, props, "name"), props, point))
    return rows


def _row_label(number: int, data: Any, name_key: str = "nom") -> str:
    name = clean_text(data.get(name_key), 80) if isinstance(data, dict) else ""
    return _("ligne %(n)s") % {"n": number} + (f" « {name} »" if name else "")
