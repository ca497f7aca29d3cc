"""The migrations build the schema from nothing on SQLite and PostgreSQL, and match the models."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from schoolalert import create_app
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
