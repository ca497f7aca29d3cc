"""The SVG map renderer: a pure function of the school coordinates."""

from __future__ import annotations

import random
import re

from schoolalert.alerts.maps import HEIGHT, WIDTH, dots_path, project, school_map

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
    assert "<path" not in svg


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


def test_the_land_layer_is_drawn_first():
    svg = str(school_map([AMSTERDAM], [AMSTERDAM], label="x", land=[MAASTRICHT, ROTTERDAM]))
    assert svg.index("map-land") < svg.index("map-all") < svg.index("map-hit")
    land = re.search(r'<path class="map-dots map-land" d="([^"]+)"/>', svg).group(1)
    assert land.count("h0") == 2
