"""A small world for alert tests: participating schools with staff, an investigator and a
prosecutor, and helpers that walk an alert through its life cycle over the API; signed-in web
clients for the pages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from schoolalert.demo.drawings import clothing, face
from tests.alerts.participation import accept_statement, grant
from tests.factories import csrf_from


@dataclass
class World:
    app: Flask
    client: FlaskClient
    headers: Callable[[Any], dict[str, str]]
    investigator: Any
    prosecutor: Any
    schools: list[Any]
    staff: list[Any]  # staff[i] works at schools[i]
    outsider_school: Any  # not targeted
    outsider: Any  # staff of the outsider school
    extra: dict[str, Any] = field(default_factory=dict)

    def api(self, method: str, path: str, user: Any, **kwargs: Any):
        return self.client.open(
            f"/api/v1{path}", method=method, headers=self.headers(user), **kwargs
        )

    def draft(self, **overrides: Any) -> int:
        body = {
            "case_reference": "ZAAK-2026-0042",
            "justification": "Abuse established in the Netherlands; other means exhausted.",
            "description": "Girl of about seven, blue striped T-shirt with a star.",
            "age_estimate": "6-8",
            "targeting": {"schools": [school.code for school in self.schools]},
            "duration_days": 7,
        } | overrides
        response = self.api("POST", "/alerts", self.investigator, json=body)
        assert response.status_code == 201, response.json
        return response.json["id"]

    def upload(self, alert_id: int, data: bytes | None = None, kind: str = "face", **extra: Any):
        payload = {
            "file": (__import__("io").BytesIO(data or face(seed=alert_id)), "x.png"),
            "kind": kind,
            "attest": "true",
        } | extra
        return self.api(
            "POST",
            f"/alerts/{alert_id}/images",
            self.investigator,
            data=payload,
            content_type="multipart/form-data",
        )

    def submitted(self, **overrides: Any) -> int:
        alert_id = self.draft(**overrides)
        assert self.upload(alert_id).status_code == 201
        assert self.upload(alert_id, clothing(seed=alert_id), "clothing").status_code == 201
        response = self.api("POST", f"/alerts/{alert_id}/submit", self.investigator)
        assert response.status_code == 200, response.json
        return alert_id

    def published(self, **overrides: Any) -> int:
        alert_id = self.submitted(**overrides)
        response = self.api(
            "POST", f"/alerts/{alert_id}/approve", self.prosecutor, json={"images_checked": True}
        )
        assert response.status_code == 200, response.json
        return alert_id

    def staff_alert(self, alert_id: int, user: Any):
        return self.api("GET", f"/me/alerts/{alert_id}", user)


@pytest.fixture
def world(app, client, bearer, make_user, make_board, make_school) -> World:
    board = make_board()
    schools = [
        make_school(board, municipality="GM0363", pc4="1011"),
        make_school(board, municipality="GM0599", pc4="3011"),
    ]
    outsider_school = make_school(board, municipality="GM0344", pc4="3511")
    for school in (*schools, outsider_school):
        grant(app, school)
    staff = [make_user("school_staff", school_id=school.id) for school in schools]
    outsider = make_user("school_staff", school_id=outsider_school.id)
    for user in (*staff, outsider):
        accept_statement(app, user)
    return World(
        app=app,
        client=client,
        headers=bearer,
        investigator=make_user("investigator"),
        prosecutor=make_user("prosecutor"),
        schools=schools,
        staff=staff,
        outsider_school=outsider_school,
        outsider=outsider,
    )


class Web:
    """Signed-in web clients per user, and form posts with (or without) the CSRF token."""

    def __init__(self, signed_in: Callable[[Any], FlaskClient]) -> None:
        self._signed_in = signed_in
        self._clients: dict[int, FlaskClient] = {}

    def client(self, user: Any) -> FlaskClient:
        if user.id not in self._clients:
            self._clients[user.id] = self._signed_in(user)
        return self._clients[user.id]

    def get(self, user: Any, path: str):
        return self.client(user).get(path)

    def token(self, user: Any) -> str:
        return csrf_from(self.get(user, "/").text)

    def post(self, user: Any, path: str, data: dict[str, Any] | None = None, *, csrf: bool = True):
        data = dict(data or {})
        if csrf:
            data["csrf_token"] = self.token(user)
        return self.client(user).post(path, data=data)


@pytest.fixture
def web(signed_in) -> Web:
    return Web(signed_in)
