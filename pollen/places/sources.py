"""Reading place files: the national standard's JSON and CSV (v1 or 0.1.x), #MapLabBZH's GeoJSON."""

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
# The national standard v1.0.2's CSV columns, in schema.json's order (the export writes exactly
# these, in this order: validators match columns by position).
NATIONAL_COLUMNS = (
    "id",
    "pivot",
    "nom",
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
    "itinerance",
    "structure_parente",
    "date_maj",
    "services",
    "publics_specifiquement_adresses",
    "prise_en_charge_specifique",
    "frais_a_charge",
    "dispositif_programmes_nationaux",
    "formations_labels",
    "autres_formations_labels",
    "modalites_acces",
    "modalites_accompagnement",
    "fiche_acces_libre",
    "prise_rdv",
)
# The last 0.1.x layout (earlier-versions/schema-0.1.x-0480b50.json), that of pre-2024 files
# such as Hinaura's.
LEGACY_COLUMNS = (
    "id",
    "pivot",
    "nom",
    "commune",
    "code_postal",
    "code_insee",
    "adresse",
    "complement_adresse",
    "latitude",
    "longitude",
    "cle_ban",
    "typologie",
    "telephone",
    "courriel",
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
LAYOUT_V1 = "v1"
LAYOUT_LEGACY = "0.1"
_V1_ONLY = frozenset(NATIONAL_COLUMNS) - frozenset(LEGACY_COLUMNS)
_LEGACY_ONLY = frozenset(LEGACY_COLUMNS) - frozenset(NATIONAL_COLUMNS)
# What the importer reads or knowingly leaves aside in each layout, plus Pollen's own
# "machines"; Pollen's exports before v1 mixed both (courriels, frais_a_charge in a 0.1.x
# file). Anything else is reported as ignored.
KNOWN_COLUMNS = {
    LAYOUT_V1: frozenset(NATIONAL_COLUMNS) | {"machines"},
    LAYOUT_LEGACY: frozenset(LEGACY_COLUMNS) | {"courriels", "frais_a_charge", "machines"},
}


def mediation_layout(columns: set[str]) -> str:
    """v1 when the file has more of the columns v1 brought than of those it removed."""
    return LAYOUT_V1 if len(columns & _V1_ONLY) > len(columns & _LEGACY_ONLY) else LAYOUT_LEGACY


class ImportFormatError(Exception):
    """The file as a whole cannot be read in the announced format (French message)."""


@dataclass(frozen=True)
class SourceRow:
    label: str
    data: dict[str, Any]
    point: tuple[Any, Any] | None = None  # (lat, lon) from a GeoJSON geometry
    layout: str = ""  # LAYOUT_V1 or LAYOUT_LEGACY for the national standard


@dataclass(frozen=True)
class SourceFile:
    rows: list[SourceRow]
    ignored: list[str]  # columns the importer does not know
    layout: str = ""  # the national standard's layout found from the columns, if that format


def detect_format_and_read(path: Path, fmt: str) -> SourceFile:
    """The rows of the file, its unknown columns and its layout, or ImportFormatError."""
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
        return SourceFile(_geojson_rows(text), [])
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


def _json_rows(text: str) -> SourceFile:
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
    items = [item if isinstance(item, dict) else {} for item in data]
    keys = {k for item in items for k in item}
    _check_columns(keys)
    layout = mediation_layout(keys)
    rows = [
        SourceRow(_row_label(i, item), item, layout=layout) for i, item in enumerate(items, start=1)
    ]
    return SourceFile(rows, sorted(keys - KNOWN_COLUMNS[layout]), layout)


def _csv_rows(text: str) -> SourceFile:
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip() for h in reader.fieldnames or []]
    _check_columns(set(header))
    layout = mediation_layout(set(header))
    rows = []
    for i, raw in enumerate(reader, start=1):
        data = {(k or "").strip(): v for k, v in raw.items() if k is not None}
        rows.append(SourceRow(_row_label(i, data), data, layout=layout))
    return SourceFile(rows, sorted(set(header) - KNOWN_COLUMNS[layout]), layout)


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
