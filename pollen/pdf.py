"""What the receipt, the decision letters and the grant agreement share (ReportLab)."""

import io

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle

GRID = TableStyle(
    [("GRID", (0, 0), (-1, -1), 0.3, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]
)


def grid_table(rows: list[list[str]], widths: list[float]) -> Table:
    """A table of paragraphs (cells may wrap) with a thin grid."""
    normal = getSampleStyleSheet()["Normal"]
    table = Table([[Paragraph(cell, normal) for cell in row] for row in rows], colWidths=widths)
    table.setStyle(GRID)
    return table


def render(title: str, story: list[Flowable]) -> bytes:
    """An A4 document with 20 mm side margins, authored by Pollen."""
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        author="Pollen",
        leftMargin=20 * mm,
        rightMargin=20 * mm,
    ).build(story)
    return buffer.getvalue()
