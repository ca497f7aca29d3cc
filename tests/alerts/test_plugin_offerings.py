"""What the core offers a plugin for alerts that cross the border (through the facade): an
audited export of a published alert, a draft from an external origin, closing for a partner,
content keys in the key store, and a task that records its attempt before raising."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from schoolalert import plugin_api
from schoolalert.alerts.models import Alert, AlertStatus, PurgeRecord
from schoolalert.alerts.sweeping import sweep_orphans
from schoolalert.audit.models import AuditEvent
from schoolalert.crypto.aead import DecryptionFailed
from schoolalert.crypto.keystore import KeyNotFound
from schoolalert.demo.drawings import clothing, face
from schoolalert.extensions import db
from schoolalert.transaction import commit


def audit_details(app, action):
    with app.app_context():
        return list(
            db.session.scalars(select(AuditEvent.details).where(AuditEvent.action == action))
        )


def test_an_export_holds_the_description_and_sanitised_images_and_is_audited(world):
    alert_id = world.published()
    with world.app.app_context():
        export = plugin_api.export_alert(alert_id, purpose="exchange: nrw")
        commit()
    assert export.description.startswith("Girl of about seven")
    assert [image.kind for image in export.images] == ["face", "clothing"]
    assert all(image.data.startswith(b"\x89PNG") for image in export.images)
    assert "ZAAK" not in repr(export)
    assert audit_details(world.app, "alert.exported") == [{"purpose": "exchange: nrw", "images": 2}]


def test_only_a_published_alert_is_exported(world):
    alert_id = world.submitted()
    with world.app.app_context(), pytest.raises(plugin_api.Conflict):
        plugin_api.export_alert(alert_id, purpose="exchange")


def test_an_external_draft_is_a_draft_like_any_other_with_its_origin_recorded(world, run_jobs):
    with world.app.app_context():
        actor = db.session.get(plugin_api.User, world.investigator.id)
        alert = plugin_api.create_external_draft(
            actor,
            {
                "case_reference": "ZAAK-EXT-1",
                "justification": "Partner alert from Nordrhein-Westfalen.",
                "description": "Junge, rote Jacke.",
                "age_estimate": "8",
                "targeting": {"schools": [school.code for school in world.schools]},
            },
            [(face(seed=3), "face"), (clothing(seed=3), "clothing")],
            origin="exchange:sa.polizei.nrw.example",
        )
        commit()
        alert_id = alert.id
    detail = world.api("GET", f"/alerts/{alert_id}", world.investigator).json
    assert detail["status"] == "draft"
    assert len(detail["images"]) == 2
    assert audit_details(world.app, "alert.created_from_external") == [
        {"origin": "exchange:sa.polizei.nrw.example", "images": 2}
    ]
    with world.app.app_context():
        actor = db.session.get(plugin_api.User, world.investigator.id)
        with pytest.raises(plugin_api.InvalidInput) as refused:
            plugin_api.create_external_draft(
                actor, {"description": "x"}, [], origin="exchange:somewhere"
            )
        assert refused.value.field is not None


def test_closing_for_a_partner_is_withdrawn_by_the_system_with_origin_and_reason(
    world, run_jobs, mailbox
):
    alert_id = world.published()
    run_jobs()
    staff = {user.email for user in world.staff}

    def staff_mail():  # the police get four-eyes mail too
        return [message for message in mailbox() if message["To"] in staff]

    told = len(staff_mail())
    with world.app.app_context():
        record = plugin_api.close_for_partner(alert_id, origin="exchange:bka", reason="Cancel")
        commit()
        assert record is not None
        assert plugin_api.close_for_partner(alert_id, origin="exchange:bka", reason="again") is None
    run_jobs()
    with world.app.app_context():
        alert = db.session.get(Alert, alert_id)
        assert (alert.status, alert.close_reason.value, alert.closed_by_id) == (
            AlertStatus.CLOSED,
            "withdrawn",
            None,
        )
        assert db.session.get(PurgeRecord, alert_id).verified is True
    assert audit_details(world.app, "alert.closed_by_partner") == [
        {"origin": "exchange:bka", "reason": "Cancel"}
    ]
    assert len(staff_mail()) == told * 2  # everyone told of it hears that it ended


def test_a_content_key_seals_until_destroyed_and_the_orphan_sweep_leaves_it(app):
    app.config["ORPHAN_GRACE_SECONDS"] = 0
    with app.app_context():
        key_id = plugin_api.new_content_key("exchange")
        assert key_id.startswith("plg-exchange-")
        sealed = plugin_api.encrypt_content(key_id, b"image bytes", "exchange:message:1")
        assert plugin_api.decrypt_content(key_id, sealed, "exchange:message:1") == b"image bytes"
        with pytest.raises(DecryptionFailed):
            plugin_api.decrypt_content(key_id, sealed, "exchange:message:2")
        sweep_orphans()
        assert plugin_api.content_key_exists(key_id)
        plugin_api.destroy_content_key(key_id)
        plugin_api.destroy_content_key(key_id)  # idempotent
        assert not plugin_api.content_key_exists(key_id)
        with pytest.raises((KeyNotFound, DecryptionFailed)):
            plugin_api.decrypt_content(key_id, sealed, "exchange:message:1")
