"""A rejected alert is a draft again in every respect: no prosecutor lists or reads it, its
images or the investigator's rework until it is submitted again."""

from __future__ import annotations

from schoolalert.alerts.models import Alert
from schoolalert.extensions import db


def test_a_rejected_alert_is_hidden_from_prosecutors_until_resubmitted(world, make_user, web):
    alert_id = world.submitted()
    other_prosecutor = make_user("prosecutor")
    with world.app.app_context():
        image_id = db.session.get(Alert, alert_id).images[0].id
    rejected = world.api(
        "POST", f"/alerts/{alert_id}/reject", world.prosecutor, json={"reason": "Too vague."}
    )
    assert rejected.status_code == 200
    assert rejected.json["submitted_at"] is None
    with world.app.app_context():
        assert db.session.get(Alert, alert_id).submitted_at is None

    reworked = world.api(
        "PUT",
        f"/alerts/{alert_id}",
        world.investigator,
        json={
            "case_reference": "ZAAK-2026-0042",
            "justification": "Reworked justification.",
            "description": "A new description the prosecutors must not read yet.",
            "age_estimate": "7",
            "targeting": {"schools": [school.code for school in world.schools]},
        },
    )
    assert reworked.status_code == 200
    for prosecutor in (world.prosecutor, other_prosecutor):
        listed = world.api("GET", "/alerts", prosecutor).json["alerts"]
        assert alert_id not in [alert["id"] for alert in listed]
        assert world.api("GET", f"/alerts/{alert_id}", prosecutor).status_code == 404
        image = world.api("GET", f"/alerts/{alert_id}/images/{image_id}", prosecutor)
        assert image.status_code == 404
        assert web.get(prosecutor, f"/alerts/{alert_id}").status_code == 404
        assert "A new description" not in web.get(prosecutor, "/alerts").text
    # the investigator still works on it
    assert world.api("GET", f"/alerts/{alert_id}", world.investigator).status_code == 200

    assert world.api("POST", f"/alerts/{alert_id}/submit", world.investigator).status_code == 200
    again = world.api("GET", f"/alerts/{alert_id}", other_prosecutor)
    assert again.status_code == 200
    assert again.json["submitted_at"] is not None


def test_rejecting_on_the_web_returns_the_prosecutor_to_the_dashboard(world, web):
    alert_id = world.submitted()
    response = web.post(world.prosecutor, f"/alerts/{alert_id}/reject", {"reason": "No."})
    assert response.status_code == 302
    assert response.headers["Location"].rstrip("/").endswith("/alerts")
