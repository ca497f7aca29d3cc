"""The audit trail is append-only and tamper-evident (PRODUCT I4)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from schoolalert.accounts.models import User
from schoolalert.audit import services as audit
from schoolalert.audit.chain import AUDIT_KEY_ID, ENTRY_PREFIX, entry_content
from schoolalert.audit.checkpoints import checkpoint_path, write_checkpoint
from schoolalert.audit.models import GENESIS_HASH, AuditEvent
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
    assert (result.intact, result.broken_sequence, result.reason) == (False, 2, "entry 2 missing")
    assert result.missing == (2, 2)


def test_removing_the_newest_rows_is_detected(app, runner):
    write_entries(app)
    raw_sql(app, "DELETE FROM audit_events WHERE sequence >= 4")
    with app.app_context():
        result = verify_chain()
    assert (result.reason, result.missing) == ("entries 4-5 missing at the end", (4, 5))
    output = runner.invoke(args=["audit", "verify"]).output
    assert "BROKEN at entry 4: entries 4-5 missing at the end" in output


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


def legacy_sha256(entry, previous_hash):
    """What the chain was before it was keyed: anyone could recompute it."""
    content = audit.entry_fields(entry) | {
        "occurred_at": entry.occurred_at.isoformat(timespec="microseconds"),
        "previous_hash": previous_hash,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def guessed_hmac(entry, previous_hash):
    """The right algorithm under a key that is not the application's."""
    content = entry_content(audit.entry_fields(entry), entry.occurred_at, previous_hash)
    return hmac.new(b"k" * 32, ENTRY_PREFIX + content, hashlib.sha256).hexdigest()


@pytest.mark.parametrize("recompute", [legacy_sha256, guessed_hmac])
def test_a_full_recomputation_without_the_key_is_detected(app, runner, recompute):
    """Change an actor, delete an entry, cut the tail and rebuild the whole chain and its
    head, as someone who can write the database but not use the audit key would."""
    write_entries(app, 6)
    with app.app_context():
        entries = db.session.scalars(select(AuditEvent).order_by(AuditEvent.sequence)).all()
        db.session.expunge_all()
    kept = [entry for entry in entries if entry.sequence not in (3, 6)]
    kept[0].actor_role = "admin"
    raw_sql(app, "DELETE FROM audit_events")
    previous = GENESIS_HASH
    for sequence, entry in enumerate(kept, start=1):
        entry.sequence, entry.previous_hash = sequence, previous
        entry.hash = previous = recompute(entry, previous)
        raw_sql(
            app,
            "INSERT INTO audit_events (id, sequence, occurred_at, actor_id, actor_role, action, "
            "object_type, object_id, alert_id, client_address, request_id, details, "
            "previous_hash, hash) VALUES (:id, :sequence, :occurred_at, NULL, :actor_role, "
            ":action, :object_type, :object_id, NULL, NULL, :request_id, '{}', :previous, :hash)",
            id=sequence,
            sequence=sequence,
            occurred_at=entry.occurred_at.replace(tzinfo=None),
            actor_role=entry.actor_role,
            action=entry.action,
            object_type=entry.object_type,
            object_id=entry.object_id,
            request_id=entry.request_id,
            previous=entry.previous_hash,
            hash=entry.hash,
        )
    raw_sql(app, "UPDATE audit_head SET sequence = :n, last_hash = :h", n=len(kept), h=previous)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "BROKEN at entry 1: content changed or not written by the application" in result.output


def test_reordered_entries_are_detected(app):
    write_entries(app)
    raw_sql(app, "UPDATE audit_events SET sequence = 100 WHERE sequence = 2")
    raw_sql(app, "UPDATE audit_events SET sequence = 2 WHERE sequence = 3")
    raw_sql(app, "UPDATE audit_events SET sequence = 3 WHERE sequence = 100")
    with app.app_context():
        result = verify_chain()
    assert (result.intact, result.broken_sequence) == (False, 2)


def test_a_tail_cut_with_a_rebuilt_head_is_caught_by_the_checkpoint(app, runner):
    write_entries(app, 5)
    with app.app_context():
        checkpoint = write_checkpoint("test")
        kept_head = db.session.scalars(
            select(AuditEvent.hash).where(AuditEvent.sequence == 3)
        ).one()
    assert checkpoint.sequence == 5
    # The database alone now looks consistent: the head agrees with the shortened chain.
    raw_sql(app, "DELETE FROM audit_events WHERE sequence > 3")
    raw_sql(app, "UPDATE audit_head SET sequence = 3, last_hash = :h", h=kept_head)
    with app.app_context():
        assert verify_chain(checkpoints=[]).intact
        result = verify_chain()
    assert (result.intact, result.missing) == (False, (4, 5))
    assert result.reason.startswith("entries 4-5 missing at the end (the checkpoint of ")
    assert runner.invoke(args=["audit", "verify"]).exit_code == 1


def test_checkpoints_are_signed_appended_and_logged(app, runner, caplog):
    write_entries(app, 2)
    with caplog.at_level(logging.INFO, logger="schoolalert.audit.checkpoint"):
        result = runner.invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 0
    with app.app_context():
        path = checkpoint_path()
    assert path.stat().st_mode & 0o777 == 0o600
    line = json.loads(path.read_text().splitlines()[-1])
    assert {line["sequence"], line["reason"]} == {2, "manual"}
    assert len(line["mac"]) == 64
    assert any(line["mac"] in record.getMessage() for record in caplog.records)
    assert "intact: 2 entries, 1 checkpoints" in runner.invoke(args=["audit", "verify"]).output
    # A checkpoint made up by someone without the key is refused, and so is a changed one.
    forged = line | {"sequence": 1}
    with path.open("a") as file:
        file.write(json.dumps(forged) + "\n")
    output = runner.invoke(args=["audit", "verify"]).output
    assert "checkpoint on line 2 is not genuine" in output


def test_a_chain_that_differs_from_a_checkpoint_is_detected(app):
    write_entries(app, 3)
    with app.app_context():
        write_checkpoint("test")
        # The whole trail replaced by the application's own entries, written afresh.
    raw_sql(app, "DELETE FROM audit_events")
    raw_sql(app, "UPDATE audit_head SET sequence = 0, last_hash = :g", g=GENESIS_HASH)
    write_entries(app, 4)
    with app.app_context():
        result = verify_chain()
    assert (result.intact, result.broken_sequence) == (False, 3)
    assert result.reason.startswith("the chain differs from the checkpoint of")


def test_the_audit_key_is_in_the_key_store_not_the_database(app):
    write_entries(app, 1)
    with app.app_context():
        store = app.extensions["schoolalert.keys"]
        assert store.exists(AUDIT_KEY_ID)
        store.destroy(AUDIT_KEY_ID)  # a different key from now on (a new instance)
        assert not verify_chain().intact


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


def test_entries_of_a_rolled_back_savepoint_or_transaction_leave_no_trace(app):
    with app.app_context():
        audit.record("kept.before")
        try:
            with db.session.begin_nested():
                audit.record("undone.in_savepoint")
                raise RuntimeError("the savepoint fails")
        except RuntimeError:
            pass
        with db.session.begin_nested():
            audit.record("kept.in_savepoint")
        audit.record("kept.after")
        db.session.commit()
        audit.record("undone.with_transaction")
        db.session.rollback()
        audit.record("kept.next")
        db.session.commit()
        trail = db.session.execute(
            select(AuditEvent.sequence, AuditEvent.action).order_by(AuditEvent.sequence)
        ).all()
        assert [tuple(row) for row in trail] == [
            (1, "kept.before"),
            (2, "kept.in_savepoint"),
            (3, "kept.after"),
            (4, "kept.next"),
        ]
        assert verify_chain() == audit.ChainVerification(True, 4)


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
