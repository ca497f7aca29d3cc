"""Alembic environment: runs inside the Flask app context (``schoolalert init``/``db``)."""

import logging

from alembic import context
from flask import current_app

from schoolalert.database import UTCDateTime

logger = logging.getLogger("alembic.env")
config = context.config
migrate = current_app.extensions["migrate"]
config.set_main_option(
    "sqlalchemy.url",
    migrate.db.engine.url.render_as_string(hide_password=False).replace("%", "%%"),
)


def process_revision_directives(context, revision, directives):
    """Write no empty revision files from autogenerate."""
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def render_item(type_, obj, autogen_context):
    """Render project column types as the plain SQLAlchemy types they store."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def run_migrations_offline():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=migrate.db.metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    options = dict(migrate.configure_args)
    options.setdefault("process_revision_directives", process_revision_directives)
    options.setdefault("render_item", render_item)
    with migrate.db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds SQLite tables; with foreign keys enforced, dropping the old
            # table would cascade into (or be refused by) the rows that refer to it.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            context.configure(connection=connection, target_metadata=migrate.db.metadata, **options)
            with context.begin_transaction():
                context.run_migrations()
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
