"""The coverage map as a PDF: the same projected outlines, drawn with reportlab's shapes."""

import io
from collections.abc import Mapping, Sequence

from django.utils.translation import gettext as _
from reportlab.graphics.shapes import Circle, Drawing, Group, Polygon, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from pollen.places import maps

# The PDF's standard fonts have no narrow no-break space: numbers use a plain space.
_THIN = "\u202f"


def _flip(y: float) -> float:
    return maps.HEIGHT - y


def _drawing(shares: Mapping[str, float | None], points: Sequence[maps.MapPoint]) -> Drawing:
    base = maps.map_base()
    drawing = Drawing(maps.WIDTH, maps.HEIGHT)
    outlines = Group()
    for shape in base.shapes:
        fill = colors.HexColor(maps.colour_of(shares.get(shape.code)))
        for ring in shape.rings:
            flat = [v for x, y in ring for v in (x, _flip(y))]
            outlines.add(Polygon(flat, fillColor=fill, strokeColor=colors.white, strokeWidth=0.4))
    drawing.add(outlines)
    for code, name, (x, y, w, h) in base.insets:
        drawing.add(_rect(x - 4, _flip(y + h + 16), w + 8, h + 20, None))
        drawing.add(String(x, _flip(y + h + 12), f"{name} ({code})", fontSize=8))
    dot = colors.HexColor(maps.POINT_COLOUR)
    for point in points:
        xy = base.project(point.lat, point.lon)
        if xy is not None:
            drawing.add(
                Circle(
                    xy[0],
                    _flip(xy[1]),
                    2.4,
                    fillColor=dot,
                    strokeColor=colors.white,
                    strokeWidth=0.4,
                )
            )
    _legend(drawing)
    return drawing


def _rect(x: float, y: float, width: float, height: float, fill: colors.Color | None) -> Rect:
    # Set after construction: reportlab's stubs mistype Rect's keyword arguments.
    rect = Rect(x, y, width, height)
    rect.fillColor, rect.strokeColor, rect.strokeWidth = fill, colors.grey, 0.4
    return rect


def _legend(drawing: Drawing) -> None:
    x, y = 180.0, 468.0
    drawing.add(
        String(x, _flip(y), _("Population couverte"), fontName="Helvetica-Bold", fontSize=10)
    )
    labels = maps.legend_labels()
    for i, (colour, label) in enumerate(labels):
        top = y + 8 + i * 18
        drawing.add(_rect(x, _flip(top + 12), 16, 12, colors.HexColor(colour)))
        drawing.add(String(x + 22, _flip(top + 10), label, fontSize=9))
    top = y + 8 + len(labels) * 18 + 6
    drawing.add(
        Circle(
            x + 8,
            _flip(top),
            3,
            fillColor=colors.HexColor(maps.POINT_COLOUR),
            strokeColor=colors.white,
        )
    )
    drawing.add(String(x + 22, _flip(top + 4), _("un lieu"), fontSize=9))


def map_pdf(
    shares: Mapping[str, float | None],
    points: Sequence[maps.MapPoint],
    *,
    title: str,
    lines: Sequence[str],
    table: Sequence[Sequence[str]],
) -> bytes:
    """Page 1: the map and its summary; then the same figures as a table (RGAA: not colour only)."""
    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        title=title,
        author="Pollen",
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=10 * mm,
        bottomMargin=10 * mm,
    )
    drawing = _drawing(shares, points)
    height = landscape(A4)[1] - 55 * mm
    factor = height / maps.HEIGHT
    drawing.scale(factor, factor)
    drawing.width, drawing.height = maps.WIDTH * factor, maps.HEIGHT * factor
    story: list[Flowable] = [Paragraph(title.replace(_THIN, " "), styles["Title"])]
    story += [Paragraph(line.replace(_THIN, " "), styles["Normal"]) for line in lines]
    story += [Spacer(1, 3 * mm), drawing, PageBreak()]
    grid = _table(table)
    story.append(grid)
    doc.build(story)
    return buffer.getvalue()


def _table(table: Sequence[Sequence[str]]) -> Table:
    grid = Table([[c.replace(_THIN, " ") for c in row] for row in table], repeatRows=1)
    grid.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("ALIGN", (2, 1), (-1, -1), "RIGHT"),
            ]
        )
    )
    return grid
