"""A small SVG map of the Netherlands with school locations as dots, drawn by the app itself.

No tiles and nothing from the internet: the province outlines (``data/provinces.json``, built
from the CBS boundaries by ``scripts/build_province_outlines.py``) are drawn first
(``.map-province``), then locations projected onto a fixed frame around the country, rounded to
whole units (about a kilometre), de-duplicated, and written as one ``<path>`` per layer whose
zero-length segments the stylesheet draws as round dots (``.map-dots``): every other
participating location (``.map-all``) and the targeted ones on top (``.map-hit``), and any
circles of the targeting (a radius, ``.map-circle``).
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable
from importlib import resources

from markupsafe import Markup

Point = tuple[float, float]  # (latitude, longitude)
Circle = tuple[float, float, float]  # (latitude, longitude, radius in km)
KM_PER_UNIT = 111.2 / 100  # one unit of latitude (the x scale is the same within a few percent)

# The frame: the European Netherlands with a small margin, in degrees.
SOUTH, NORTH, WEST, EAST = 50.70, 53.60, 3.30, 7.25
UNITS_PER_DEGREE = 100  # of latitude; one unit is about 1.1 km
X_SCALE = UNITS_PER_DEGREE * math.cos(math.radians((SOUTH + NORTH) / 2))
WIDTH = math.ceil((EAST - WEST) * X_SCALE)
HEIGHT = math.ceil((NORTH - SOUTH) * UNITS_PER_DEGREE)


def project(latitude: float, longitude: float) -> tuple[int, int] | None:
    """Whole map units (x to the east, y to the south), or None outside the frame."""
    if not (SOUTH <= latitude <= NORTH and WEST <= longitude <= EAST):
        return None
    return round((longitude - WEST) * X_SCALE), round((NORTH - latitude) * UNITS_PER_DEGREE)


def dots_path(points: Iterable[Point]) -> str:
    """Path data with one zero-length segment per distinct projected point, relative moves."""
    cells = sorted(
        {cell for cell in (project(lat, lon) for lat, lon in points) if cell is not None},
        key=lambda cell: (cell[1], cell[0]),
    )
    parts: list[str] = []
    previous: tuple[int, int] | None = None
    for x, y in cells:
        if previous is None:
            parts.append(f"M{x} {y}h0")
        else:
            parts.append(f"m{x - previous[0]} {y - previous[1]}h0")
        previous = (x, y)
    return "".join(parts)


@functools.cache
def province_outlines() -> tuple[tuple[str, str, str], ...]:
    """(code, name, path data) per province, from the shipped reference file."""
    text = resources.files("schoolalert.alerts").joinpath("data/provinces.json").read_text("utf-8")
    return tuple((item["code"], item["name"], item["d"]) for item in json.loads(text)["provinces"])


def circle_element(circle: Circle) -> Markup:
    latitude, longitude, km = circle
    x, y = (longitude - WEST) * X_SCALE, (NORTH - latitude) * UNITS_PER_DEGREE
    return Markup('<circle class="map-circle" cx="{}" cy="{}" r="{}"/>').format(
        round(x, 1), round(y, 1), round(km / KM_PER_UNIT, 1)
    )


def school_map(
    background: Iterable[Point],
    highlighted: Iterable[Point],
    *,
    label: str,
    circles: Iterable[Circle] = (),
) -> Markup:
    """The SVG: provinces, ``background`` locations faint, ``highlighted`` ones on top, and
    the ``circles`` of the targeting; ``label`` names it."""
    provinces = [
        Markup('<path class="map-province" d="{}"><title>{}</title></path>').format(data, name)
        for _code, name, data in province_outlines()
        if data
    ]
    layers = [
        Markup('<path class="{}" d="{}"/>').format(css_class, data)
        for css_class, data in (
            ("map-dots map-all", dots_path(background)),
            ("map-dots map-hit", dots_path(highlighted)),
        )
        if data
    ]
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        'aria-label="{label}"><title>{label}</title>'
        '<rect class="map-frame" width="{width}" height="{height}"/>'
        '<g class="map-provinces">{provinces}</g>{layers}{circles}</svg>'
    ).format(
        width=WIDTH,
        height=HEIGHT,
        label=label,
        provinces=Markup("").join(provinces),
        layers=Markup("").join(layers),
        circles=Markup("").join(circle_element(circle) for circle in circles),
    )
