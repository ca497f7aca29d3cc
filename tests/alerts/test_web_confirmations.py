"""Check your answers before submitting and before approving: a summary first (nothing
changes), then the confirmed POST. Both by POST with the CSRF token."""

from __future__ import annotations

from schoolalert.alerts.models import Alert, AlertStatus
from schoolalert.extensions import db
from tests.alerts.participation import grant


def status(app, alert_id):
    with app.app_context():
        return db.session.get(Alert, alert_id).status


def test_submitting_shows_a_summary_first(world, web):
    alert_id = world.draft()
    world.upload(alert_id)
    summary = web.post(world.investigator, f"/alerts/{alert_id}/submit")
    assert summary.status_code == 200
    assert status(world.app, alert_id) == AlertStatus.DRAFT  # nothing changed yet
    page = summary.text
    assert "Girl of about seven" in page
    assert "2 schoollocaties" in page
    assert "1 afbeelding" in page
    assert "7 dagen" in page
    assert 'name="confirmed" value="yes"' in page
    assert 'name="csrf_token"' in page
    done = web.post(world.investigator, f"/alerts/{alert_id}/submit", {"confirmed": "yes"})
    assert done.status_code == 302
    assert status(world.app, alert_id) == AlertStatus.SUBMITTED


def test_the_summary_is_not_reachable_by_get(world, web):
    alert_id = world.draft()
    assert web.get(world.investigator, f"/alerts/{alert_id}/submit").status_code == 405
    submitted = world.submitted()
    assert web.get(world.prosecutor, f"/alerts/{submitted}/approve").status_code == 405


def test_approving_shows_reach_images_duration_and_the_no_staff_warning(
    world, web, make_board, make_school
):
    lonely = make_school(make_board(), municipality="GM0363", pc4="1012")
    grant(world.app, lonely)
    alert_id = world.submitted(
        targeting={"schools": [school.code for school in world.schools] + [lonely.code]}
    )
    summary = web.post(
        world.prosecutor,
        f"/alerts/{alert_id}/approve",
        {"images_checked": "y", "duration_days": "3"},
    )
    assert summary.status_code == 200
    assert status(world.app, alert_id) == AlertStatus.SUBMITTED
    page = summary.text
    assert "3 schoollocaties" in page
    assert 'id="unreachable-schools"' in page
    assert lonely.name in page
    assert "2 medewerkers" in page  # who can see it now
    assert "3 dagen" in page
    assert page.count(f"/alerts/{alert_id}/images/") == 2
    assert 'name="duration_days" value="3"' in page
    done = web.post(
        world.prosecutor,
        f"/alerts/{alert_id}/approve",
        {"images_checked": "y", "duration_days": "3", "confirmed": "yes"},
    )
    assert done.status_code == 302
    with world.app.app_context():
        alert = db.session.get(Alert, alert_id)
        assert alert.status == AlertStatus.PUBLISHED
        assert (alert.expires_at - alert.approved_at).days == 3


def test_a_refused_approval_never_reaches_the_summary(world, web):
    alert_id = world.submitted()
    refused = web.post(world.prosecutor, f"/alerts/{alert_id}/approve", {"duration_days": "30"})
    assert refused.status_code == 422
    assert 'id="confirm-form"' not in refused.text
    assert status(world.app, alert_id) == AlertStatus.SUBMITTED
