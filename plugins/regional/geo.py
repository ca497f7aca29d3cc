"""Distances on the earth, in SQL and in Python, for the ``radius`` selector.

The radius criterion must run as one SQL expression on SQLite and PostgreSQL alike. SQLite only
has ``sin``/``cos``/``asin`` when it was compiled with its math functions, so the expression
uses plain arithmetic: an equirectangular projection at the *mean* latitude of the centre and
the school, whose cosine is expanded to first order around the centre's latitude,

    dy = (lat - lat0)·π/180
    dx = (lon - lon0)·π/180 · (cos lat0 - sin lat0 · dy/2)
    inside  ⇔  dx² + dy² ≤ (km / R)²

with ``cos lat0`` and ``sin lat0`` computed here, in Python. Compared with the great-circle
(haversine) distance the error is below 0.001 % up to 50 km and below 0.03 % up to 300 km at
Dutch latitudes (``tests/regional/test_geo.py`` measures it) — a few metres at most, well below
the precision of a school's stored coordinates (the centre of its PC4 area). A bounding box on
the plain columns comes first, so the database compares most rows on two ranges only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_

EARTH_RADIUS_KM = 6371.0088  # the mean radius (IUGG)
DEGREE = math.pi / 180
BOX_MARGIN = 1.01  # the box is 1 % larger than the circle, far more than the formula's error

# The area of the Dutch registry (PC4 centres lie within 50.77 to 53.48 °N and 3.38 to 7.21 °E).
NETHERLANDS = (50.70, 3.30, 53.60, 7.30)  # south, west, north, east


@dataclass(frozen=True)
class Box:
    south: float
    west: float
    north: float
    east: float


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The haversine distance in km (the reference the SQL expression is measured against)."""
    phi1, phi2 = lat1 * DEGREE, lat2 * DEGREE
    half = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin((lon2 - lon1) * DEGREE / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(half)))


def approximate_km(lat0: float, lon0: float, lat: float, lon: float) -> float:
    """The distance exactly as :func:`within_radius` computes it in SQL."""
    dy = (lat - lat0) * DEGREE
    dx = (lon - lon0) * DEGREE * (math.cos(lat0 * DEGREE) - math.sin(lat0 * DEGREE) * dy / 2)
    return EARTH_RADIUS_KM * math.sqrt(dx * dx + dy * dy)


def bounding_box(lat0: float, lon0: float, km: float) -> Box:
    """A latitude/longitude box that holds the whole circle (with a margin)."""
    angle = km * BOX_MARGIN / EARTH_RADIUS_KM  # the radius as an angle, in radians
    dlat = angle / DEGREE
    south, north = max(-90.0, lat0 - dlat), min(90.0, lat0 + dlat)
    widest = max(abs(south), abs(north)) * DEGREE
    if angle >= math.pi / 2 or math.cos(widest) <= math.sin(angle):
        return Box(south, -180.0, north, 180.0)  # the circle reaches a pole
    dlon = math.asin(math.sin(angle) / math.cos(widest)) / DEGREE
    return Box(south, lon0 - dlon, north, lon0 + dlon)


def within_radius(
    latitude: ColumnElement[float],
    longitude: ColumnElement[float],
    lat0: float,
    lon0: float,
    km: float,
) -> ColumnElement[bool]:
    """One SQL condition: (``latitude``, ``longitude``) lies within ``km`` of the centre."""
    box = bounding_box(lat0, lon0, km)
    cos0, sin0 = math.cos(lat0 * DEGREE), math.sin(lat0 * DEGREE)
    dy = (latitude - lat0) * DEGREE
    dx = (longitude - lon0) * DEGREE * (cos0 - sin0 / 2 * dy)
    return and_(
        latitude.between(box.south, box.north),
        longitude.between(box.west, box.east),
        dx * dx + dy * dy <= (km / EARTH_RADIUS_KM) ** 2,
    )


def distance_to_netherlands_km(lat: float, lon: float) -> float:
    """How far the point lies from the area of the registry (0 inside it)."""
    south, west, north, east = NETHERLANDS
    nearest_lat = min(max(lat, south), north)
    nearest_lon = min(max(lon, west), east)
    return great_circle_km(lat, lon, nearest_lat, nearest_lon)
