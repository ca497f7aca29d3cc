"""The selectors' part of the draft form: the templates render plain inputs named
``regional_*`` and ``from_form`` reads them back into the value the API takes."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from flask import render_template_string
from werkzeug.datastructures import MultiDict

from plugins.regional import form_input
from schoolalert.alerts.targeting import parse_targeting
from schoolalert.errors import InvalidInput

ENGLISH = {"Cookie": "language=en"}  # the web page's language switch
VALUES = {
    "police_units": ["RE03", "RE05"],
    "provinces": ["PV27"],
    "municipalities": ["GM0363", "GM0402", "GM1959"],
    "postcodes": ["1011-1099", "3500"],
    "radius": {"lat": 52.3731, "lon": 4.8922, "km": 12.5},
}


class Inputs(HTMLParser):
    """What a browser would submit: checked checkboxes and text inputs, plus every id."""

    def __init__(self) -> None:
        super().__init__()
        self.form: MultiDict[str, str] = MultiDict()
        self.names: set[str] = set()
        self.ids: list[str] = []
        self.open_details = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.append(attributes["id"])
        if tag == "details" and "open" in attributes:
            self.open_details += 1
        if tag != "input":
            return
        self.names.add(attributes["name"])
        if attributes["type"] == "checkbox" and "checked" not in attributes:
            return
        if attributes.get("value"):
            self.form.add(attributes["name"], attributes["value"])


def selector(app, key):
    return app.extensions["schoolalert.targeting"][key][1]


def render(app, key, value):
    with app.test_request_context(headers=ENGLISH):
        html = render_template_string(
            "{% include selector.form_template %}", selector=selector(app, key), value=value
        )
    inputs = Inputs()
    inputs.feed(html)
    return html, inputs


@pytest.mark.parametrize("key", sorted(VALUES))
def test_a_rendered_value_reads_back_as_the_same_value(regional, key):
    _html, inputs = render(regional.app, key, VALUES[key])
    assert inputs.names
    assert all(name.startswith("regional_") for name in inputs.names)
    with regional.app.test_request_context():
        read = selector(regional.app, key).from_form(inputs.form)
        assert read == VALUES[key]
        assert parse_targeting({key: read}) == {key: VALUES[key]}


@pytest.mark.parametrize("key", sorted(VALUES))
def test_an_empty_form_reads_as_nothing(regional, key):
    _html, inputs = render(regional.app, key, None)
    assert inputs.form == MultiDict()
    with regional.app.test_request_context():
        assert selector(regional.app, key).from_form(inputs.form) is None
        assert selector(regional.app, key).from_form({}) is None


def test_the_templates_have_no_inline_script_or_style_and_unique_ids(regional):
    ids = []
    for key, value in VALUES.items():
        html, inputs = render(regional.app, key, value)
        assert "<script" not in html
        assert "style=" not in html
        assert "<style" not in html
        assert " on" not in html.replace(" open", "")  # no onclick= and the like
        ids += inputs.ids
    assert len(ids) == len(set(ids))


def test_the_lists_show_every_unit_province_and_municipality(regional):
    _html, units = render(regional.app, "police_units", None)
    assert len([name for name in units.ids if name.startswith("regional-police-units-RE")]) == 10
    _html, provinces = render(regional.app, "provinces", None)
    assert len([name for name in provinces.ids if name.startswith("regional-provinces-PV")]) == 12
    html, municipalities = render(regional.app, "municipalities", ["GM0402", "GM0363"])
    ids = [name for name in municipalities.ids if name.startswith("regional-municipalities-GM")]
    assert len(ids) == 342
    assert municipalities.open_details == 1  # Noord-Holland, where both lie
    assert "Noord-Holland (2 chosen)" in html


def test_the_radius_form_shows_the_largest_radius(regional):
    html, _inputs = render(regional.app, "radius", None)
    assert "At most 50 km." in html


def test_form_input_accepts_what_people_type():
    form = MultiDict(
        {
            "regional_postcodes": "1011 - 1099;3500\n 3600\u20133699,,",
            "regional_radius_lat": " 52,3731 ",
            "regional_radius_lon": "4.8922",
            "regional_radius_km": "10",
        }
    )
    assert form_input.read_postcodes(form) == ["1011-1099", "3500", "3600-3699"]
    assert form_input.read_radius(form) == {"lat": 52.3731, "lon": 4.8922, "km": 10.0}
    assert form_input.read_radius({"regional_radius_km": "tien"}) == {"km": "tien"}
    assert form_input.read_radius({"regional_radius_lat": "  "}) is None
    reader = form_input.code_list_reader("provinces")
    assert reader({"regional_provinces": ["PV27", " ", "PV26", "PV27"]}) == ["PV26", "PV27"]
    assert reader({"regional_provinces": "PV27"}) == ["PV27"]


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"regional_radius_lat": "52,37", "regional_radius_lon": "4,89"}, "radius in kilometres"),
        ({"regional_radius_lat": "noord", "regional_radius_km": "5"}, "latitude of the centre"),
        ({"regional_postcodes": "1099-"}, "Not a postcode area"),
    ],
)
def test_a_half_filled_form_is_refused_by_parse_with_the_same_messages(regional, form, message):
    key = "radius" if "regional_radius_lat" in form else "postcodes"
    with regional.app.test_request_context(headers=ENGLISH):
        read = selector(regional.app, key).from_form(MultiDict(form))
        with pytest.raises(InvalidInput, match=message) as refused:
            parse_targeting({key: read})
    assert refused.value.field == key


def test_describe_summarises_each_value_for_the_approval_page(regional):
    expected = {
        "police_units": "Police units: Midden-Nederland (RE03), Amsterdam (RE05)",
        "provinces": "Provinces: Noord-Holland (PV27)",
        "municipalities": "Municipalities: Amsterdam (GM0363), Hilversum (GM0402), Altena (GM1959)",
        "postcodes": "Postcode areas: 1011\u20131099, 3500",
        "radius": "Within 12.5 km of 52.3731° N, 4.8922° E",
    }
    with regional.app.test_request_context(headers=ENGLISH):
        for key, value in VALUES.items():
            assert selector(regional.app, key).describe(value) == expected[key]
