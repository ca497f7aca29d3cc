"""A small SVG map of the Netherlands with school locations as dots, drawn by the app itself.

No tiles and nothing from the internet: locations are projected onto a fixed frame around the
country, rounded to whole units (about a kilometre), de-duplicated, and written as one ``<path>``
per layer whose zero-length segments the stylesheet draws as round dots (``.map-dots``): the land
(``.map-land``), every active location (``.map-all``) and the targeted ones (``.map-hit``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from markupsafe import Markup

Point = tuple[float, float]  # (latitude, longitude)

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


def school_map(
    background: Iterable[Point],
    highlighted: Iterable[Point],
    *,
    label: str,
    land: Iterable[Point] = (),
) -> Markup:
    """The SVG: ``background`` locations faint, ``highlighted`` ones on top; ``label`` names it.

    ``land`` (for instance the municipalities' points) is drawn first, fainter still, so the
    country's shape shows even when there are few schools.
    """
    layers = [
        Markup('<path class="{}" d="{}"/>').format(css_class, data)
        for css_class, data in (
            ("map-dots map-land", dots_path(land)),
            ("map-dots map-all", dots_path(background)),
            ("map-dots map-hit", dots_path(highlighted)),
        )
        if data
    ]
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        'aria-label="{label}"><title>{label}</title>'
        '<rect class="map-frame" width="{width}" height="{height}"/>{layers}</svg>'
    ).format(width=WIDTH, height=HEIGHT, label=label, layers=Markup("").join(layers))
