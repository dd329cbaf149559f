"""What the zoomable maps draw (map.js), as JSON beside the SVG they replace once tiles load."""

import json
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from pollen.domain.territory.geo import haversine_km
from pollen.places.maps import OUTLINES, POINT_COLOUR, MapDataMissing, colour_of
from pollen.places.models import Place
from pollen.places.reports import CoverageFigures, coverage_model, fr_int
from pollen.places.selectors import PlacePoint

NEIGHBOURS = 8
# About 1 km: invisible at the zooms a whole département is read at, a third of the bytes.
SIMPLIFY_DEGREES = 0.01


def tiles_enabled() -> bool:
    return bool(settings.POLLEN_MAP_TILES_URL)


def _base(kind: str, label: str) -> dict[str, Any]:
    """What every map needs: its tiles, and the French words map.js shows or reads aloud."""
    return {
        "kind": kind,
        "tiles": settings.POLLEN_MAP_TILES_URL,
        "attribution": settings.POLLEN_MAP_ATTRIBUTION,
        "point_colour": POINT_COLOUR,
        "words": {
            "label": label,
            "open": _("Voir la fiche du lieu"),
            # {n} is replaced by map.js
            "cluster": _("{n} lieux ici : zoomer sur eux"),
            "zoom_in": _("Zoomer"),
            "zoom_out": _("Dézoomer"),
            "close": _("Fermer"),
        },
    }


def _place(point: PlacePoint) -> list[Any]:
    url = reverse("places:detail", args=[point.pk])
    return [point.pk, point.name, round(point.lat, 5), round(point.lon, 5), url]


def directory_map(points: Sequence[PlacePoint]) -> dict[str, Any]:
    data = _base("places", _("Carte des lieux de l'annuaire"))
    data["places"] = [_place(p) for p in points]
    return data


def neighbours(
    place: Place, points: Sequence[PlacePoint], count: int = NEIGHBOURS
) -> list[PlacePoint]:
    """The open places nearest to this one (itself excluded), nearest first."""
    if place.latitude is None or place.longitude is None:
        return []
    lat, lon = place.latitude, place.longitude
    others = [p for p in points if p.pk != place.pk]
    return sorted(others, key=lambda p: haversine_km(lat, lon, p.lat, p.lon))[:count]


def place_map(place: Place, around: Sequence[PlacePoint]) -> dict[str, Any]:
    data = _base(
        "place", _("Carte : %(name)s et les lieux les plus proches") % {"name": place.name}
    )
    assert place.latitude is not None and place.longitude is not None
    here = PlacePoint(place.pk, place.name, place.latitude, place.longitude, place.approximate)
    data["places"] = [_place(here), *(_place(p) for p in around)]
    data["current"] = place.pk
    return data


def coverage_map(figures: CoverageFigures) -> dict[str, Any]:
    """The départements shaded by covered share, the places, and the white zones as points."""
    data = _base("coverage", figures.title)
    data["outlines"] = reverse("places:outlines")
    data["zones"] = {
        a.code: [a.name, colour_of(a.share if a.population else None), round(a.share * 100, 1)]
        for a in figures.departements
    }
    data["places"] = [_place(p) for p in figures.points]
    model = coverage_model()
    white = []
    for z in figures.report.largest_uncovered:
        commune = model.communes[model.index_of(z.insee)]
        white.append(
            [
                z.name,
                round(commune.lat, 4),
                round(commune.lon, 4),
                _("%(name)s (%(dep)s) : %(pop)s habitants sans lieu à moins de %(r)s km")
                % {
                    "name": z.name,
                    "dep": z.departement,
                    "pop": fr_int(z.population),
                    "r": figures.radius_km,
                },
            ]
        )
    data["white_zones"] = white
    data["words"]["white_zone"] = _("Zone blanche")
    return data


def outlines_geojson() -> str:
    """The départements' outlines the SVG map draws, simplified for the web map (cached)."""
    return _outlines(str(Path(settings.DATA_DIR) / OUTLINES))


@lru_cache(maxsize=2)
def _outlines(location: str) -> str:
    try:
        features = json.loads(Path(location).read_text(encoding="utf-8"))["features"]
    except (OSError, ValueError, KeyError) as exc:
        raise MapDataMissing(str(exc)) from None
    out = []
    for feature in features:
        geometry = feature["geometry"]
        polygons = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        kept = []
        for polygon in polygons:
            rings = [_rounded(_simplify(ring, SIMPLIFY_DEGREES)) for ring in polygon]
            rings = [r for r in rings if len(r) >= 4]
            if rings:
                kept.append(rings)
        out.append(
            {
                "type": "Feature",
                "properties": {"code": feature["properties"]["code"]},
                "geometry": {"type": "MultiPolygon", "coordinates": kept},
            }
        )
    return json.dumps({"type": "FeatureCollection", "features": out}, separators=(",", ":"))


def _rounded(ring: list[list[float]]) -> list[list[float]]:
    return [[round(x, 3), round(y, 3)] for x, y in ring]


def _simplify(points: list[list[float]], tolerance: float) -> list[list[float]]:
    """Douglas–Peucker on lon/lat degrees; the ring's first and last points stay."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        a, b = stack.pop()
        (x1, y1), (x2, y2) = points[a], points[b]
        dx, dy = x2 - x1, y2 - y1
        norm = dx * dx + dy * dy or 1e-18
        best, index = 0.0, -1
        for i in range(a + 1, b):
            x, y = points[i]
            t = min(1.0, max(0.0, ((x - x1) * dx + (y - y1) * dy) / norm))
            ex, ey = x1 + t * dx - x, y1 + t * dy - y
            if ex * ex + ey * ey > best:
                best, index = ex * ex + ey * ey, i
        if index >= 0 and best > tolerance * tolerance:
            keep[index] = True
            stack += [(a, index), (index, b)]
    return [p for p, k in zip(points, keep, strict=True) if k]
