"""The jam's report as an OpenDocument text the cabinet can edit (odfdo: decisions/0003)."""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from odfdo import (
    Cell,
    Column,
    Document,
    Element,
    Header,
    PageBreak,
    Paragraph,
    Row,
    Style,
    Table,
    create_table_cell_style,
)

if TYPE_CHECKING:
    from pollen.jam.report import Report

TABLE = "PollenTable"
CELL = "PollenCell"
COLUMN = "PollenColumn"  # + the width in millimetres
HEAD = "PollenHead"
NOTE = "PollenNote"
# What XML 1.0 cannot hold, yet text pasted from elsewhere may; a word processor's manual line
# break (vertical tab) and page break (form feed) become line breaks.
_BREAKS = re.compile("\r\n|[\r\x0b\x0c]")
_NOT_XML = re.compile("[\x00-\x08\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def odt_of(report: Report) -> bytes:
    document = Document("text")
    _styles(document)
    document.meta.set_title(_xml(report.title))
    document.meta.set_language("fr-FR")
    body = document.body
    body.clear()
    for part in (_title_page, _context, _participants, _syntheses, _ranked, _annex):
        for element in part(report):
            body.append(element)
    _column_styles(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _styles(document: Document) -> None:
    cell = create_table_cell_style(border="0.5pt solid #7f7f7f", padding="0.1cm")
    document.insert_style(cell, name=CELL, automatic=True)
    document.insert_style(Style("paragraph", name=HEAD, area="text", bold=True), automatic=True)
    document.insert_style(Style("paragraph", name=NOTE, area="text", italic=True), automatic=True)
    document.insert_style(Style("table", name=TABLE, width="17cm", align="left"), automatic=True)
    document.add_page_break_style()
    # The template numbers headings ("1.", "2.1.") in its outline style; the titles carry their own.
    for level in document.styles.get_elements("//text:outline-level-style"):
        level.set_attribute("style:num-format", "")
        for attribute in ("style:num-suffix", "loext:num-list-format"):
            level.del_attribute(attribute)


def _column_styles(document: Document) -> None:
    """One style per column width the tables use."""
    columns = document.body.get_elements("//table:table-column")
    names = {column.get_attribute_string("table:style-name") for column in columns}
    for name in sorted(n for n in names if n and n.startswith(COLUMN)):
        width = f"{name.removeprefix(COLUMN)}mm"
        document.insert_style(Style("table-column", name=name, width=width), automatic=True)


def _xml(text: str) -> str:
    return _NOT_XML.sub("", _BREAKS.sub("\n", text))


def _heading(level: int, text: str) -> Header:
    return Header(level, _xml(text))


def _paragraph(text: str, style: str | None = None) -> Paragraph:
    """Line breaks, tabs and runs of spaces kept."""
    return Paragraph(_xml(text), style=style)


def _table(name: str, rows: list[list[str]], widths: list[int], *, header: bool = True) -> Table:
    """Every cell a paragraph (line breaks kept) in a thin grid; the first row bold."""
    table = Table(_xml(name), style=TABLE)
    for width in widths:
        table.append(Column(style=f"{COLUMN}{width}"))
    for number, values in enumerate(rows):
        row = Row()
        for value in values:
            cell = Cell(style=CELL)
            cell.append(_paragraph(value, HEAD if header and number == 0 else None))
            row.append(cell)
        table.append(row)
    return table


def _title_page(report: Report) -> list[Element]:
    parts: list[Element] = [
        _heading(1, report.title),
        _paragraph(_("Rapport au décideur"), HEAD),
        _table(_("Le jam"), [list(fact) for fact in report.facts], [50, 120], header=False),
    ]
    if report.is_fictitious:
        parts.append(_paragraph(_("Données fictives, pour la démonstration."), NOTE))
    return [*parts, PageBreak()]


def _context(report: Report) -> list[Element]:
    return [
        _heading(1, _("1. Contexte")),
        _paragraph(report.description or "—"),
        _heading(2, _("Déroulé")),
        _table(_("Déroulé"), report.agenda_rows, [95, 45, 30]),
    ]


def _participants(report: Report) -> list[Element]:
    by_kind = [[_("Vous êtes"), _("Présents")]]
    by_kind += [[kind, str(n)] for kind, n in zip(report.kinds, report.present, strict=True)]
    rows = report.presence_rows
    figures = len(rows[0]) - 1
    return [
        PageBreak(),
        _heading(1, _("2. Participants")),
        _heading(2, _("Personnes présentes, selon qui elles sont")),
        _table(_("Présents par profil"), by_kind, [50, 30]),
        _heading(2, _("Composition des groupes de travail")),
        _table(_("Composition des groupes"), rows, [32] + [138 // figures] * figures),
    ]


def _syntheses(report: Report) -> list[Element]:
    parts: list[Element] = [PageBreak(), _heading(1, _("3. Synthèses des groupes"))]
    for group in report.groups:
        parts.append(_heading(2, group.heading))
        if group.synthesis is None:
            parts.append(_paragraph(_("Synthèse non rédigée."), NOTE))
        else:
            rows = [list(row) for row in group.synthesis.rows]
            parts.append(_table(group.heading, rows, [45, 125], header=False))
    return parts


def _ranked(report: Report) -> list[Element]:
    return [
        PageBreak(),
        _heading(1, _("4. Propositions classées par gommettes")),
        _table(_("Propositions classées"), report.ranked_rows, [13, 56, 48, 30, 23]),
    ]


def _annex(report: Report) -> list[Element]:
    parts: list[Element] = [PageBreak(), _heading(1, _("Annexe : toutes les propositions"))]
    for group, lines in report.annex:
        parts.append(_heading(2, group.heading))
        for line in lines:
            parts += [
                _heading(3, line.title),
                _paragraph(line.facts, NOTE),
                _paragraph(line.text),
            ]
    return parts
