"""Disabling the plugin removes it from the API and the UI without touching published alerts;
enabling it brings everything back."""

from __future__ import annotations

import pytest

from tests.regional.conftest import enable

REGIONAL_TARGETING = {
    "police_units": {"police_units": ["RE05"]},
    "provinces": {"provinces": ["PV27"]},
    "municipalities": {"municipalities": ["GM0363"]},
    "postcodes": {"postcodes": ["1000-1099"]},
    "radius": {"radius": {"lat": 52.3731, "lon": 4.8922, "km": 5}},
}


@pytest.mark.parametrize("key", sorted(REGIONAL_TARGETING))
def test_hook_register_targeting_selectors_unknown_while_disabled_restored_when_enabled(
    regional, key
):
    targeting = REGIONAL_TARGETING[key]
    assert regional.preview(targeting).status_code == 200
    enable(regional.app, False)
    response = regional.preview(targeting)
    assert response.status_code == 422
    assert response.json["error"]["message"] == f"Unknown targeting selector: {key}."
    body_targeting = targeting | {"schools": [regional.named["amsterdam"].code]}
    response = regional.api(
        "POST",
        "/alerts",
        regional.investigator,
        json={
            "case_reference": "ZAAK-1",
            "justification": "Established abuse; other means exhausted.",
            "description": "Girl of about seven.",
            "age_estimate": "7",
            "targeting": body_targeting,
        },
    )
    assert response.status_code == 422
    assert key in response.json["error"]["message"]
    enable(regional.app)
    assert regional.preview(targeting).json["count"] >= 1


def test_the_settings_page_and_its_link_exist_only_while_enabled(regional, signed_in):
    admin = signed_in(regional.extra["make_user"]("admin"))
    page = admin.get("/admin/plugins")
    assert 'href="/plugins/regional/settings"' in page.text
    assert admin.get("/plugins/regional/settings").status_code == 200
    enable(regional.app, False)
    assert admin.get("/plugins/regional/settings").status_code == 404
    assert "/plugins/regional/settings" not in admin.get("/admin/plugins").text
    enable(regional.app)
    assert admin.get("/plugins/regional/settings").status_code == 200


def test_a_published_alert_keeps_its_recipients_when_the_plugin_is_disabled(regional):
    alert_id = regional.published(targeting={"police_units": ["RE05"]})
    assert regional.recipients(alert_id) == {"amsterdam", "amstelveen"}
    staff = regional.staff[0]  # works at the Amsterdam school
    assert regional.staff_alert(alert_id, staff).status_code == 200
    before = regional.api("GET", f"/alerts/{alert_id}", regional.investigator).json

    enable(regional.app, False)
    assert regional.recipients(alert_id) == {"amsterdam", "amstelveen"}
    after = regional.api("GET", f"/alerts/{alert_id}", regional.investigator).json
    assert after["status"] == "published"
    assert after["targeting"] == before["targeting"] == {"police_units": ["RE05"]}
    assert after["stats"]["schools_targeted"] == before["stats"]["schools_targeted"] == 2
    assert regional.staff_alert(alert_id, staff).status_code == 200
    assert regional.staff_alert(alert_id, regional.staff[1]).status_code == 404  # Groningen

    enable(regional.app)
    assert regional.recipients(alert_id) == {"amsterdam", "amstelveen"}


def test_an_alert_aimed_by_the_plugin_waits_for_it_to_be_enabled_before_approval(regional):
    alert_id = regional.submitted(targeting={"provinces": ["PV27"]})
    enable(regional.app, False)
    response = regional.api(
        "POST", f"/alerts/{alert_id}/approve", regional.prosecutor, json={"images_checked": True}
    )
    assert response.status_code == 422
    assert response.json["error"]["message"] == "Unknown targeting selector: provinces."
    assert regional.recipients(alert_id) == set()
    enable(regional.app)
    response = regional.api(
        "POST", f"/alerts/{alert_id}/approve", regional.prosecutor, json={"images_checked": True}
    )
    assert response.status_code == 200
    assert regional.recipients(alert_id) == {"amsterdam", "amstelveen", "hilversum"}


def test_the_frozen_recipients_are_what_the_preview_showed(regional):
    targeting = {
        "municipalities": ["GM0402"],
        "postcodes": ["3000-3599"],
        "radius": {"lat": 53.2167, "lon": 6.5696, "km": 5},
        "exclude": [regional.named["rotterdam"].code],
    }
    alert_id = regional.submitted(targeting=targeting)
    shown = regional.reached(targeting)
    assert shown == {"hilversum", "utrecht", "groningen"}
    response = regional.api(
        "POST", f"/alerts/{alert_id}/approve", regional.prosecutor, json={"images_checked": True}
    )
    assert response.status_code == 200
    assert regional.recipients(alert_id) == shown
    assert response.json["stats"]["schools_targeted"] == len(shown)


def test_the_plugin_page_describes_the_plugin_in_the_users_language(regional, signed_in):
    admin = signed_in(regional.extra["make_user"]("admin"))
    assert (
        "Regionale selectie: bereik scholen per politie-eenheid" in admin.get("/admin/plugins").text
    )
