"""The jam's report as a PDF (ReportLab), from the values report.py gathers."""

from __future__ import annotations

from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, PageBreak, Paragraph, Spacer, Table

from pollen.pdf import grid_table, render

if TYPE_CHECKING:
    from pollen.jam.report import Report

# One colour per kind, in Kind's order (the State design system's illustrative colours); the
# table under the charts gives the same figures, so no one depends on telling colours apart.
KIND_COLOURS = ("#000091", "#e1000f", "#009081", "#c3992a", "#6a6af4")
WIDTH = 170 * mm  # A4 less render()'s 20 mm margins


def pdf_of(report: Report) -> bytes:
    story = [
        *_title_page(report),
        *_context(report),
        *_participants(report),
        *_syntheses(report),
        *_ranked(report),
        *_annex(report),
    ]
    return render(_("Rapport du jam : %(title)s") % {"title": report.title}, story)


def _text(value: str) -> str:
    """Participants' text as ReportLab markup: escaped, line breaks kept, in the fonts' range."""
    return escape(value.replace("\u202f", " ")).replace("\n", "<br/>")


def _table(rows: list[list[str]], widths: list[float], *, header: bool = True) -> Table:
    table = grid_table([[_text(cell) for cell in row] for row in rows], widths)
    if header:
        table.repeatRows = 1
    return table


def _title_page(report: Report) -> list[Flowable]:
    styles = getSampleStyleSheet()
    story: list[Flowable] = [
        Spacer(1, 40 * mm),
        Paragraph(_text(report.title), styles["Title"]),
        Paragraph(_("Rapport au décideur"), styles["Heading2"]),
        Spacer(1, 10 * mm),
        _table([list(fact) for fact in report.facts], [50 * mm, 120 * mm], header=False),
    ]
    if report.is_fictitious:
        story += [
            Spacer(1, 6 * mm),
            Paragraph(_("Données fictives, pour la démonstration."), styles["Italic"]),
        ]
    return [*story, PageBreak()]


def _context(report: Report) -> list[Flowable]:
    styles = getSampleStyleSheet()
    return [
        Paragraph(_("1. Contexte"), styles["Heading1"]),
        Paragraph(_text(report.description or "—"), styles["Normal"]),
        Paragraph(_("Déroulé"), styles["Heading2"]),
        _table(report.agenda_rows, [95 * mm, 45 * mm, 30 * mm]),
    ]


def _participants(report: Report) -> list[Flowable]:
    styles = getSampleStyleSheet()
    rows = report.presence_rows
    figures = len(rows[0]) - 1
    return [
        PageBreak(),
        Paragraph(_("2. Participants"), styles["Heading1"]),
        Paragraph(_("Personnes présentes, selon qui elles sont"), styles["Heading2"]),
        _kind_chart(report),
        Paragraph(_("Composition des groupes de travail"), styles["Heading2"]),
        _group_chart(report),
        Spacer(1, 4 * mm),
        _table(rows, [32 * mm] + [(WIDTH - 32 * mm) / figures] * figures),
    ]


def _chart(height: float, legend_room: float) -> tuple[Drawing, VerticalBarChart]:
    drawing = Drawing(WIDTH, height)
    chart = VerticalBarChart()
    chart.x, chart.y = 30, 20
    chart.width, chart.height = int(WIDTH - 40 - legend_room), int(height - 35)
    chart.valueAxis.valueMin = 0
    chart.categoryAxis.labels.fontSize = 8
    chart.valueAxis.labels.fontSize = 8
    chart.barLabelFormat = "%d"
    chart.barLabels.fontSize = 7
    drawing.add(chart)
    return drawing, chart


def _kind_chart(report: Report) -> Drawing:
    drawing, chart = _chart(55 * mm, 0)
    chart.data = [list(report.present)]
    chart.categoryAxis.categoryNames = list(report.kinds)
    chart.barLabels.nudge = 6
    chart.bars[0].fillColor = colors.HexColor(KIND_COLOURS[0])
    return drawing


def _group_chart(report: Report) -> Drawing:
    """One stacked bar per group, one colour per kind, and the legend on the right."""
    drawing, chart = _chart(65 * mm, 110)
    chart.categoryAxis.style = "stacked"
    chart.barLabels.boxTarget = "mid"
    chart.barLabels.fillColor = colors.white
    chart.barLabelFormat = _nonzero
    chart.data = [[g.present[i] for g in report.groups] for i in range(len(report.kinds))]
    chart.categoryAxis.categoryNames = [_("Groupe %(n)s") % {"n": g.number} for g in report.groups]
    legend = Legend()
    legend.x, legend.y = chart.x + chart.width + 20, chart.y + chart.height
    legend.fontSize = 8
    legend.alignment = "right"  # the swatch before its label
    legend.columnMaximum = len(report.kinds)
    pairs = []
    for i, label in enumerate(report.kinds):
        colour = colors.HexColor(KIND_COLOURS[i % len(KIND_COLOURS)])
        chart.bars[i].fillColor = colour
        pairs.append((colour, label))
    legend.colorNamePairs = pairs
    drawing.add(legend)
    return drawing


def _nonzero(value: int) -> str:
    """No "0" label on an empty slice of a stacked bar."""
    return str(value) if value else ""


def _syntheses(report: Report) -> list[Flowable]:
    styles = getSampleStyleSheet()
    story: list[Flowable] = [
        PageBreak(),
        Paragraph(_("3. Synthèses des groupes"), styles["Heading1"]),
    ]
    for group in report.groups:
        heading = Paragraph(_text(group.heading), styles["Heading2"])
        if group.synthesis is None:
            story += [heading, Paragraph(_("Synthèse non rédigée."), styles["Italic"])]
            continue
        rows = [list(row) for row in group.synthesis.rows]
        story.append(KeepTogether([heading, _table(rows, [45 * mm, 125 * mm], header=False)]))
    return story


def _ranked(report: Report) -> list[Flowable]:
    styles = getSampleStyleSheet()
    return [
        PageBreak(),
        Paragraph(_("4. Propositions classées par gommettes"), styles["Heading1"]),
        _table(report.ranked_rows, [13 * mm, 56 * mm, 48 * mm, 30 * mm, 23 * mm]),
    ]


def _annex(report: Report) -> list[Flowable]:
    styles = getSampleStyleSheet()
    story: list[Flowable] = [
        PageBreak(),
        Paragraph(_("Annexe : toutes les propositions"), styles["Heading1"]),
    ]
    for group, lines in report.annex:
        blocks: list[list[Flowable]] = [
            [
                Paragraph(_text(line.title), styles["Heading4"]),
                Paragraph(_text(line.facts), styles["Italic"]),
                Paragraph(_text(line.text), styles["Normal"]),
            ]
            for line in lines
        ] or [[]]
        # The group's heading never ends a page: it stays with its first proposal.
        blocks[0].insert(0, Paragraph(_text(group.heading), styles["Heading2"]))
        story += [KeepTogether(block) for block in blocks]
    return story
