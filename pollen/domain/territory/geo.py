"""Great-circle distances and a spatial index of points on the sphere."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.spatial import cKDTree

EARTH_RADIUS_KM = 6371.0


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km on a sphere of radius 6371.0 km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def unit_vectors(
    lats: Sequence[float] | np.ndarray, lons: Sequence[float] | np.ndarray
) -> np.ndarray:
    """3-D unit vectors of points given in degrees, shape (n, 3)."""
    lat = np.radians(np.asarray(lats, dtype=float))
    lon = np.radians(np.asarray(lons, dtype=float))
    cos_lat = np.cos(lat)
    return np.column_stack((cos_lat * np.cos(lon), cos_lat * np.sin(lon), np.sin(lat)))


def chord_for_km(km: float) -> float:
    """Straight-line distance between two unit vectors that are `km` apart on the sphere."""
    angle = min(km / EARTH_RADIUS_KM, math.pi)
    return 2.0 * math.sin(angle / 2.0)


def km_for_chord(chord: np.ndarray | float) -> np.ndarray | float:
    """Inverse of chord_for_km, element-wise."""
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.clip(np.asarray(chord) / 2.0, 0.0, 1.0))


# Chord distances are monotone in great-circle distance; this slack absorbs float rounding
# so that a point exactly R km away (by haversine) is still found, then checked exactly.
_CHORD_SLACK = 1e-9


class PointIndex:
    """A k-d tree over 3-D unit vectors: radius and nearest queries in great-circle km."""

    def __init__(self, lats: Sequence[float] | np.ndarray, lons: Sequence[float] | np.ndarray):
        self.lats = np.asarray(lats, dtype=float)
        self.lons = np.asarray(lons, dtype=float)
        self.size = len(self.lats)
        self._tree = cKDTree(unit_vectors(self.lats, self.lons)) if self.size else None

    def within(self, lat: float, lon: float, radius_km: float) -> list[int]:
        """Indices of the points within radius_km (inclusive) of (lat, lon)."""
        if self._tree is None:
            return []
        centre = unit_vectors([lat], [lon])[0]
        found = self._tree.query_ball_point(centre, chord_for_km(radius_km) + _CHORD_SLACK)
        return sorted(
            i
            for i in found
            if haversine_km(lat, lon, float(self.lats[i]), float(self.lons[i])) <= radius_km
        )

    def within_many(
        self,
        lats: Sequence[float] | np.ndarray,
        lons: Sequence[float] | np.ndarray,
        radius_km: float,
    ) -> list[list[int]]:
        """For each query point, the indices of the indexed points within radius_km."""
        return [self.within(float(a), float(b), radius_km) for a, b in zip(lats, lons, strict=True)]

    def nearest_km(
        self, lats: Sequence[float] | np.ndarray, lons: Sequence[float] | np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Distance in km to, and index of, the nearest indexed point for each query point."""
        n = len(lats)
        if self._tree is None:
            return np.full(n, np.inf), np.full(n, -1, dtype=int)
        chords, idx = self._tree.query(unit_vectors(lats, lons), k=1)
        return np.asarray(km_for_chord(chords), dtype=float), np.asarray(idx, dtype=int)
