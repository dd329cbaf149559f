"""Cells of CSV and XLSX exports that a spreadsheet cannot run as formulas (OWASP CSV injection)."""

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

# A spreadsheet reads a cell starting with one of these as a formula (or, for tabs and line
# breaks, strips them and reads what follows): =HYPERLINK(...) would run on the reader's machine.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
_SIGNED_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def safe_cell(value: Any) -> Any:
    r"""Text that could start a formula gets a leading quote; numbers and everything else stay.

    A carriage return becomes a line feed: readers end a CSV row at a bare "\r", but a writer
    whose line end is "\n" does not quote it, so "\r=1" would start a new row with a formula.
    """
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_STARTS):
        value = "'" + value
    return value.replace("\r\n", "\n").replace("\r", "\n") if "\r" in value else value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in values]


def safe_number_text(value: str) -> str:
    """A bare signed number ("-4.5015", "+33180059880") as a standard wants it; other text safe.

    A number alone calls no function, so a longitude or an E.164 phone needs no quote, which
    would break the national directory's format; anything else is neutralised as usual.
    """
    return value if _SIGNED_NUMBER.fullmatch(value) else safe_cell(value)


def write_xlsx_row(
    sheet: Worksheet, row: int, values: Iterable[Any], cell_format: Format | None = None
) -> None:
    """Numbers as numbers, text always as a string: Worksheet.write would turn "=…" into a formula."""
    for column, value in enumerate(values):
        if value is None:
            sheet.write_blank(row, column, None, cell_format)
        elif isinstance(value, bool):
            sheet.write_boolean(row, column, value, cell_format)
        elif isinstance(value, int | float | Decimal):
            sheet.write_number(row, column, value, cell_format)
        else:
            sheet.write_string(row, column, safe_cell(str(value)), cell_format)
