"""Closing, expiry, the purge record, plugin purges and the retention of responses."""

from __future__ import annotations

from datetime import timedelta
from unittest.mock import ANY

from sqlalchemy import select

from schoolalert import hookimpl
from schoolalert.alerts.models import Alert, AlertKey, PurgeRecord, Response, ResponseRevision
from schoolalert.audit.models import AuditEvent
from schoolalert.database import utcnow
from schoolalert.extensions import db
from schoolalert.plugin_api import PurgeReport
from schoolalert.tasks.periodic import run_due_periodic_tasks


class PartnerCopy:
    """A plugin that holds a copy abroad and confirms its purge."""

    purged: list[int] = []

    @hookimpl
    def schoolalert_purge_alert(self, alert_id):
        self.purged.append(alert_id)
        return [PurgeReport("partner-de", "copy at the German partner cancelled", True)]


class BrokenPurge:
    @hookimpl
    def schoolalert_purge_alert(self, alert_id):
        raise TimeoutError("partner unreachable")


def test_hook_purge_alert_copies_are_purged_and_failures_are_on_the_record(world, run_jobs):
    plugins = world.app.extensions["schoolalert.plugins"]
    plugins._pm.register(PartnerCopy(), name="partner")
    plugins._pm.register(BrokenPurge(), name="broken")
    alert_id = world.published()
    closed = world.api(
        "POST", f"/alerts/{alert_id}/close", world.investigator, json={"reason": "identified"}
    )
    assert closed.status_code == 200
    run_jobs()  # the purge is checked once the closing has committed
    closed = world.api("GET", f"/alerts/{alert_id}/purge", world.investigator)
    reports = {report["component"]: report for report in closed.json["plugins"]}
    assert reports["partner-de"]["verified"] is True
    assert reports["broken"] == {
        "component": "broken",
        "description": "purge failed: TimeoutError",
        "verified": False,
    }
    assert closed.json["verified"] is False  # one copy could not be confirmed: said so
    assert closed.json["files_removed"] is True
    assert PartnerCopy.purged[-1] == alert_id


def test_the_periodic_task_expires_alerts(world):
    alert_id = world.published()
    with world.app.app_context():
        db.session.get(Alert, alert_id).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        assert "alerts.expire" in run_due_periodic_tasks()
        assert db.session.get(Alert, alert_id).close_reason.value == "expired"


def test_staff_get_a_thank_you_after_closing(world, run_jobs, mailbox):
    alert_id = world.published()
    run_jobs()  # staff are told before the close: only they are thanked
    world.api("POST", f"/alerts/{alert_id}/close", world.investigator, json={"reason": "withdrawn"})
    run_jobs()
    ended = [m for m in mailbox() if m["Subject"] == "Een Schoolalert is beëindigd"]
    assert sorted(m["To"] for m in ended) == sorted(user.email for user in world.staff)


def test_a_recognition_reaches_the_investigator_at_once(world, run_jobs, mailbox):
    alert_id = world.published()
    world.api(
        "POST",
        f"/me/alerts/{alert_id}/response",
        world.staff[1],
        json={"kind": "recognised", "child_name": "Noor"},
    )
    run_jobs()
    to_investigator = [
        m for m in mailbox() if m["To"] == world.investigator.email and "herkend" in m["Subject"]
    ]
    assert len(to_investigator) == 1
    assert "Noor" not in to_investigator[0].get_content()
    assert f"/alerts/{alert_id}" in to_investigator[0].get_content()
    dashboard = world.api("GET", "/alerts", world.investigator).json["alerts"]
    assert dashboard[0]["id"] == alert_id


def test_correcting_an_answer_keeps_one_response(world):
    alert_id = world.published()
    staff = world.staff[0]
    world.api("POST", f"/me/alerts/{alert_id}/response", staff, json={"kind": "not_recognised"})
    world.api(
        "POST",
        f"/me/alerts/{alert_id}/response",
        staff,
        json={"kind": "recognised", "message": "On second thought: yes"},
    )
    assert world.staff_alert(alert_id, staff).json["my_response"] == "recognised"
    responses = world.api("GET", f"/alerts/{alert_id}/responses", world.investigator).json
    assert [r["kind"] for r in responses["responses"]] == ["recognised"]
    with world.app.app_context():
        corrected = db.session.scalars(
            select(AuditEvent.details).where(AuditEvent.action == "response.recorded")
        ).all()
    assert [entry["corrected"] for entry in corrected] == [False, True]


def test_tips_are_kept_after_closing_then_shredded_after_retention(world, runner):
    alert_id = world.published()
    world.api(
        "POST",
        f"/me/alerts/{alert_id}/response",
        world.staff[0],
        json={"kind": "recognised", "message": "Groep 5b"},
    )
    world.api(
        "POST", f"/alerts/{alert_id}/close", world.investigator, json={"reason": "identified"}
    )
    kept = world.api("GET", f"/alerts/{alert_id}/responses", world.investigator).json["responses"]
    assert kept[0]["tip"] == {"message": "Groep 5b"}
    result = runner.invoke(args=["retention", "run"])
    assert "purged the responses of 0 alert(s)" in result.output
    with world.app.app_context():
        record = db.session.get(PurgeRecord, alert_id)
        record.purged_at = utcnow() - timedelta(days=91)
        db.session.commit()
    result = runner.invoke(args=["retention", "run"])
    assert "purged the responses of 1 alert(s)" in result.output
    purged = world.api("GET", f"/alerts/{alert_id}/responses", world.investigator).json["responses"]
    assert purged[0]["tip"] is None
    assert purged[0]["purged"] is True
    assert purged[0]["kind"] == "recognised"  # the fact stays, the content is gone
    with world.app.app_context():
        keys_row = db.session.get(AlertKey, alert_id)
        store = world.app.extensions["schoolalert.keys"]
        assert keys_row.response_key_destroyed_at is not None
        assert not store.exists(keys_row.response_key_id)
        assert not store.exists(keys_row.image_key_id)
        assert db.session.scalars(select(Response.tip_sealed)).all() == [None]
        assert db.session.scalars(select(ResponseRevision.tip_sealed)).all() == [None]
        assert db.session.get(PurgeRecord, alert_id).responses_purged_at is not None
    assert purged[0]["history"] == [{"kind": "recognised", "at": ANY, "tip": None}]


def test_the_purge_record_is_for_police_om_and_admin(world, make_user):
    alert_id = world.published()
    assert world.api("GET", f"/alerts/{alert_id}/purge", world.investigator).status_code == 404
    world.api("POST", f"/alerts/{alert_id}/close", world.investigator, json={"reason": "withdrawn"})
    for role in ("admin", "prosecutor", "investigator"):
        assert world.api("GET", f"/alerts/{alert_id}/purge", make_user(role)).status_code == 200
    for user in (world.staff[0], make_user("board_admin"), make_user("support_worker")):
        assert world.api("GET", f"/alerts/{alert_id}/purge", user).status_code == 403


def test_a_draft_can_be_withdrawn_and_its_images_destroyed(world):
    alert_id = world.draft()
    world.upload(alert_id)
    closed = world.api(
        "POST", f"/alerts/{alert_id}/close", world.investigator, json={"reason": "withdrawn"}
    )
    assert closed.status_code == 200
    assert closed.json["images_destroyed"] == 1
    identified = world.api(
        "POST", f"/alerts/{world.draft()}/close", world.investigator, json={"reason": "identified"}
    )
    assert identified.status_code == 409
