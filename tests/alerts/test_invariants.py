"""One test (at least) per invariant of PRODUCT §4. A failure here is a release blocker."""

from __future__ import annotations

import io
import logging
import os

import pytest
from PIL import Image
from sqlalchemy import select

from schoolalert import create_app
from schoolalert.accounts import services as account_services
from schoolalert.accounts.models import Authenticator, User
from schoolalert.alerts import keys
from schoolalert.alerts.models import Alert, AlertImage, AlertKey, Response
from schoolalert.audit.models import AuditEvent
from schoolalert.audit.services import verify_chain
from schoolalert.config import decode_master_key
from schoolalert.crypto.aead import DecryptionFailed, decrypt, image_aad
from schoolalert.crypto.keystore import KeyKind
from schoolalert.database import utcnow
from schoolalert.demo.drawings import face
from schoolalert.extensions import db
from schoolalert.notifications.models import Notification
from schoolalert.tasks.models import OutboxMessage, OutboxStatus
from schoolalert.tasks.sweeper import sweep
from tests.alerts.hostile_images import jpeg_with_metadata
from tests.alerts.participation import accept_statement, grant, withdraw
from tests.conftest import TEST_REDIS_URL

# -- I1: who sees an alert -----------------------------------------------------------------------


def invisible_answers(world, alert_id, user):
    """What the user gets for the alert and its first image, next to an unknown id."""
    image_id = _first_image_id(world, alert_id)
    return [
        world.staff_alert(alert_id, user),
        world.api("GET", f"/me/alerts/{alert_id}/images/{image_id}", user),
        world.api("POST", f"/me/alerts/{alert_id}/response", user, json={"kind": "not_recognised"}),
    ]


def _first_image_id(world, alert_id):
    with world.app.app_context():
        return db.session.scalar(select(AlertImage.id).where(AlertImage.alert_id == alert_id))


def assert_indistinguishable_from_unknown(world, alert_id, user):
    unknown = world.staff_alert(999_999, user)
    for response in invisible_answers(world, alert_id, user):
        assert response.status_code == 404
        assert response.json == unknown.json
    assert alert_id not in [
        item["id"] for item in world.api("GET", "/me/alerts", user).json["alerts"]
    ]


def test_i1_staff_of_a_targeted_school_see_it(world):
    alert_id = world.published()
    for response in invisible_answers(world, alert_id, world.staff[0]):
        assert response.status_code in (200, 201)


def test_i1_not_before_publication(world):
    for alert_id in (world.draft(), world.submitted()):
        assert_indistinguishable_from_unknown(world, alert_id, world.staff[0])


def test_i1_not_after_expiry_even_before_the_job_closed_it(world):
    alert_id = world.published()
    with world.app.app_context():
        alert = db.session.get(Alert, alert_id)
        alert.expires_at = utcnow()
        db.session.commit()
    assert_indistinguishable_from_unknown(world, alert_id, world.staff[0])


def test_i1_not_after_closing(world):
    alert_id = world.published()
    world.api("POST", f"/alerts/{alert_id}/close", world.investigator, json={"reason": "withdrawn"})
    assert_indistinguishable_from_unknown(world, alert_id, world.staff[0])


def test_i1_not_for_a_school_outside_the_frozen_set(world):
    alert_id = world.published()
    assert_indistinguishable_from_unknown(world, alert_id, world.outsider)


def test_i1_not_for_a_school_that_starts_participating_after_approval(
    world, make_board, make_school, make_user
):
    """The recipients are frozen at approval: a school that joins later is not among them."""
    late_school = make_school(make_board(), municipality="GM0363", pc4="1012")
    late_staff = make_user("school_staff", school_id=late_school.id)
    accept_statement(world.app, late_staff)
    alert_id = world.published(targeting={"all": True})  # every participating school, then
    grant(world.app, late_school)
    assert world.staff_alert(alert_id, world.staff[0]).status_code == 200
    assert_indistinguishable_from_unknown(world, alert_id, late_staff)


def test_i1_not_once_participation_is_withdrawn(world):
    alert_id = world.published()
    withdraw(world.app, world.schools[0])
    assert_indistinguishable_from_unknown(world, alert_id, world.staff[0])
    assert world.staff_alert(alert_id, world.staff[1]).status_code == 200


def test_i1_not_without_the_current_confidentiality_statement(world, make_user):
    alert_id = world.published()
    newcomer = make_user("school_staff", school_id=world.schools[0].id)  # has not accepted
    assert_indistinguishable_from_unknown(world, alert_id, newcomer)


def test_i1_not_for_a_deactivated_account(world):
    alert_id = world.published()
    headers = world.headers(world.staff[0])
    with world.app.app_context():
        account_services.deactivate_user(None, db.session.get(User, world.staff[0].id))
        db.session.commit()
    response = world.client.get(f"/api/v1/me/alerts/{alert_id}", headers=headers)
    assert response.status_code == 401


def test_i1_not_without_a_second_factor(world):
    alert_id = world.published()
    with world.app.app_context():
        db.session.execute(
            db.delete(Authenticator).where(Authenticator.user_id == world.staff[0].id)
        )
        db.session.commit()
    assert_indistinguishable_from_unknown(world, alert_id, world.staff[0])


# -- I2: gone at once when closed ------------------------------------------------------------------


def test_i2_after_closing_nothing_is_readable(world, run_jobs):
    alert_id = world.published()
    image_id = _first_image_id(world, alert_id)
    with world.app.app_context():
        image = db.session.get(AlertImage, image_id)
        store = world.app.extensions["schoolalert.blobs"]
        ciphertext = store.get(image.blob_name)
        file_paths = [store.root / row.blob_name for row in db.session.scalars(select(AlertImage))]
        key_id = db.session.get(AlertKey, alert_id).image_key_id
        key_store = world.app.extensions["schoolalert.keys"]
        # What a backup of the key store would hold (which is why it is never backed up).
        data_key = key_store._material(key_id, KeyKind.AES)
    assert all(path.exists() for path in file_paths)
    world.api(
        "POST", f"/alerts/{alert_id}/close", world.investigator, json={"reason": "identified"}
    )
    run_jobs()
    for user in (world.staff[0], world.investigator, world.prosecutor):
        for path in (
            f"/me/alerts/{alert_id}/images/{image_id}",
            f"/alerts/{alert_id}/images/{image_id}",
        ):
            assert world.api("GET", path, user).status_code in (403, 404, 410)
    assert not any(path.exists() for path in file_paths)
    with world.app.app_context():
        keys_row = db.session.get(AlertKey, alert_id)
        assert keys_row.image_key_destroyed_at is not None
        assert not key_store.exists(key_id)
        assert not (key_store.root / f"{key_id}.key").exists()
        assert db.session.get(Alert, alert_id).description_sealed is None
        # A copy of the ciphertext that escaped deletion cannot be opened with what is left.
        master = decode_master_key(world.app.config["MASTER_KEY"])
        with pytest.raises(DecryptionFailed):
            decrypt(ciphertext, data_key=master, associated_data=image_aad(alert_id, image_id))
        # Only the destroyed key would open it: the system no longer has it.
        assert decrypt(ciphertext, data_key=data_key, associated_data=image_aad(alert_id, image_id))
        with pytest.raises(Exception, match="no longer exist"):
            keys.image_cipher(alert_id)


def test_i2_expiry_destroys_too(world, runner, run_jobs):
    alert_id = world.published()
    with world.app.app_context():
        db.session.get(Alert, alert_id).expires_at = utcnow()
        db.session.commit()
    result = runner.invoke(args=["expire"])
    assert "closed 1 expired alert(s)" in result.output
    run_jobs()
    record = world.api("GET", f"/alerts/{alert_id}/purge", world.investigator).json
    assert (record["reason"], record["verified"], record["purged_by"]) == ("expired", True, None)


# -- I3: nothing sensitive in notifications or logs ----------------------------------------------


def test_i3_no_image_description_or_case_reference_in_mail_or_logs(
    world, run_jobs, mailbox, caplog
):
    # Every logger at DEBUG, the most an operator can switch on.
    caplog.set_level(logging.DEBUG)
    alert_id = world.published(
        description="Meisje met rode jas en gele muts", case_reference="ZAAK-SECRET-7781"
    )
    run_jobs()  # staff are told before the close: only they are thanked
    world.api(
        "POST",
        f"/me/alerts/{alert_id}/response",
        world.staff[0],
        json={"kind": "recognised", "message": "Tip-text-hidden-42"},
    )
    world.api(
        "POST", f"/alerts/{alert_id}/close", world.investigator, json={"reason": "identified"}
    )
    run_jobs()
    messages = mailbox()
    # published x2, recognition, ended x2, and to the police: submitted, approved
    assert len(messages) == 2 + 1 + 2 + 2
    for message in messages:
        raw = bytes(message)
        for secret in (
            b"rode jas",
            b"ZAAK-SECRET",
            b"Tip-text-hidden",
            b"\x89PNG",
            b"\xff\xd8\xff",
        ):
            assert secret not in raw
        assert not message.is_multipart()  # text only: no attachment
    assert any(record.levelno == logging.DEBUG for record in caplog.records)  # DEBUG was read
    for secret in ("rode jas", "ZAAK-SECRET", "Tip-text-hidden"):
        assert secret not in caplog.text
    with world.app.app_context():
        payloads = str(db.session.scalars(select(OutboxMessage.payload)).all())
        audit = str(db.session.execute(select(AuditEvent.details)).all())
    assert "rode jas" not in payloads + audit
    assert "Tip-text-hidden" not in payloads + audit


# -- I4: every view and response in the tamper-evident trail ---------------------------------------


def test_i4_views_and_responses_are_audited_with_who_what_when_where(world):
    alert_id = world.published()
    image_id = _first_image_id(world, alert_id)
    staff = world.staff[0]
    view = world.api("GET", f"/me/alerts/{alert_id}/images/{image_id}", staff)
    world.api("POST", f"/me/alerts/{alert_id}/response", staff, json={"kind": "not_recognised"})
    with world.app.app_context():
        viewed = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "image.viewed")
        ).one()
        answered = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "response.recorded")
        ).one()
        assert verify_chain().intact
    for entry in (viewed, answered):
        assert (entry.actor_id, entry.alert_id) == (staff.id, alert_id)
        assert entry.client_address == "127.0.0.1"
        assert entry.occurred_at is not None
    assert viewed.object_id == str(image_id)
    assert viewed.details["view_id"] == view.headers["X-View-ID"]


# -- I5: four eyes ---------------------------------------------------------------------------------


def test_i5_nobody_publishes_their_own_alert(world):
    alert_id = world.submitted()
    with world.app.app_context():
        db.session.get(Alert, alert_id).created_by_id = world.prosecutor.id
        db.session.commit()
    response = world.api(
        "POST", f"/alerts/{alert_id}/approve", world.prosecutor, json={"images_checked": True}
    )
    assert response.status_code == 403
    assert world.api("GET", f"/alerts/{alert_id}", world.investigator).json["status"] == "submitted"


def test_i5_no_path_around_approval(world):
    alert_id = world.submitted()
    assert (
        world.api(
            "POST", f"/alerts/{alert_id}/approve", world.investigator, json={"images_checked": True}
        ).status_code
        == 403
    )
    assert world.staff_alert(alert_id, world.staff[0]).status_code == 404


# -- I6: encrypted, re-encoded, served carefully, watermarked per viewer --------------------------


def test_i6_images_are_stored_encrypted_and_without_metadata(world):
    alert_id = world.draft()
    original = jpeg_with_metadata()
    assert world.upload(alert_id, original).status_code == 201
    with world.app.app_context():
        image = db.session.scalars(select(AlertImage)).one()
        stored = world.app.extensions["schoolalert.blobs"].get(image.blob_name)
        plain = keys.image_cipher(alert_id).decrypt(stored, image_aad(alert_id, image.id))
        path = world.app.extensions["schoolalert.blobs"].root / image.blob_name
    assert original not in stored
    assert not stored.startswith((b"\xff\xd8", b"\x89PNG", b"RIFF"))
    decoded = Image.open(io.BytesIO(plain))
    assert decoded.format == "PNG"
    assert not decoded.info.get("exif")
    assert os.stat(path).st_mode & 0o777 == 0o600


def test_i6_served_with_the_right_headers_and_a_watermark_per_viewer(world):
    alert_id = world.published()
    image_id = _first_image_id(world, alert_id)
    first = world.api("GET", f"/me/alerts/{alert_id}/images/{image_id}", world.staff[0])
    second = world.api("GET", f"/me/alerts/{alert_id}/images/{image_id}", world.staff[1])
    again = world.api("GET", f"/me/alerts/{alert_id}/images/{image_id}", world.staff[0])
    for response in (first, second, again):
        assert response.headers["Cache-Control"].startswith("no-store")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Disposition"] == 'inline; filename="schoolalert.jpg"'
        assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert len({first.data, second.data, again.data}) == 3


def test_i6_no_image_without_authentication(world):
    alert_id = world.published()
    image_id = _first_image_id(world, alert_id)
    assert world.client.get(f"/api/v1/me/alerts/{alert_id}/images/{image_id}").status_code == 401
    assert world.client.get(f"/api/v1/alerts/{alert_id}/images/{image_id}").status_code == 401


# -- I7: bad input leaves nothing half-written ----------------------------------------------------


NOT_AN_IMAGE = b"%PDF-1.4 not an image"
BROKEN_PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20


@pytest.mark.parametrize(
    ("content", "kind", "attest", "status"),
    [
        (NOT_AN_IMAGE, "face", "true", 415),
        (BROKEN_PNG, "face", "true", 422),
        (b"", "face", "true", 422),
        (None, "face", "true", 422),
        ("valid", "selfie", "true", 422),
        ("valid", "face", "false", 422),
    ],
)
def test_i7_bad_uploads_are_refused_and_nothing_is_kept(world, content, kind, attest, status):
    alert_id = world.draft()
    payload = {"kind": kind, "attest": attest}
    if content is not None:
        data = face(seed=1) if content == "valid" else content
        payload["file"] = (io.BytesIO(data), "x.png")
    response = world.api(
        "POST",
        f"/alerts/{alert_id}/images",
        world.investigator,
        data=payload,
        content_type="multipart/form-data",
    )
    assert response.status_code == status, response.json
    assert {"code", "message"} <= set(response.json["error"]) <= {"code", "message", "field"}
    with world.app.app_context():
        assert db.session.scalars(select(AlertImage)).all() == []
    root = world.app.extensions["schoolalert.blobs"].root
    assert not root.exists() or list(root.iterdir()) == []


def test_i7_an_oversized_upload_is_refused_before_parsing(world):
    world.app.config["IMAGE_MAX_BYTES"] = 50_000
    alert_id = world.draft()
    response = world.upload(alert_id, b"\x89PNG" + os.urandom(200_000))
    assert response.status_code == 413
    with world.app.app_context():
        assert db.session.scalars(select(AlertImage)).all() == []


def test_i7_an_image_of_another_alert_is_404(world):
    first, second = world.published(), world.published()
    foreign = _first_image_id(world, second)
    response = world.api("GET", f"/me/alerts/{first}/images/{foreign}", world.staff[0])
    assert response.status_code == 404


def test_i7_a_response_to_a_closed_alert_or_from_another_school_changes_nothing(world):
    alert_id = world.published()
    outsider = world.api(
        "POST", f"/me/alerts/{alert_id}/response", world.outsider, json={"kind": "recognised"}
    )
    world.api("POST", f"/alerts/{alert_id}/close", world.investigator, json={"reason": "withdrawn"})
    late = world.api(
        "POST", f"/me/alerts/{alert_id}/response", world.staff[0], json={"kind": "recognised"}
    )
    assert outsider.status_code == late.status_code == 404
    with world.app.app_context():
        assert db.session.scalars(select(Response)).all() == []


def test_i7_bad_responses(world):
    alert_id = world.published()
    for body in (
        {"kind": "maybe"},
        {"kind": "recognised", "message": "x" * 3000},
        {"kind": "recognised", "shoe_size": "31"},
    ):
        response = world.api("POST", f"/me/alerts/{alert_id}/response", world.staff[0], json=body)
        assert response.status_code == 422, body
    with world.app.app_context():
        assert db.session.scalars(select(Response)).all() == []


# -- I8: no notification lost when Redis or the mail server is down -------------------------------


def test_i8_mail_server_down_at_publish_then_back_exactly_once(
    world, run_jobs, mailbox, monkeypatch
):
    from schoolalert.notifications import services as notification_services

    def refuse(self, to, subject, body):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(notification_services.Mailer, "send", refuse)
    alert_id = world.published()
    run_jobs()
    assert mailbox() == []
    monkeypatch.undo()
    with world.app.app_context():
        db.session.execute(db.update(OutboxMessage).values(available_at=utcnow()))
        db.session.commit()
        sweep()
    run_jobs(retries_due=True)
    with world.app.app_context():  # a second sweep finds nothing left to send
        sweep()
    run_jobs()
    recipients = sorted(message["To"] for message in mailbox())
    police = [world.prosecutor, world.investigator]  # submitted; approved
    assert recipients == sorted(user.email for user in [*world.staff, *police])
    with world.app.app_context():
        sent = db.session.scalars(
            select(Notification.sent_at).where(Notification.alert_id == alert_id)
        )
        assert all(sent)


@pytest.mark.redis
def test_i8_redis_down_at_publish_then_back_exactly_once(world, app_config, run_jobs, mailbox):
    if not (TEST_REDIS_URL and app_config["REDIS_URL"]):
        pytest.skip("needs the services back end (Redis)")
    down = create_app({**app_config, "REDIS_URL": "redis://127.0.0.1:1/0"})
    original_app = world.app
    world.app, world.client = down, down.test_client()
    alert_id = world.published()  # the commit succeeds while Redis is unreachable
    world.app, world.client = original_app, original_app.test_client()
    with original_app.app_context():
        pending = db.session.scalars(
            select(OutboxMessage.status).where(OutboxMessage.task == "notifications.deliver")
        ).all()
        # one job each: the prosecutors' mail, the staff's batch, the investigator's mail
        assert pending == [OutboxStatus.PENDING] * 3
        sweep()
        sweep()  # twice: still one job each
    run_jobs()
    run_jobs()
    police = [world.prosecutor, world.investigator]
    assert sorted(message["To"] for message in mailbox()) == sorted(
        u.email for u in [*world.staff, *police]
    )
    with original_app.app_context():
        assert (
            db.session.scalar(
                select(db.func.count()).where(
                    Notification.alert_id == alert_id, Notification.sent_at.is_not(None)
                )
            )
            == 2 + 2
        )
