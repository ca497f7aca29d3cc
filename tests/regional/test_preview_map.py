"""The draft form's preview map with the regional plugin: the radius drawn as a circle, the
targeted locations apart from the other participating ones, and a legend that says so."""

from __future__ import annotations

from tests.factories import csrf_from


def test_the_preview_draws_the_radius_and_explains_the_map(regional, signed_in):
    client = signed_in(regional.investigator)
    token = csrf_from(client.get("/alerts/new").text)
    amsterdam = regional.named["amsterdam"]
    response = client.post(
        "/alerts/preview",
        data={
            "csrf_token": token,
            "regional_radius_lat": str(amsterdam.latitude),
            "regional_radius_lon": str(amsterdam.longitude),
            "regional_radius_km": "5",
        },
    )
    assert response.status_code == 200
    page = response.text
    assert page.count('<circle class="map-circle"') == 1
    assert page.count('class="map-province"') == 12
    assert 'class="map-dots map-hit"' in page
    assert 'class="map-dots map-all"' in page  # the other participating locations
    legend = page[page.index('id="map-legend"') :].split("</ul>")[0]
    assert "straal" in legend or "radius" in legend
    assert "deelnemende" in legend or "participating" in legend
    assert "style=" not in page


def test_without_a_radius_there_is_no_circle(regional, signed_in):
    client = signed_in(regional.investigator)
    token = csrf_from(client.get("/alerts/new").text)
    response = client.post(
        "/alerts/preview", data={"csrf_token": token, "schools": regional.named["amsterdam"].code}
    )
    assert response.status_code == 200
    assert "map-circle" not in response.text
    assert "legend-circle" not in response.text
