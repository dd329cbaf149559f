"""Reading an invitation list (CSV or XLSX) into rows to register, with a report for each row.

Nothing is half-imported: the organiser sees every row's problem, fixes the file and sends it
again; only a file without a single problem registers anyone.
"""

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from django.core.validators import validate_email
from django.forms import ValidationError
from django.utils.translation import gettext as _

from pollen.jam.models import Jam, Kind

COLUMNS = {"nom": "full_name", "email": "email", "organisation": "organisation", "type": "kind"}
THEMES_COLUMN = "themes"
KIND_WORDS = {k.value: k.value for k in Kind} | {
    "élu": Kind.ELECTED,
    "elue": Kind.ELECTED,
    "élue": Kind.ELECTED,
}
MAX_ROWS = 5000


@dataclass
class RowReport:
    line: int
    values: dict[str, Any]
    problems: list[str] = field(default_factory=list)


@dataclass
class Reading:
    rows: list[RowReport]
    problems: list[str] = field(default_factory=list)  # about the whole file

    @property
    def valid(self) -> bool:
        return not self.problems and all(not r.problems for r in self.rows)


def read_table(name: str, content: bytes) -> list[list[str]]:
    """Cells as text, first row the header; CSV (comma or semicolon, UTF-8) or XLSX."""
    if name.lower().endswith(".xlsx"):
        return _xlsx(content)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(_("Le fichier doit être en UTF-8 (ou un classeur .xlsx).")) from None
    # The header line says which separator the spreadsheet used (Excel in French: « ; »).
    first = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first.count)
    return [
        row
        for row in csv.reader(io.StringIO(text), delimiter=delimiter)
        if any(c.strip() for c in row)
    ]


def _xlsx(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook  # only when an XLSX is sent

    try:
        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise ValueError(_("Ce fichier n'est pas un classeur .xlsx lisible.")) from None
    rows = []
    for values in sheet.iter_rows(values_only=True):
        cells = ["" if v is None else str(v).strip() for v in values]
        if any(cells):
            rows.append(cells)
    return rows


def check(jam: Jam, table: list[list[str]]) -> Reading:
    if not table:
        return Reading([], [_("Le fichier est vide.")])
    header = [h.strip().lower() for h in table[0]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        return Reading(
            [],
            [
                _(
                    "Colonnes manquantes : %(missing)s (attendues : nom, email, organisation, type, et themes facultative)."
                )
                % {"missing": ", ".join(missing)}
            ],
        )
    if len(table) - 1 > MAX_ROWS:
        return Reading([], [_("Au plus %(n)s lignes par fichier.") % {"n": MAX_ROWS}])
    themes = {g.theme.strip().lower(): g.pk for g in jam.groups.all()}
    known = set(jam.participants.values_list("email", flat=True))
    seen: dict[str, int] = {}
    rows = []
    for line, cells in enumerate(table[1:], start=2):
        values = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)}
        report = RowReport(line, _row_values(values))
        _check_row(report, values, themes, known, seen)
        rows.append(report)
    return Reading(rows)


def _row_values(values: dict[str, str]) -> dict[str, Any]:
    return {field_name: values.get(column, "") for column, field_name in COLUMNS.items()}


def _check_row(
    report: RowReport,
    values: dict[str, str],
    themes: dict[str, int],
    known: set[str],
    seen: dict[str, int],
) -> None:
    problems = report.problems
    if not values.get("nom"):
        problems.append(_("le nom est vide"))
    email = values.get("email", "").lower()
    try:
        validate_email(email)
    except ValidationError:
        problems.append(_("l'adresse « %(email)s » n'est pas valable") % {"email": email})
    if email in known:
        problems.append(_("%(email)s est déjà inscrit(e)") % {"email": email})
    elif email in seen:
        problems.append(
            _("%(email)s figure déjà ligne %(line)s") % {"email": email, "line": seen[email]}
        )
    seen.setdefault(email, report.line)
    kind = KIND_WORDS.get(values.get("type", "").strip().lower())
    if kind is None:
        problems.append(
            _("type inconnu « %(kind)s » (Entreprise, Association, Administration, Citoyen ou Élu)")
            % {"kind": values.get("type", "")}
        )
    report.values["email"], report.values["kind"] = email, kind
    wanted = [
        t.strip().lower()
        for t in values.get(THEMES_COLUMN, "").replace("|", ";").split(";")
        if t.strip()
    ]
    unknown = [t for t in wanted if t not in themes]
    if unknown:
        problems.append(_("thème inconnu : %(themes)s") % {"themes": ", ".join(unknown)})
    report.values["preferences"] = [themes[t] for t in wanted if t in themes][:3]
