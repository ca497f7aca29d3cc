"""Build the province outlines of the preview map, ``schoolalert/alerts/data/provinces.json``.

Reads the CBS 2025 generalised province boundaries (``cbs/provincie_2025.geojson``) from the
shared data folder (``../shared/data`` next to the repository, or ``--data DIR``), projects every
ring onto the map's frame (:func:`schoolalert.alerts.maps.project`, whole units of about a
kilometre), simplifies it (Douglas-Peucker, ``--tolerance`` units), drops islets smaller than
``--min-area`` square units, and writes per province its code, name and SVG path data.
Boundaries: CBS / Kadaster (PDOK), CC BY 4.0. Run it again when the source changes:
``.venv/bin/python scripts/build_province_outlines.py``.
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

from schoolalert.alerts.maps import project

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
DEFAULT_OUT = ROOT / "schoolalert" / "alerts" / "data" / "provinces.json"

Cell = tuple[int, int]


def simplify(points: list[Cell], tolerance: float) -> list[Cell]:
    """Douglas-Peucker on an open polyline (iterative, so long rings do not recurse deeply)."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (ax, ay), (bx, by) = points[first], points[last]
        length = ((bx - ax) ** 2 + (by - ay) ** 2) ** 0.5
        farthest, distance = None, tolerance
        for index in range(first + 1, last):
            px, py = points[index]
            if length == 0:
                gap = ((px - ax) ** 2 + (py - ay) ** 2) ** 0.5
            else:
                gap = abs((bx - ax) * (ay - py) - (ax - px) * (by - ay)) / length
            if gap > distance:
                farthest, distance = index, gap
        if farthest is not None:
            keep[farthest] = True
            stack += [(first, farthest), (farthest, last)]
    return [point for point, kept in zip(points, keep, strict=True) if kept]


def area(ring: list[Cell]) -> float:
    return (
        abs(
            sum(
                x1 * y2 - x2 * y1
                for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True)
            )
        )
        / 2
    )


def ring_path(coordinates: list[list[float]], tolerance: float, min_area: float) -> str:
    cells: list[Cell] = []
    for lon, lat in coordinates:
        cell = project(lat, lon)
        if cell is not None and (not cells or cells[-1] != cell):
            cells.append(cell)
    if len(cells) > 1 and cells[0] == cells[-1]:
        cells.pop()
    if len(cells) < 3 or area(cells) < min_area:
        return ""
    # Split the closed ring in two halves so both ends are fixed points of the simplification.
    middle = len(cells) // 2
    ring = (
        simplify(cells[: middle + 1], tolerance)[:-1]
        + simplify(cells[middle:] + cells[:1], tolerance)[:-1]
    )
    if len(ring) < 3:
        return ""
    x, y = ring[0]
    parts = [f"M{x} {y}"]
    for (px, py), (cx, cy) in itertools.pairwise(ring):
        parts.append(f"l{cx - px} {cy - py}")
    return "".join(parts) + "z"


def outlines(source: Path, tolerance: float, min_area: float) -> list[dict[str, str]]:
    collection = json.loads(source.read_text(encoding="utf-8"))
    result = []
    for feature in collection["features"]:
        geometry = feature["geometry"]
        polygons = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        path = "".join(
            ring_path(ring, tolerance, min_area) for polygon in polygons for ring in polygon[:1]
        )
        properties = feature["properties"]
        result.append({"code": properties["statcode"], "name": properties["statnaam"], "d": path})
    return sorted(result, key=lambda item: item["code"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--tolerance", type=float, default=1.2)
    parser.add_argument("--min-area", type=float, default=6.0)
    args = parser.parse_args()
    provinces = outlines(
        args.data / "cbs" / "provincie_2025.geojson", args.tolerance, args.min_area
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "source": "CBS / Kadaster (PDOK), provincie 2025, generalised; CC BY 4.0",
        "provinces": provinces,
    }
    args.out.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(provinces)} provinces, {args.out.stat().st_size} bytes → {args.out}")


if __name__ == "__main__":
    main()
