"""The alert life cycle over the API, and every wrong step along it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from schoolalert.accounts.models import User
from schoolalert.accounts.roles import Role
from schoolalert.alerts.models import Alert, AlertRecipient, AlertStatus
from schoolalert.audit.models import AuditEvent
from schoolalert.extensions import db
from schoolalert.schools.models import School


def status(world, alert_id):
    return world.api("GET", f"/alerts/{alert_id}", world.investigator).json["status"]


def test_the_whole_flow_from_draft_to_verified_purge(world, run_jobs):
    alert_id = world.published()
    run_jobs()
    alert = world.api("GET", f"/alerts/{alert_id}", world.investigator).json
    assert alert["status"] == "published"
    assert alert["stats"] == {
        "schools_targeted": 2,
        "staff_notified": 2,
        "schools_viewed": 0,
        "views": 0,
        "responses": 0,
        "recognised": 0,
    }
    staff = world.staff[0]
    listed = world.api("GET", "/me/alerts", staff).json
    assert [item["id"] for item in listed["alerts"]] == [alert_id]
    detail = world.staff_alert(alert_id, staff).json
    assert detail["description"].startswith("Girl of about seven")
    assert not {"case_reference", "justification"} & set(detail)
    image = world.client.get(detail["images"][0]["url"], headers=world.headers(staff))
    assert image.status_code == 200
    answer = world.api(
        "POST",
        f"/me/alerts/{alert_id}/response",
        staff,
        json={"kind": "recognised", "message": "Lijkt op Lisa, groep 4"},
    )
    assert answer.status_code == 201
    stats = world.api("GET", f"/alerts/{alert_id}", world.investigator).json["stats"]
    assert stats | {} == {
        "schools_targeted": 2,
        "staff_notified": 2,
        "schools_viewed": 1,
        "views": 1,
        "responses": 1,
        "recognised": 1,
    }
    tips = world.api("GET", f"/alerts/{alert_id}/responses", world.investigator).json["responses"]
    assert tips[0]["tip"] == {"message": "Lijkt op Lisa, groep 4"}
    assert tips[0]["school"]["code"] == world.schools[0].code
    closed = world.api(
        "POST", f"/alerts/{alert_id}/close", world.investigator, json={"reason": "identified"}
    )
    assert closed.status_code == 200
    run_jobs()
    record = world.api("GET", f"/alerts/{alert_id}/purge", world.prosecutor).json
    assert record["verified"] is True
    assert record["images_destroyed"] == 2
    assert record["reason"] == "identified"
    assert world.staff_alert(alert_id, staff).status_code == 404


def test_every_transition_is_audited_with_its_actor(world, run_jobs):
    alert_id = world.published()
    world.api("POST", f"/alerts/{alert_id}/close", world.investigator, json={"reason": "withdrawn"})
    run_jobs()
    with world.app.app_context():
        entries = db.session.execute(
            select(AuditEvent.action, AuditEvent.actor_id)
            .where(
                AuditEvent.alert_id == alert_id,
                AuditEvent.action.like("alert.%"),
                AuditEvent.action != "alert.description_read",
            )
            .order_by(AuditEvent.sequence)
        ).all()
    actions = [action for action, _ in entries]
    assert actions == [
        "alert.created",
        "alert.image_added",
        "alert.image_added",
        "alert.submitted",
        "alert.approved",
        "alert.closed",
        "alert.purged",
        "alert.purge_checked",
    ]
    actors = dict(entries)
    assert actors["alert.approved"] == world.prosecutor.id
    assert actors["alert.closed"] == world.investigator.id


def test_submitting_needs_images_and_schools(world):
    alert_id = world.draft()
    response = world.api("POST", f"/alerts/{alert_id}/submit", world.investigator)
    assert response.status_code == 409  # the request is fine; the draft is not ready
    assert "afbeelding" in response.json["error"]["message"]
    assert status(world, alert_id) == "draft"


def test_a_draft_targeting_no_participating_school_cannot_be_submitted(world, make_school):
    school = make_school()  # exists, but its board never granted participation
    alert_id = world.draft(targeting={"schools": [school.code]})
    world.upload(alert_id)
    response = world.api("POST", f"/alerts/{alert_id}/submit", world.investigator)
    assert response.status_code == 409
    assert response.json["error"]["message"] == (
        "Geen enkele deelnemende school valt binnen de selectie."
    )


def test_only_the_creator_submits_and_edits(world, make_user):
    other = make_user("investigator")
    alert_id = world.draft()
    world.upload(alert_id)
    assert world.api("POST", f"/alerts/{alert_id}/submit", other).status_code == 403
    assert world.upload(alert_id).status_code == 201  # the creator can
    assert status(world, alert_id) == "draft"


@pytest.mark.parametrize("who", ["investigator", "creator_turned_prosecutor", "staff"])
def test_approval_by_the_wrong_person_is_refused(world, make_user, who):
    alert_id = world.submitted()
    if who == "investigator":
        approver, expected = make_user("investigator"), 403
    elif who == "staff":
        approver, expected = world.staff[0], 403
    else:
        approver, expected = world.investigator, 403
        with world.app.app_context():
            db.session.get(User, world.investigator.id).role = Role.PROSECUTOR
            db.session.commit()
    response = world.api(
        "POST", f"/alerts/{alert_id}/approve", approver, json={"images_checked": True}
    )
    assert response.status_code == expected
    assert status(world, alert_id) == "submitted"


def test_approving_a_draft_or_twice_is_refused(world):
    draft_id = world.draft()  # a prosecutor does not even see someone's draft
    assert (
        world.api(
            "POST", f"/alerts/{draft_id}/approve", world.prosecutor, json={"images_checked": True}
        ).status_code
        == 404
    )
    alert_id = world.published()
    again = world.api(
        "POST", f"/alerts/{alert_id}/approve", world.prosecutor, json={"images_checked": True}
    )
    assert again.status_code == 409
    with world.app.app_context():
        recipients = db.session.scalars(select(AlertRecipient).filter_by(alert_id=alert_id)).all()
    assert len(recipients) == 2


def test_the_prosecutor_may_only_shorten_and_the_end_is_fixed_at_approval(world):
    alert_id = world.submitted(duration_days=5)
    longer = world.api(
        "POST",
        f"/alerts/{alert_id}/approve",
        world.prosecutor,
        json={"images_checked": True, "duration_days": 9},
    )
    assert longer.status_code == 422
    approved = world.api(
        "POST",
        f"/alerts/{alert_id}/approve",
        world.prosecutor,
        json={"images_checked": True, "duration_days": 3},
    )
    assert approved.status_code == 200
    with world.app.app_context():
        alert = db.session.get(Alert, alert_id)
        assert alert.expires_at - alert.approved_at == timedelta(days=3)


def test_a_rejection_returns_the_draft_with_a_reason(world):
    alert_id = world.submitted()
    assert (
        world.api("POST", f"/alerts/{alert_id}/reject", world.prosecutor, json={}).status_code
        == 422
    )
    rejected = world.api(
        "POST",
        f"/alerts/{alert_id}/reject",
        world.prosecutor,
        json={"reason": "Proportionality is not argued."},
    )
    assert rejected.status_code == 200
    assert rejected.json["status"] == "draft"
    assert rejected.json["rejection_reason"] == "Proportionality is not argued."
    assert world.upload(alert_id).status_code == 201  # editable again
    assert world.api("POST", f"/alerts/{alert_id}/submit", world.investigator).status_code == 200


def test_submitted_alerts_are_read_only(world):
    alert_id = world.submitted()
    assert world.upload(alert_id).status_code == 409
    edit = world.api("PUT", f"/alerts/{alert_id}", world.investigator, json={"description": "x"})
    assert edit.status_code in (409, 422)


def test_closing_twice_is_a_conflict(world):
    alert_id = world.published()
    first = world.api(
        "POST", f"/alerts/{alert_id}/close", world.investigator, json={"reason": "withdrawn"}
    )
    second = world.api(
        "POST", f"/alerts/{alert_id}/close", world.investigator, json={"reason": "withdrawn"}
    )
    assert (first.status_code, second.status_code) == (200, 409)
    bad = world.api(
        "POST", f"/alerts/{world.published()}/close", world.investigator, json={"reason": "expired"}
    )
    assert bad.status_code == 422


def test_drafts_are_invisible_to_prosecutors_and_unknown_ids_are_404(world):
    alert_id = world.draft()
    assert world.api("GET", f"/alerts/{alert_id}", world.prosecutor).status_code == 404
    assert world.api("GET", "/alerts/999999", world.investigator).status_code == 404
    assert world.api("GET", f"/alerts/{alert_id}", world.staff[0]).status_code == 403


def test_draft_validation_names_the_field(world):
    for body, field_hint in [
        ({"age_estimate": "twelve"}, "leeftijd"),
        ({"duration_days": 15}, "looptijd"),
        ({"targeting": {"planets": ["mars"]}}, "planets"),
        ({"targeting": {"schools": ["nonsense"]}}, "NONSENSE"),
        ({"targeting": {"schools": ["99XX99"]}}, "99XX99"),
        ({"targeting": {"exclude": [world.schools[0].code]}}, "uitgesloten"),
        ({"description": ""}, "verplicht"),
    ]:
        body = {
            "case_reference": "Z",
            "justification": "J",
            "description": "D",
            "age_estimate": 7,
            "targeting": {"all": True},
        } | body
        response = world.api("POST", "/alerts", world.investigator, json=body)
        assert response.status_code == 422, body
        assert field_hint in response.json["error"]["message"], response.json
    with world.app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Alert)) == 0


def test_targeting_all_exclude_and_preview(world):
    preview = world.api(
        "POST",
        "/targeting/preview",
        world.investigator,
        json={"targeting": {"all": True, "exclude": [world.schools[0].code]}},
    )
    assert preview.status_code == 200
    codes = {school["code"] for school in preview.json["schools"]}
    assert codes == {world.schools[1].code, world.outsider_school.code}
    assert preview.json["count"] == 2
    assert set(preview.json["schools"][0]) == {"code", "name", "municipality", "police_unit"}


def test_the_frozen_recipients_are_what_the_preview_showed(world, make_school):
    targeting = {"all": True}
    shown = world.api(
        "POST", "/targeting/preview", world.investigator, json={"targeting": targeting}
    )
    alert_id = world.published(targeting=targeting)
    make_school()  # a later school changes nothing for the published alert
    with world.app.app_context():
        frozen = set(
            db.session.scalars(
                select(School.code)
                .join(AlertRecipient, AlertRecipient.school_id == School.id)
                .where(AlertRecipient.alert_id == alert_id)
            )
        )
    assert frozen == {school["code"] for school in shown.json["schools"]}


def test_alert_statuses_move_only_forward(world):
    alert_id = world.published()
    world.api(
        "POST", f"/alerts/{alert_id}/close", world.investigator, json={"reason": "identified"}
    )
    for path, user, body in [
        ("submit", world.investigator, None),
        ("approve", world.prosecutor, {"images_checked": True}),
        ("reject", world.prosecutor, {"reason": "x"}),
    ]:
        response = world.api("POST", f"/alerts/{alert_id}/{path}", user, json=body)
        assert response.status_code == 409, path
    with world.app.app_context():
        assert db.session.get(Alert, alert_id).status == AlertStatus.CLOSED
