"""The audit trail is append-only and tamper-evident (PRODUCT I4)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from schoolalert.accounts.models import User
from schoolalert.audit import services as audit
from schoolalert.audit.models import AuditEvent
from schoolalert.audit.services import AppendOnlyViolation, verify_chain
from schoolalert.extensions import db


def write_entries(app, count=5, **fields):
    with app.app_context():
        for number in range(count):
            audit.record("test.action", object_type="thing", object_id=number, **fields)
        db.session.commit()


def raw_sql(app, statement, **params):
    """What an administrator with database access could do, bypassing the application."""
    with app.app_context(), db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL session_replication_role = replica"))  # no triggers
        else:
            for trigger in ("audit_events_no_update", "audit_events_no_delete"):
                connection.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
        connection.execute(text(statement), params)


def test_a_fresh_chain_verifies(app, runner):
    write_entries(app)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0
    assert "intact: 5 entries" in result.output


def test_a_hand_edited_row_is_detected(app, runner):
    write_entries(app)
    raw_sql(app, "UPDATE audit_events SET action = 'innocent' WHERE sequence = 3")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "BROKEN at entry 3: content changed" in result.output


def test_a_removed_row_is_detected(app):
    write_entries(app)
    raw_sql(app, "DELETE FROM audit_events WHERE sequence = 2")
    with app.app_context():
        result = verify_chain()
    assert (result.intact, result.broken_sequence, result.reason) == (False, 2, "entry missing")


def test_removing_the_newest_rows_is_detected(app):
    write_entries(app)
    raw_sql(app, "DELETE FROM audit_events WHERE sequence >= 4")
    with app.app_context():
        assert verify_chain().reason == "entries removed at the end"


def test_a_rehashed_forgery_breaks_the_link_to_the_next_entry(app):
    write_entries(app)
    with app.app_context():
        forged = db.session.scalars(select(AuditEvent).where(AuditEvent.sequence == 2)).one()
        db.session.expunge(forged)
        forged.action = "innocent"
        new_hash = audit.entry_hash(forged)
    raw_sql(app, "UPDATE audit_events SET action='innocent', hash=:h WHERE sequence=2", h=new_hash)
    with app.app_context():
        result = verify_chain()
    assert (result.broken_sequence, result.reason) == (3, "chain link broken")


def test_the_orm_refuses_changes(app):
    write_entries(app, 1)
    with app.app_context():
        entry = db.session.scalars(select(AuditEvent)).one()
        entry.action = "changed"
        with pytest.raises(AppendOnlyViolation):
            db.session.flush()
        db.session.rollback()
        with pytest.raises(AppendOnlyViolation):
            db.session.execute(db.update(AuditEvent).values(action="x"))
        db.session.rollback()
        with pytest.raises(AppendOnlyViolation):
            db.session.execute(db.delete(AuditEvent))


def test_the_database_refuses_changes_too(app):
    write_entries(app, 1)
    for statement in ("UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"):
        with (
            app.app_context(),
            db.engine.begin() as connection,
            pytest.raises(DatabaseError, match="append-only"),
        ):
            connection.execute(text(statement))


def test_concurrent_writers_keep_one_chain(app):
    if not app.config["REDIS_URL"]:
        pytest.skip("SQLite serialises writers anyway; the race matters on PostgreSQL")
    errors = []

    def writer():
        try:
            write_entries(app, 10)
        except Exception as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        assert verify_chain() == audit.ChainVerification(True, 40)


def test_details_may_not_hold_secrets(app):
    with app.app_context():
        for key in ("password", "otp", "token", "tip", "Message"):
            with pytest.raises(ValueError, match="must not contain"):
                audit.record("x", details={key: "value"})


def test_entries_record_who_what_when_and_where(app, make_user, signed_in):
    user = make_user("investigator")
    signed_in(user)
    with app.app_context():
        entry = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "sign_in.succeeded")
        ).one()
    assert (entry.actor_id, entry.actor_role) == (user.id, "investigator")
    assert entry.client_address == "127.0.0.1"
    assert len(entry.request_id or "") >= 8
    assert entry.occurred_at.tzinfo is not None


def test_the_audit_api_filters_and_is_for_admins_and_prosecutors(app, make_user, bearer):
    write_entries(app, 3, alert_id=42)
    write_entries(app, 2, alert_id=7)
    client = app.test_client()
    for role in ("admin", "prosecutor"):
        response = client.get("/api/v1/audit?alert=42", headers=bearer(make_user(role)))
        assert response.status_code == 200
        assert response.json["total"] == 3
        assert {entry["alert_id"] for entry in response.json["entries"]} == {42}
    for role in ("investigator", "school_staff", "board_admin", "support_worker"):
        assert client.get("/api/v1/audit", headers=bearer(make_user(role))).status_code == 403
    admin = bearer(make_user("admin"))
    assert client.get("/api/v1/audit?alert=abc", headers=admin).status_code == 422
    assert client.get("/api/v1/audit?since=yesterday", headers=admin).status_code == 422
    newest_first = client.get("/api/v1/audit?action=test.action", headers=admin).json["entries"]
    assert [entry["sequence"] for entry in newest_first] == [5, 4, 3, 2, 1]


def test_the_audit_page(app, make_user, signed_in):
    write_entries(app, 2, alert_id=9)
    client = signed_in(make_user("prosecutor"))
    page = client.get("/audit?alert=9")
    assert page.status_code == 200
    assert page.text.count("<code>test.action</code>") == 2
    assert signed_in(make_user("investigator")).get("/audit").status_code == 403


def test_users_row_is_referenced_not_copied(app, make_user):
    user = make_user()
    with app.app_context():
        audit.record("x", actor=db.session.get(User, user.id))
        db.session.commit()
        entry = db.session.scalars(select(AuditEvent)).one()
    assert user.email not in str(entry.details)
