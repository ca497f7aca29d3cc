"""Two Schoolalert instances exchanging over loopback HTTP: ours (the test's ``app``, on
SQLite or on PostgreSQL with Redis) and a partner instance abroad (its own SQLite database,
key and certificate), each serving its inbox on 127.0.0.1 and each pinning the other's
certificate."""

from __future__ import annotations

import io
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from plugins.exchange.models import Message, ReceivedAlert
from schoolalert import create_app
from schoolalert.demo.drawings import clothing, face
from schoolalert.extensions import db
from schoolalert.plugin_admin import services as plugin_services
from schoolalert.transaction import commit
from tests import factories
from tests.alerts.participation import accept_statement, grant
from tests.conftest import base_config

PARTNER_SENDER = "sa.polizei.nrw.example"
OUR_SENDER = "schoolalert.politie.example"


class Loopback:
    """An application served on 127.0.0.1 in a thread of its own; ``stop`` takes it down
    (the partner is unreachable) and ``start`` brings it back on the same port."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.port = 0
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._server = make_server("127.0.0.1", self.port, self.app, threaded=False)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def inbox(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1/exchange/inbox"


@dataclass
class Instance:
    app: Flask
    name: str
    investigator: Any
    prosecutor: Any
    admin: Any
    schools: list[Any]
    staff: list[Any]
    server: Loopback
    extra: dict[str, Any] = field(default_factory=dict)

    def headers(self, user: Any) -> dict[str, str]:
        return factories.bearer.__wrapped__(self.app)(user) | {"Accept-Language": "en"}

    def api(self, method: str, path: str, user: Any, **kwargs: Any):
        client = self.app.test_client()
        return client.open(f"/api/v1{path}", method=method, headers=self.headers(user), **kwargs)

    def cli(self, *args: str):
        return self.app.test_cli_runner().invoke(args=list(args))

    def draft(self, **overrides: Any) -> int:
        body = {
            "case_reference": "ZAAK-2026-0042",
            "justification": "Abuse established; other means exhausted.",
            "description": "Girl of about seven, blue striped T-shirt with a star.",
            "age_estimate": "6-8",
            "targeting": {"schools": [school.code for school in self.schools]},
            "duration_days": 7,
        } | overrides
        response = self.api("POST", "/alerts", self.investigator, json=body)
        assert response.status_code == 201, response.json
        return response.json["id"]

    def submitted(self, **overrides: Any) -> int:
        alert_id = self.draft(**overrides)
        for data, kind in ((face(seed=alert_id), "face"), (clothing(seed=alert_id), "clothing")):
            response = self.api(
                "POST",
                f"/alerts/{alert_id}/images",
                self.investigator,
                data={"file": (io.BytesIO(data), "x.png"), "kind": kind, "attest": "true"},
                content_type="multipart/form-data",
            )
            assert response.status_code == 201, response.json
        assert self.api("POST", f"/alerts/{alert_id}/submit", self.investigator).status_code == 200
        return alert_id

    def published(self, **overrides: Any) -> int:
        alert_id = self.submitted(**overrides)
        response = self.api(
            "POST", f"/alerts/{alert_id}/approve", self.prosecutor, json={"images_checked": True}
        )
        assert response.status_code == 200, response.json
        return alert_id

    def messages(self, direction: str | None = None) -> list[Message]:
        with self.app.app_context():
            query = db.select(Message).order_by(Message.id)
            if direction:
                query = query.where(Message.direction == direction)
            rows = list(db.session.scalars(query))
            db.session.expunge_all()
            return rows

    def received(self) -> list[ReceivedAlert]:
        with self.app.app_context():
            rows = list(db.session.scalars(db.select(ReceivedAlert).order_by(ReceivedAlert.id)))
            for row in rows:
                row.image_count = len(row.images)  # type: ignore[attr-defined]
            db.session.expunge_all()
            return rows


def enable(app: Flask, enabled: bool = True) -> None:
    with app.app_context():
        plugin_services.set_enabled(
            app.extensions["schoolalert.plugins"], "exchange", enabled, actor=None
        )
        commit()


def populate(app: Flask, name: str) -> Instance:
    make_user = factories.make_user.__wrapped__(app)
    make_board = factories.make_board.__wrapped__(app)
    make_school = factories.make_school.__wrapped__(app, make_board)
    board = make_board()
    schools = [make_school(board, municipality="GM0935", pc4="6211")]
    for school in schools:
        grant(app, school)
    staff = [make_user("school_staff", school_id=school.id) for school in schools]
    for user in staff:
        accept_statement(app, user)
    server = Loopback(app)
    server.start()
    return Instance(
        app=app,
        name=name,
        investigator=make_user("investigator"),
        prosecutor=make_user("prosecutor"),
        admin=make_user("admin"),
        schools=schools,
        staff=staff,
        server=server,
    )


def certificate_of(instance: Instance, folder: Path) -> Path:
    result = instance.cli("exchange", "identity")
    assert result.exit_code == 0, result.output
    pem = result.output[result.output.index("-----BEGIN CERTIFICATE-----") :]
    path = folder / f"{instance.name}.pem"
    path.write_text(pem)
    return path


def pin(instance: Instance, name: str, sender: str, inbox: str, certificate: Path) -> None:
    result = instance.cli(
        "exchange",
        "partners",
        "add",
        "--name",
        name,
        "--sender",
        sender,
        "--inbox",
        inbox,
        "--certificate",
        str(certificate),
    )
    assert result.exit_code == 0, result.output


@pytest.fixture
def partner_app(tmp_path: Path, sqlite_template: Path) -> Iterator[Flask]:
    instance = tmp_path / "partner-instance"
    instance.mkdir()
    shutil.copyfile(sqlite_template, instance / "test.db")
    application = create_app(
        base_config(
            instance, EXCHANGE_SENDER=PARTNER_SENDER, BASE_URL="https://schoolalert.nrw.example"
        )
    )
    yield application
    with application.app_context():
        db.engine.dispose()


@dataclass
class Pair:
    ours: Instance
    partner: Instance


@pytest.fixture
def pair(app: Flask, partner_app: Flask, tmp_path: Path) -> Iterator[Pair]:
    app.config["EXCHANGE_SENDER"] = OUR_SENDER
    for application in (app, partner_app):
        enable(application)
    ours, partner = populate(app, "nl"), populate(partner_app, "nrw")
    ours_pem, partner_pem = certificate_of(ours, tmp_path), certificate_of(partner, tmp_path)
    pin(ours, "nrw", PARTNER_SENDER, partner.server.inbox, partner_pem)
    pin(partner, "nl", OUR_SENDER, ours.server.inbox, ours_pem)
    ours.extra["certificate"], partner.extra["certificate"] = ours_pem, partner_pem
    yield Pair(ours, partner)
    ours.server.stop()
    partner.server.stop()


@pytest.fixture
def web_client(signed_in):
    return signed_in
