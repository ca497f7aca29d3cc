"""The migrations build the schema from nothing on SQLite and PostgreSQL, and match the models."""

from __future__ import annotations

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


def test_upgrading_twice_changes_nothing(app):
    upgrade_schema(app)
    upgrade_schema(app)


def test_every_plugin_branch_has_one_head_and_a_label(app):
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        script = ScriptDirectory.from_config(config)
        heads = script.get_heads()
        labels = {label for head in heads for label in script.get_revision(head).branch_labels}
    assert len(heads) == len(labels)
    assert {"schoolalert", "example"} <= labels
