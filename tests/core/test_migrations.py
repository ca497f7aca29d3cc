"""The migrations build the schema from nothing on SQLite and PostgreSQL, and match the models."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from datetime import UTC, datetime
from typing import Any

import pytest
from alembic import command as alembic
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select

from schoolalert import create_app
from schoolalert.alerts.models import AlertKey
from schoolalert.audit.models import AuditEvent
from schoolalert.audit.services import verify_chain
from schoolalert.config import decode_master_key
from schoolalert.crypto.aead import encrypt, wrap_data_key
from schoolalert.extensions import db
from tests.conftest import base_config, upgrade_schema


def test_upgrade_from_empty_and_no_drift(app_config, tmp_path):
    # A database of its own, empty: SQLite file or (services) the session's PostgreSQL schema,
    # which the session fixture built with the same upgrade from empty.
    if app_config["REDIS_URL"] is None:
        app_config = base_config(
            tmp_path / "fresh", DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.db'}"
        )
        (tmp_path / "fresh").mkdir()
        app = create_app(app_config)
        upgrade_schema(app)
    else:
        app = create_app(app_config)
    with app.app_context():
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            differences = compare_metadata(context, db.metadata)
            tables = set(inspect(connection).get_table_names())
        db.engine.dispose()
    assert differences == []
    assert {"users", "outbox", "plugin_state", "plg_example_events"} <= tables


def schema_snapshot(app) -> dict[str, Any]:
    """Everything the migrations build: tables with their columns, keys, indexes and unique
    constraints, the triggers (the audit trail's append-only guard), and the applied revisions."""
    with app.app_context():
        with db.engine.connect() as connection:
            inspector = inspect(connection)
            snapshot: dict[str, Any] = {
                table: {
                    "columns": [
                        (
                            column["name"],
                            str(column["type"]),
                            column["nullable"],
                            str(column.get("default")),
                        )
                        for column in inspector.get_columns(table)
                    ],
                    "primary_key": inspector.get_pk_constraint(table),
                    "foreign_keys": sorted(map(repr, inspector.get_foreign_keys(table))),
                    "indexes": sorted(map(repr, inspector.get_indexes(table))),
                    "unique": sorted(map(repr, inspector.get_unique_constraints(table))),
                }
                for table in inspector.get_table_names()
            }
            if connection.dialect.name == "sqlite":
                snapshot["sqlite_master"] = connection.exec_driver_sql(
                    "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
                ).all()
            else:
                snapshot["triggers"] = connection.exec_driver_sql(
                    "SELECT event_object_table, trigger_name, event_manipulation, "
                    "action_statement FROM information_schema.triggers "
                    "WHERE trigger_schema = current_schema() ORDER BY 1, 2, 3"
                ).all()
            snapshot["alembic_version"] = sorted(
                connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars()
            )
        db.engine.dispose()
    return snapshot


def _execute(app, statement: str) -> None:
    with app.app_context():
        with db.engine.begin() as connection:
            connection.exec_driver_sql(statement)
        db.engine.dispose()


def test_running_the_migrations_twice_leaves_the_schema_identical(app):
    upgrade_schema(app)
    once = schema_snapshot(app)
    assert {"users", "audit_events", "outbox", "plugin_state"} <= set(once)
    assert once["alembic_version"]
    upgrade_schema(app)
    assert schema_snapshot(app) == once
    # The snapshot sees a change as small as one index.
    _execute(app, "CREATE INDEX ix_snapshot_probe ON users (name)")
    try:
        assert schema_snapshot(app) != once
    finally:
        _execute(app, "DROP INDEX ix_snapshot_probe")
    assert schema_snapshot(app) == once


def test_every_plugin_branch_has_one_head_and_a_label(app):
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        script = ScriptDirectory.from_config(config)
        heads = script.get_heads()
        labels = {label for head in heads for label in script.get_revision(head).branch_labels}
    assert len(heads) == len(labels)
    assert {"schoolalert", "example"} <= labels


def legacy_chain(entries: list[dict]) -> list[dict]:
    """Entries hashed the way schoolalert 0.1 did (plain SHA-256)."""
    previous = "0" * 64
    for entry in entries:
        content = {key: entry[key] for key in LEGACY_FIELDS} | {
            "occurred_at": entry["occurred_at"].isoformat(timespec="microseconds"),
            "previous_hash": previous,
        }
        canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        entry["previous_hash"], entry["hash"] = (
            previous,
            hashlib.sha256(canonical.encode()).hexdigest(),
        )
        previous = entry["hash"]
    return entries


LEGACY_FIELDS = (
    "sequence", "actor_id", "actor_role", "action", "object_type", "object_id", "alert_id",
    "client_address", "request_id", "details",
)  # fmt: skip


def test_init_on_an_existing_instance_moves_keys_out_and_reanchors_the_audit_chain(
    backend, tmp_path
):
    """An instance of the previous release: wrapped keys in the database, a SHA-256 chain."""
    if backend != "embedded":
        pytest.skip("the same migration runs on PostgreSQL from empty in every services run")
    instance = tmp_path / "old-instance"
    instance.mkdir()
    app = create_app(base_config(instance, DATABASE_URL=f"sqlite:///{instance / 'old.db'}"))
    with app.app_context():
        alembic.upgrade(app.extensions["migrate"].migrate.get_config(), "0005_alerts")
        db.engine.dispose()
    master = decode_master_key(app.config["MASTER_KEY"])
    image_key, response_key = os.urandom(32), os.urandom(32)
    sealed = encrypt(b"Girl of about seven", data_key=image_key, associated_data=b"description:1")
    tip = encrypt(b"Noor", data_key=response_key, associated_data=b"tip:1:1")
    when = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    entries = legacy_chain(
        [
            dict.fromkeys(LEGACY_FIELDS)
            | {"sequence": n, "action": f"old.{n}", "details": {"n": n}, "occurred_at": when}
            for n in (1, 2, 3)
        ]
    )
    with sqlite3.connect(instance / "old.db") as connection:  # foreign keys are off here
        connection.executemany(
            "INSERT INTO alert_keys VALUES (?, ?, ?, '2026-11-30 10:00:00.000000')",
            [
                (1, wrap_data_key(image_key, master_key=master, alert_id=1),
                 wrap_data_key(response_key, master_key=master, alert_id="1-responses")),
                (2, None, None),
            ],
        )  # fmt: skip
        connection.executemany(
            "INSERT INTO audit_events (sequence, occurred_at, action, details, previous_hash, "
            "hash) VALUES (?, '2026-11-30 10:00:00.000000', ?, ?, ?, ?)",
            [
                (
                    e["sequence"],
                    e["action"],
                    json.dumps(e["details"]),
                    e["previous_hash"],
                    e["hash"],
                )
                for e in entries
            ],
        )
        connection.execute(
            "UPDATE audit_head SET sequence = 3, last_hash = ?", (entries[-1]["hash"],)
        )

    result = app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0, result.output

    with app.app_context():
        columns = {column["name"] for column in inspect(db.engine).get_columns("alert_keys")}
        assert "image_key_wrapped" not in columns
        assert "response_key_wrapped" not in columns
        store = app.extensions["schoolalert.keys"]
        moved = db.session.get(AlertKey, 1)
        assert store.decrypt(moved.image_key_id, sealed, b"description:1") == b"Girl of about seven"
        assert store.decrypt(moved.response_key_id, tip, b"tip:1:1") == b"Noor"
        gone = db.session.get(AlertKey, 2)
        assert gone.image_key_id is None
        assert gone.image_key_destroyed_at is not None
        result = verify_chain()
        assert (result.intact, result.checked, result.checkpoints) == (True, 4, 1)
        transition = db.session.scalars(select(AuditEvent).where(AuditEvent.sequence == 4)).one()
        assert transition.action == "audit.chain_reanchored"
        assert transition.details == {
            "legacy_entries": 3,
            "legacy_head": entries[-1]["hash"],
            "legacy_intact": True,
            "legacy_broken_at": None,
            "algorithm": "HMAC-SHA-256",
        }
        # The old SHA-256 hashes are gone: every entry is keyed now.
        hashes = set(db.session.scalars(select(AuditEvent.hash)))
        assert not hashes & {entry["hash"] for entry in entries}
        db.engine.dispose()
    # Safe to run again.
    assert app.test_cli_runner().invoke(args=["init"]).exit_code == 0
