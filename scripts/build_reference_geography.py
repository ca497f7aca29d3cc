"""Build the reference geography tables shipped in ``schoolalert/schools/data/``.

Reads the CBS 2025 generalised boundaries (``cbs/*.geojson``) and the PC4 centre points
(``geo/pc4geoloc.json``) from the shared data folder (``../shared/data`` next to the repository,
or ``--data DIR``) and writes:

- ``municipalities.csv``: every municipality with its province, safety region and police unit
  (the units that hold a point inside the municipality) and that point as its centre;
- ``postcode_areas.csv``: every PC4 with its centre and the municipality it falls in (the nearest
  municipality when the centre lies in no generalised polygon: coast, water).

Pure Python (ray casting), so no geometry library is needed. Run it again when the sources
change: ``.venv/bin/python scripts/build_reference_geography.py``.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
DEFAULT_OUT = ROOT / "schoolalert" / "schools" / "data"

Point = tuple[float, float]  # (lon, lat)
Ring = list[Point]

MUNICIPALITY_COLUMNS = (
    "code",
    "name",
    "province_code",
    "province_name",
    "safety_region_code",
    "safety_region_name",
    "police_unit_code",
    "police_unit_name",
    "latitude",
    "longitude",
)
POSTCODE_COLUMNS = ("pc4", "latitude", "longitude", "municipality_code")


@dataclass(frozen=True)
class Area:
    """One feature: its code, name and the rings of its polygons (outer ring first)."""

    code: str
    name: str
    polygons: tuple[tuple[Ring, ...], ...]

    @property
    def rings(self) -> list[Ring]:
        return [ring for polygon in self.polygons for ring in polygon]

    def contains(self, point: Point) -> bool:
        """Even-odd rule over every ring, so holes are excluded."""
        return any(_inside(point, polygon) for polygon in self.polygons)

    def distance(self, point: Point) -> float:
        """Distance (in degrees of latitude) from the point to the nearest boundary segment."""
        scale = math.cos(math.radians(point[1]))
        return min(
            _segment_distance(point, ring[index - 1], ring[index], scale)
            for ring in self.rings
            for index in range(1, len(ring))
        )


def _inside(point: Point, polygon: tuple[Ring, ...]) -> bool:
    x, y = point
    inside = False
    for ring in polygon:
        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
            if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                inside = not inside
    return inside


def _segment_distance(point: Point, start: Point, end: Point, scale: float) -> float:
    px, py = point[0] * scale, point[1]
    ax, ay, bx, by = start[0] * scale, start[1], end[0] * scale, end[1]
    dx, dy = bx - ax, by - ay
    length = dx * dx + dy * dy
    t = 0.0 if length == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def load_areas(path: Path) -> list[Area]:
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    areas = []
    for feature in features:
        geometry = feature["geometry"]
        parts = geometry["coordinates"]
        if geometry["type"] == "Polygon":
            parts = [parts]
        polygons = tuple(
            tuple([(lon, lat) for lon, lat in ring] for ring in part) for part in parts
        )
        properties = feature["properties"]
        areas.append(Area(properties["statcode"], properties["statnaam"], polygons))
    return sorted(areas, key=lambda area: area.code)


def representative_point(area: Area) -> Point:
    """The area-weighted centroid when it lies inside, else the middle of the widest chord."""
    total = cx = cy = 0.0
    for polygon in area.polygons:
        for number, ring in enumerate(polygon):
            sign = 1 if number == 0 else -1  # holes subtract
            for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
                cross = (x1 * y2 - x2 * y1) * sign
                total += cross
                cx += (x1 + x2) * cross
                cy += (y1 + y2) * cross
    centroid = (cx / (3 * total), cy / (3 * total))
    if area.contains(centroid):
        return centroid
    return _widest_chord_middle(area, centroid[1])


def _widest_chord_middle(area: Area, latitude: float) -> Point:
    crossings = sorted(
        x1 + (latitude - y1) * (x2 - x1) / (y2 - y1)
        for ring in area.rings
        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True)
        if (y1 > latitude) != (y2 > latitude)
    )
    chords = [(crossings[i], crossings[i + 1]) for i in range(0, len(crossings) - 1, 2)]
    start, end = max(chords, key=lambda chord: chord[1] - chord[0])
    return ((start + end) / 2, latitude)


def locate(point: Point, areas: list[Area]) -> tuple[Area, bool]:
    """The area holding the point, or the nearest one (``False`` as second item)."""
    for area in areas:
        if area.contains(point):
            return area, True
    return min(areas, key=lambda area: area.distance(point)), False


def build(data: Path, out: Path) -> None:
    cbs = data / "cbs"
    municipalities = load_areas(cbs / "gemeente_2025.geojson")
    provinces = load_areas(cbs / "provincie_2025.geojson")
    regions = load_areas(cbs / "veiligheidsregio_2025.geojson")
    units = load_areas(cbs / "regionale_eenheid_2025.geojson")

    rows = []
    outside = 0
    for municipality in municipalities:
        point = representative_point(municipality)
        located = [locate(point, areas) for areas in (provinces, regions, units)]
        outside += sum(not found for _, found in located)
        (province, _), (region, _), (unit, _) = located
        rows.append(
            (
                municipality.code,
                municipality.name,
                province.code,
                province.name,
                region.code,
                region.name,
                unit.code,
                unit.name,
                f"{point[1]:.6f}",
                f"{point[0]:.6f}",
            )
        )
    _write(out / "municipalities.csv", MUNICIPALITY_COLUMNS, rows)
    print(f"{len(rows)} municipalities; {outside} lookups fell back to the nearest unit")

    centres = json.loads((data / "geo" / "pc4geoloc.json").read_text(encoding="utf-8"))
    rows = []
    nearest = 0
    for pc4, (latitude, longitude) in sorted(centres.items()):
        municipality, found = locate((longitude, latitude), municipalities)
        nearest += not found
        rows.append((pc4, f"{latitude:.6f}", f"{longitude:.6f}", municipality.code))
    _write(out / "postcode_areas.csv", POSTCODE_COLUMNS, rows)
    print(f"{len(rows)} postcode areas; {nearest} outside every municipality took the nearest")


def _write(path: Path, columns: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data folder")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    arguments = parser.parse_args()
    build(arguments.data, arguments.out)


if __name__ == "__main__":
    main()
