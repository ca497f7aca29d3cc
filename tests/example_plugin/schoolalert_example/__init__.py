"""Counts alert life-cycle events per alert (a worked example of a Schoolalert plugin)."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import Blueprint, jsonify
from markupsafe import Markup
from sqlalchemy import String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from schoolalert import hookimpl
from schoolalert.events import AlertPublished, Event
from schoolalert.plugin_api import PluginBlueprint, Task, db, enqueue


class EventCount(db.Model):
    """One row per event seen; the table name carries the plugin's prefix."""

    __tablename__ = "plg_example_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(50))
    alert_id: Mapped[int | None]


blueprint = Blueprint("example", __name__)


@blueprint.get("/counts")
def counts():
    rows = db.session.execute(select(EventCount.event, func.count()).group_by(EventCount.event))
    return jsonify(dict(rows.tuples().all()))


@hookimpl
def schoolalert_register_blueprints(app):
    return [PluginBlueprint(blueprint, permissions={"counts": {"admin", "investigator"}})]


@click.command("example-count")
def count_command():
    """Print how many events the example plugin has seen."""
    click.echo(db.session.scalar(select(func.count()).select_from(EventCount)))


@hookimpl
def schoolalert_register_commands():
    return [count_command]


def record_publication(alert_id):
    db.session.add(EventCount(event="published-after-commit", alert_id=alert_id))


def forget_old_counts():
    """Periodic housekeeping: nothing to keep forever."""
    db.session.execute(db.delete(EventCount).where(EventCount.alert_id.is_(None)))


@hookimpl
def schoolalert_register_tasks():
    return [
        Task("example.record_publication", record_publication),
        Task("example.forget_old_counts", forget_old_counts, every=timedelta(hours=1)),
    ]


@hookimpl
def schoolalert_track_event(event: Event):
    db.session.add(EventCount(event=event.name, alert_id=getattr(event, "alert_id", None)))
    if isinstance(event, AlertPublished):
        # Work that leaves the transaction goes through the outbox: it runs only after commit.
        enqueue("example.record_publication", {"alert_id": event.alert_id})


@hookimpl
def schoolalert_template_slot(slot, context):
    if slot == "navigation" and context["user"].is_authenticated:
        return Markup('<a href="/plugins/example/counts">Event counts</a>')
    return None
