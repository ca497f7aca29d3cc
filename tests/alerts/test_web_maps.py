"""The SVG map renderer: a pure function of the school coordinates."""

from __future__ import annotations

import random
import re
from pathlib import Path

from schoolalert.alerts.maps import (
    HEIGHT,
    WIDTH,
    dots_path,
    project,
    province_outlines,
    school_map,
)

AMSTERDAM = (52.371, 4.904)
ROTTERDAM = (51.922, 4.479)
MAASTRICHT = (50.851, 5.691)
NEW_YORK = (40.71, -74.0)


def test_projection_keeps_the_country_inside_the_frame():
    for point in (AMSTERDAM, ROTTERDAM, MAASTRICHT, (53.45, 6.8), (51.4, 3.4)):
        x, y = project(*point)
        assert 0 <= x <= WIDTH
        assert 0 <= y <= HEIGHT
    assert project(*NEW_YORK) is None
    # North is up, east is right.
    assert project(*AMSTERDAM)[1] < project(*MAASTRICHT)[1]
    assert project(*ROTTERDAM)[0] < project(*AMSTERDAM)[0]


def test_points_in_the_same_cell_become_one_dot_and_moves_are_relative():
    x, y = project(*AMSTERDAM)
    path = dots_path([AMSTERDAM, AMSTERDAM, (AMSTERDAM[0] + 0.001, AMSTERDAM[1]), ROTTERDAM])
    assert path.count("h0") == 2
    assert path.startswith(f"M{x} {y}h0m")  # Amsterdam is further north: drawn first
    rx, ry = project(*ROTTERDAM)
    assert path.endswith(f"m{rx - x} {ry - y}h0")


def test_points_outside_the_frame_are_left_out():
    assert dots_path([NEW_YORK]) == ""
    svg = school_map([NEW_YORK], [], label="x")
    assert "map-dots" not in svg


def test_the_map_has_a_faint_layer_and_a_highlighted_layer_without_inline_style():
    svg = str(school_map([AMSTERDAM, ROTTERDAM, MAASTRICHT], [ROTTERDAM], label="3 schools"))
    assert svg.startswith("<svg ")
    assert f'viewBox="0 0 {WIDTH} {HEIGHT}"' in svg
    assert re.search(r'<path class="map-dots map-all" d="M[^"]+"/>', svg)
    highlighted = re.search(r'<path class="map-dots map-hit" d="([^"]+)"/>', svg)
    assert highlighted
    assert highlighted.group(1).count("h0") == 1
    assert svg.index("map-all") < svg.index("map-hit")  # highlighted dots on top
    assert "style" not in svg
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_the_label_is_escaped():
    svg = str(school_map([], [], label='<script>"x"</script>'))
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert 'role="img"' in svg


def test_the_same_input_gives_the_same_map_and_a_national_map_stays_small():
    rng = random.Random(4)
    schools = [(rng.uniform(50.8, 53.5), rng.uniform(3.4, 7.2)) for _ in range(7000)]
    first = school_map(schools, schools[:300], label="all")
    assert first == school_map(list(reversed(schools)), schools[:300], label="all")
    assert len(first) < 80_000


def test_the_twelve_provinces_are_drawn_first_from_the_shipped_outlines():
    svg = str(school_map([AMSTERDAM], [ROTTERDAM], label="x"))
    assert svg.count('class="map-province"') == 12
    assert "<title>Fryslân</title>" in svg
    assert svg.index("map-province") < svg.index("map-all") < svg.index("map-hit")
    for data in re.findall(r'class="map-province" d="([^"]+)"', svg):
        assert data.startswith("M")
        assert data.endswith("z")


def test_the_outlines_are_a_small_file_inside_the_package():
    import schoolalert.alerts

    outlines = Path(schoolalert.alerts.__file__).parent / "data" / "provinces.json"
    assert outlines.is_file()
    assert outlines.stat().st_size < 20_000
    assert {code for code, _name, _data in province_outlines()} == {
        f"PV{number}" for number in range(20, 32)
    }


def test_the_outlines_hold_the_cities_in_their_provinces():
    """Amsterdam in Noord-Holland, Maastricht in Limburg (point in polygon on the drawn path)."""
    shapes = {name: polygons(data) for _code, name, data in province_outlines()}
    assert inside(project(*AMSTERDAM), shapes["Noord-Holland"])
    assert inside(project(*MAASTRICHT), shapes["Limburg"])
    assert not inside(project(*MAASTRICHT), shapes["Noord-Holland"])


def test_a_radius_is_drawn_as_a_circle_of_the_right_size():
    svg = str(school_map([], [AMSTERDAM], label="x", circles=[(AMSTERDAM[0], AMSTERDAM[1], 11.12)]))
    circle = re.search(
        r'<circle class="map-circle" cx="([\d.]+)" cy="([\d.]+)" r="([\d.]+)"/>', svg
    )
    assert circle
    x, y = project(*AMSTERDAM)
    assert abs(float(circle.group(1)) - x) <= 0.5
    assert abs(float(circle.group(2)) - y) <= 0.5
    assert float(circle.group(3)) == 10.0  # 11.12 km is ten units
    assert svg.index("map-hit") < svg.index("map-circle")


def polygons(data: str) -> list[list[tuple[int, int]]]:
    rings = []
    for ring in re.findall(r"M[^z]*z", data):
        x = y = 0
        points = []
        for command, dx, dy in re.findall(r"([Ml])(-?\d+) (-?\d+)", ring):
            if command == "M":
                x, y = int(dx), int(dy)
            else:
                x, y = x + int(dx), y + int(dy)
            points.append((x, y))
        rings.append(points)
    return rings


def inside(point, rings) -> bool:
    px, py = point
    hits = 0
    for ring in rings:
        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
            if (y1 > py) != (y2 > py) and px < x1 + (py - y1) * (x2 - x1) / (y2 - y1):
                hits += 1
    return hits % 2 == 1
