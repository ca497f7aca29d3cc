"""Every alert and portal form refuses a post without its CSRF token, and changes nothing."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from schoolalert.alerts.models import Alert, AlertImage, Response
from schoolalert.demo.drawings import face
from schoolalert.extensions import db


def snapshot(app) -> tuple:
    with app.app_context():
        alerts = db.session.execute(
            select(Alert.id, Alert.status, Alert.updated_at).order_by(Alert.id)
        ).all()
        images = db.session.scalar(select(func.count()).where(AlertImage.blob_name.is_not(None)))
        answers = db.session.scalar(select(func.count(Response.id)))
    return tuple(alerts), images, answers


def draft_fields(world) -> dict:
    return {
        "description": "A description",
        "age_estimate": "7",
        "case_reference": "ZAAK-CSRF",
        "justification": "Reasons",
        "duration_days": "7",
        "schools": world.schools[0].code,
    }


# (who, path with {draft}/{submitted}/{published}/{image}, form)
FORMS = [
    ("investigator", "/alerts/new", "draft"),
    ("investigator", "/alerts/{draft}/edit", "draft"),
    ("investigator", "/alerts/preview", "draft"),
    ("investigator", "/alerts/{draft}/images", "upload"),
    ("investigator", "/alerts/{draft}/images/{image}/remove", None),
    ("investigator", "/alerts/{draft}/submit", None),
    ("prosecutor", "/alerts/{submitted}/approve", "approve"),
    ("prosecutor", "/alerts/{submitted}/reject", "reject"),
    ("investigator", "/alerts/{published}/close", "close"),
    ("staff", "/portal/alerts/{published}/response", "respond"),
]


@pytest.mark.parametrize(("who", "path", "form"), FORMS, ids=[path for _, path, _ in FORMS])
def test_a_form_without_its_csrf_token_is_refused(world, web, who, path, form):
    draft = world.draft()
    image = world.upload(draft).json["id"]
    ids = {
        "draft": draft,
        "image": image,
        "submitted": world.submitted(),
        "published": world.published(),
    }
    data = {
        "draft": draft_fields(world),
        "upload": {"file": (io.BytesIO(face()), "f.png"), "kind": "face", "attest": "y"},
        "approve": {"images_checked": "y", "confirmed": "yes"},
        "reject": {"reason": "No."},
        "close": {"reason": "withdrawn"},
        "respond": {"kind": "recognised"},
        None: {},
    }[form]
    user = {"investigator": world.investigator, "prosecutor": world.prosecutor}.get(
        who, world.staff[0]
    )
    web.client(user)  # signed in before the snapshot
    before = snapshot(world.app)
    response = web.post(user, path.format(**ids), data, csrf=False)
    assert response.status_code == 400
    assert snapshot(world.app) == before
    # The same post with a token is accepted: the token was the only thing missing.
    if form == "upload":
        data["file"] = (io.BytesIO(face()), "f.png")
    accepted = web.post(user, path.format(**ids), data)
    assert accepted.status_code in (200, 302)
