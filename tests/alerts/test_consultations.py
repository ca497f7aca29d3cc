"""Every consultation is in the audit trail: description reads and the prosecutor's statement."""

from __future__ import annotations

from sqlalchemy import select

from schoolalert.audit.models import AuditEvent
from schoolalert.extensions import db


def reads(world, alert_id: int) -> list[tuple[int, int | None]]:
    with world.app.app_context():
        rows = db.session.execute(
            select(AuditEvent.actor_id, AuditEvent.details)
            .where(AuditEvent.alert_id == alert_id, AuditEvent.action == "alert.description_read")
            .order_by(AuditEvent.sequence)
        ).all()
    return [(actor, details.get("school_id")) for actor, details in rows]


def test_reading_the_description_is_recorded_through_every_door(world, web):
    alert_id = world.published()
    staff = world.staff[0]
    before = len(reads(world, alert_id))
    # Staff API and staff portal page.
    assert world.staff_alert(alert_id, staff).json["description"].startswith("Girl of about")
    assert "Girl of about seven" in web.get(staff, f"/portal/alerts/{alert_id}").text
    # Police API and police page.
    police = world.api("GET", f"/alerts/{alert_id}", world.prosecutor).json
    assert police["description"].startswith("Girl of about")
    assert "Girl of about seven" in web.get(world.investigator, f"/alerts/{alert_id}").text
    recorded = reads(world, alert_id)[before:]
    assert recorded == [
        (staff.id, staff.school_id),
        (staff.id, staff.school_id),
        (world.prosecutor.id, None),
        (world.investigator.id, None),
    ]


def test_a_list_does_not_decrypt_and_a_refused_reader_leaves_no_read(world):
    alert_id = world.published()
    before = reads(world, alert_id)
    assert world.api("GET", "/me/alerts", world.staff[0]).status_code == 200
    assert world.api("GET", "/alerts", world.investigator).status_code == 200
    assert world.staff_alert(alert_id, world.outsider).status_code == 404
    assert reads(world, alert_id) == before


def test_approval_requires_and_records_the_statement_about_the_images(world):
    alert_id = world.submitted()
    for body in ({}, {"images_checked": False}, {"images_checked": "yes"}):
        refused = world.api("POST", f"/alerts/{alert_id}/approve", world.prosecutor, json=body)
        assert refused.status_code == 422
        assert (
            refused.json["error"]["message"]
            == "Bevestig dat u elke afbeelding heeft gecontroleerd."
        )
    assert world.api("GET", f"/alerts/{alert_id}", world.prosecutor).json["status"] == "submitted"
    approved = world.api(
        "POST", f"/alerts/{alert_id}/approve", world.prosecutor, json={"images_checked": True}
    )
    assert approved.status_code == 200
    with world.app.app_context():
        entry = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.alert_id == alert_id, AuditEvent.action == "alert.approved"
            )
        ).one()
    assert entry.actor_id == world.prosecutor.id
    assert entry.details["images_checked"] is True
    assert entry.details["images"] == 2


def test_the_approval_form_states_it_too(world, web):
    alert_id = world.submitted()
    refused = web.post(world.prosecutor, f"/alerts/{alert_id}/approve", {})
    assert refused.status_code == 422
    assert "Bevestig dat u elke afbeelding" in refused.text
    done = web.post(
        world.prosecutor, f"/alerts/{alert_id}/approve", {"images_checked": "y", "confirmed": "yes"}
    )
    assert done.status_code == 302
