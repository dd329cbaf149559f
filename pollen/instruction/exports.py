"""CSV and XLSX exports of a filtered list, made by a job (pollen/instruction/jobs.py).

Rows are read in chunks and the XLSX is written row by row to a temporary file, so only the
finished file is held in memory; `progress` is told every few hundred rows.
"""

import csv
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

import xlsxwriter
from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from pollen.applications.models import Application
from pollen.exports import safe_row, write_xlsx_row

CHUNK_SIZE = 2000
# (header, field): one flat row per application, read with values_list in chunks.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "id"),
    ("titre", "title"),
    ("structure", "organisation__legal_name"),
    ("siret", "organisation__siret"),
    ("commune_insee", "organisation__commune_id"),
    ("commune", "organisation__commune__name"),
    ("departement", "organisation__commune__departement_id"),
    ("region", "organisation__commune__region_id"),
    ("nature", "kind"),
    ("etat", "status"),
    ("tour", "round"),
    ("eligible", "eligible"),
    ("regles_non_respectees", "failed_rules_text"),
    ("subvention_demandee_eur", "requested_amount"),
    ("depenses_totales_eur", "total_expenses"),
    ("nombre_evaluations", "score_summary__review_count"),
    ("note_moyenne", "score_summary__mean"),
    ("note_normalisee", "score_summary__normalised"),
    ("desaccord", "score_summary__disagreement"),
    ("rang", "score_summary__rank"),
)
HEADERS = [h for h, _field in COLUMNS]
FIELDS = [f for _header, f in COLUMNS]
_BOOLEANS = [FIELDS.index("eligible"), FIELDS.index("score_summary__disagreement")]
_RULES = FIELDS.index("failed_rules_text")
LINES_PER_CHUNK = 500  # one write per few hundred rows, not per row
_JSON_PUNCTUATION = str.maketrans({'"': " ", "[": " ", "]": " ", ",": " "})


def _cells(row: tuple[Any, ...]) -> list[Any]:
    """Plain values: codes stay codes (stable for reuse), booleans as oui/non, lists joined."""
    cells = list(row)
    for i in _BOOLEANS:
        value = cells[i]
        cells[i] = "" if value is None else ("oui" if value else "non")
    # The JSON list of rule ids as text: ids are slugs, so quotes, brackets and commas go.
    cells[_RULES] = " ".join(cells[_RULES].translate(_JSON_PUNCTUATION).split())
    return cells


def rows(qs: QuerySet[Application]) -> Iterator[list[Any]]:
    # Read as text: decoding a JSON list per row would cost more than the rest of the row.
    qs = qs.annotate(failed_rules_text=Cast("failed_rules", output_field=TextField()))
    for row in qs.values_list(*FIELDS).iterator(chunk_size=CHUNK_SIZE):
        yield _cells(row)


type Progress = Callable[[int, int, str], None]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"


def _counted(qs: QuerySet[Application], progress: Progress) -> Iterator[list[Any]]:
    """The rows, telling `progress` every LINES_PER_CHUNK rows (and at the end)."""
    total = qs.count()
    label = _("Lignes écrites")
    progress(0, total, label)
    done = 0
    for done, cells in enumerate(rows(qs), start=1):
        yield cells
        if done % LINES_PER_CHUNK == 0:
            progress(done, total, label)
    progress(done, max(total, done), label)


class _Echo:
    """csv.writer writes into this and gets the line back, so nothing accumulates."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(lines: Iterator[list[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo(), lineterminator="\r\n")  # None is written as an empty field
    # A byte-order mark so that spreadsheet programs read the file as UTF-8.
    yield "\ufeff" + writer.writerow(HEADERS)
    chunk = []
    for cells in lines:
        chunk.append(writer.writerow(safe_row(cells)))
        if len(chunk) == LINES_PER_CHUNK:
            yield "".join(chunk)
            chunk = []
    yield "".join(chunk)


def csv_bytes(qs: QuerySet[Application], progress: Progress) -> bytes:
    return "".join(_csv_lines(_counted(qs, progress))).encode("utf-8")


def xlsx_bytes(qs: QuerySet[Application], progress: Progress) -> bytes:
    """constant_memory writes each row to disk as it goes; the temporary file is then read."""
    with tempfile.TemporaryFile(suffix=".xlsx") as handle:
        workbook = xlsxwriter.Workbook(
            handle, {"constant_memory": True, "tmpdir": tempfile.gettempdir()}
        )
        sheet = workbook.add_worksheet(_("Candidatures"))
        bold = workbook.add_format({"bold": True})
        write_xlsx_row(sheet, 0, HEADERS, bold)
        for index, cells in enumerate(_counted(qs, progress), start=1):
            write_xlsx_row(sheet, index, cells)  # Decimals as numbers, titles and names as text
        sheet.freeze_panes(1, 0)
        workbook.close()
        handle.seek(0)
        return handle.read()
