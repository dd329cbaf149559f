"""Départements and places projected once per process, drawn as an SVG that works offline."""

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from pollen.places.records import FRANCE_BOXES

OUTLINES = "france-geojson/departements-drom-simplifie.geojson"
OVERSEAS = ("971", "972", "973", "974", "976")
WIDTH, HEIGHT = 800, 640
METRO_BOX = (170.0, 10.0, 620.0, 620.0)  # x, y, width, height on the canvas
INSET_BOX = (10.0, 10.0, 140.0, 96.0)  # first inset; the others follow downwards
INSET_STEP = 124.0
# Sequential classes of covered share (upper bounds) and their colours, light to dark.
CLASSES = (
    (0.2, "#ececfe"),
    (0.4, "#cacafb"),
    (0.6, "#8585f6"),
    (0.8, "#4a4ae6"),
    (1.0, "#000091"),
)
NO_DATA = "#e5e5e5"
POINT_COLOUR = "#ce614a"


class MapDataMissing(Exception):
    """The outlines file is not where settings.DATA_DIR says (French message)."""


@dataclass(frozen=True)
class Frame:
    """An equirectangular frame: lon/lat box drawn into a canvas box, cos(mid-latitude) scaled."""

    lon_min: float
    lat_max: float
    k: float
    scale: float
    x0: float
    y0: float

    def project(self, lat: float, lon: float) -> tuple[float, float]:
        return (
            self.x0 + (lon - self.lon_min) * self.k * self.scale,
            self.y0 + (self.lat_max - lat) * self.scale,
        )


@dataclass(frozen=True)
class Shape:
    code: str
    name: str
    rings: tuple[tuple[tuple[float, float], ...], ...]  # projected (x, y), y downwards
    path: str  # the SVG path data of the rings


@dataclass(frozen=True)
class MapBase:
    shapes: tuple[Shape, ...]
    frames: Mapping[str, Frame]  # "metro" and each overseas département
    insets: tuple[tuple[str, str, tuple[float, float, float, float]], ...]  # code, name, box

    def project(self, lat: float, lon: float) -> tuple[float, float] | None:
        for code, (south, north, west, east) in FRANCE_BOXES.items():
            if south <= lat <= north and west <= lon <= east:
                return self.frames[code].project(lat, lon)
        return None


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return list(geometry["coordinates"])
    return [ring for polygon in geometry["coordinates"] for ring in polygon]


def _fit(rings: Sequence[Sequence[Sequence[float]]], box: tuple[float, ...]) -> Frame:
    lons = [p[0] for r in rings for p in r]
    lats = [p[1] for r in rings for p in r]
    k = math.cos(math.radians((min(lats) + max(lats)) / 2))
    width, height = (max(lons) - min(lons)) * k, max(lats) - min(lats)
    scale = min(box[2] / width, box[3] / height)
    # Centre the shape in its box.
    x0 = box[0] + (box[2] - width * scale) / 2
    y0 = box[1] + (box[3] - height * scale) / 2
    return Frame(min(lons), max(lats), k, scale, x0, y0)


def _path(rings: Sequence[Sequence[tuple[float, float]]]) -> str:
    parts = []
    for ring in rings:
        # Points that round to the previous one only add bytes.
        coords = [f"{x:.1f},{y:.1f}" for x, y in ring]
        kept = [c for i, c in enumerate(coords) if i == 0 or c != coords[i - 1]]
        if len(kept) >= 3:
            parts.append("M" + "L".join(kept) + "Z")
    return "".join(parts)


@lru_cache(maxsize=4)
def _map_base(location: str) -> MapBase:
    try:
        features = json.loads(Path(location).read_text(encoding="utf-8"))["features"]
    except (OSError, ValueError, KeyError) as exc:
        raise MapDataMissing(
            _("Contours des départements illisibles (%(path)s) : %(e)s")
            % {"path": location, "e": exc}
        ) from None
    raw = {
        f["properties"]["code"]: (f["properties"]["nom"], _rings(f["geometry"])) for f in features
    }
    metro_rings = [r for code, (_n, rings) in raw.items() if code not in OVERSEAS for r in rings]
    frames = {"metro": _fit(metro_rings, METRO_BOX)}
    insets = []
    for i, code in enumerate(c for c in OVERSEAS if c in raw):
        box = (INSET_BOX[0], INSET_BOX[1] + i * INSET_STEP, INSET_BOX[2], INSET_BOX[3])
        frames[code] = _fit(raw[code][1], box)
        insets.append((code, raw[code][0], box))
    shapes = []
    for code, (name, rings) in sorted(raw.items()):
        frame = frames.get(code, frames["metro"])
        projected = tuple(tuple(frame.project(p[1], p[0]) for p in ring) for ring in rings)
        shapes.append(Shape(code, name, projected, _path(projected)))
    return MapBase(tuple(shapes), frames, tuple(insets))


def map_base() -> MapBase:
    """The projected outlines, read from settings.DATA_DIR once per process."""
    return _map_base(str(Path(settings.DATA_DIR) / OUTLINES))


def colour_of(share: float | None) -> str:
    if share is None:
        return NO_DATA
    for upper, colour in CLASSES:
        if share <= upper:
            return colour
    return CLASSES[-1][1]


def legend_labels() -> list[tuple[str, str]]:
    """(colour, French label) of each class, then the 'no data' class."""
    labels, lower = [], 0
    for upper, colour in CLASSES:
        labels.append((colour, _("%(a)s à %(b)s %%") % {"a": lower, "b": round(upper * 100)}))
        lower = round(upper * 100)
    labels.append((NO_DATA, _("sans donnée")))
    return labels


@dataclass(frozen=True)
class MapPoint:
    lat: float
    lon: float
    label: str


def render_svg(
    shares: Mapping[str, float | None],
    points: Sequence[MapPoint],
    *,
    title: str,
    description: str,
    id_prefix: str = "map",
    legend: bool = True,
) -> str:
    """The whole map as SVG markup (inline or as a file); every text is escaped here."""
    base = map_base()
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" role="img" aria-labelledby="{id_prefix}-title {id_prefix}-desc" '
        f'class="pollen-map">',
        f'<title id="{id_prefix}-title">{escape(title)}</title>',
        f'<desc id="{id_prefix}-desc">{escape(description)}</desc>',
        '<g stroke="#ffffff" stroke-width="0.5" stroke-linejoin="round">',
    ]
    out.extend(_departements(base, shares))
    out.append("</g>")
    out.extend(_inset_frames(base))
    out.append(f'<g fill="{POINT_COLOUR}" stroke="#ffffff" stroke-width="0.6">')
    for point in points:
        xy = base.project(point.lat, point.lon)
        if xy is not None:
            out.append(
                f'<circle cx="{xy[0]:.1f}" cy="{xy[1]:.1f}" r="2.6">'
                f"<title>{escape(point.label)}</title></circle>"
            )
    out.append("</g>")
    if legend:
        out.extend(_legend())
    out.append("</svg>")
    return "".join(out)


def _departements(base: MapBase, shares: Mapping[str, float | None]) -> list[str]:
    out = []
    for shape in base.shapes:
        share = shares.get(shape.code)
        tip = f"{shape.name} ({shape.code})"
        if share is not None:
            tip += f" : {share * 100:.1f} %".replace(".", ",")
        out.append(
            f'<path d="{shape.path}" fill="{colour_of(share)}" data-code="{escape(shape.code)}">'
            f"<title>{escape(tip)}</title></path>"
        )
    return out


def _inset_frames(base: MapBase) -> list[str]:
    out = ['<g fill="none" stroke="#929292" stroke-width="0.6">']
    for _code, _name, (x, y, w, h) in base.insets:
        out.append(
            f'<rect x="{x - 4:.0f}" y="{y - 4:.0f}" width="{w + 8:.0f}" height="{h + 20:.0f}"/>'
        )
    out.append("</g>")
    out.append('<g font-family="Marianne, Arial, sans-serif" font-size="10" fill="#161616">')
    for code, name, (x, y, _w, h) in base.insets:
        out.append(f'<text x="{x:.0f}" y="{y + h + 12:.0f}">{escape(name)} ({code})</text>')
    out.append("</g>")
    return out


def _legend() -> list[str]:
    x, y = 180.0, 468.0
    out = [
        '<g font-family="Marianne, Arial, sans-serif" font-size="11" fill="#161616">',
        f'<text x="{x:.0f}" y="{y:.0f}" font-weight="bold">{escape(_("Population couverte"))}</text>',
    ]
    for i, (colour, label) in enumerate(legend_labels()):
        top = y + 8 + i * 18
        out.append(
            f'<rect x="{x:.0f}" y="{top:.0f}" width="16" height="12" fill="{colour}" '
            f'stroke="#929292" stroke-width="0.5"/>'
            f'<text x="{x + 22:.0f}" y="{top + 10:.0f}">{escape(label)}</text>'
        )
    top = y + 8 + len(legend_labels()) * 18 + 6
    out.append(
        f'<circle cx="{x + 8:.0f}" cy="{top:.0f}" r="3" fill="{POINT_COLOUR}" stroke="#ffffff"/>'
        f'<text x="{x + 22:.0f}" y="{top + 4:.0f}">{escape(_("un lieu"))}</text>'
    )
    out.append("</g>")
    return out
