"""One unit of work per request and per command: commit at the end, roll back on an error."""

from __future__ import annotations

import click
import pytest
from flask import Blueprint, abort
from sqlalchemy import func, select

from schoolalert.audit import services as audit
from schoolalert.audit.models import AuditEvent
from schoolalert.errors import Conflict
from schoolalert.extensions import db
from schoolalert.web.unit_of_work import keep_refusal


def entries(app, action: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        )


@pytest.fixture
def probe(app):
    """Public test endpoints that write an audit entry, then answer in different ways."""
    blueprint = Blueprint("uow_probe", __name__, url_prefix="/api/uow-probe")  # JSON: no CSRF

    def write(action: str) -> None:
        audit.record(action, details={"probe": True})

    @blueprint.post("/ok")
    def ok():
        write("probe.ok")
        return "done"

    @blueprint.post("/redirect")
    def redirected():
        write("probe.redirect")
        return "", 302, {"Location": "/"}

    @blueprint.post("/refused")
    def refused():
        write("probe.refused")
        return "no", 422

    @blueprint.post("/refusal-on-record")
    def refusal_on_record():
        write("probe.kept")
        keep_refusal()
        return "no", 401

    @blueprint.post("/domain-error")
    def domain_error():
        write("probe.conflict")
        raise Conflict("not now")

    @blueprint.post("/aborted")
    def aborted():
        write("probe.aborted")
        abort(404)

    @blueprint.post("/crash")
    def crash():
        write("probe.crash")
        raise RuntimeError("boom")

    app.register_blueprint(blueprint)
    table = app.extensions["schoolalert.permissions"]
    for name in (
        "ok",
        "redirected",
        "refused",
        "refusal_on_record",
        "domain_error",
        "aborted",
        "crash",
    ):
        table.add(f"uow_probe.{name}", {"public"})
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


@pytest.mark.parametrize(
    ("path", "status", "action", "kept"),
    [
        ("ok", 200, "probe.ok", 1),
        ("redirect", 302, "probe.redirect", 1),
        ("refused", 422, "probe.refused", 0),
        ("refusal-on-record", 401, "probe.kept", 1),
        ("domain-error", 409, "probe.conflict", 0),
        ("aborted", 404, "probe.aborted", 0),
        ("crash", 500, "probe.crash", 0),
    ],
)
def test_a_request_commits_below_400_and_rolls_back_otherwise(probe, path, status, action, kept):
    response = probe.test_client().post(f"/api/uow-probe/{path}")
    assert response.status_code == status
    assert entries(probe, action) == kept


def test_a_command_commits_when_it_returns_and_rolls_back_when_it_fails(app):
    @click.command("uow-probe")
    @click.option("--fail", is_flag=True)
    def command(fail: bool) -> None:
        audit.record("probe.command", details={"fail": fail})
        if fail:
            raise click.ClickException("refused")

    from schoolalert.app import _prepare_command

    _prepare_command(command, None)
    app.cli.add_command(command)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["uow-probe", "--fail"]).exit_code == 1
    assert entries(app, "probe.command") == 0
    assert runner.invoke(args=["uow-probe"]).exit_code == 0
    assert entries(app, "probe.command") == 1
