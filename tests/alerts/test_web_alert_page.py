"""The police alert page: images, uploads, submitting, the prosecutor's decision, responses,
closing with a confirmation step, and the purge record."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from schoolalert.alerts.http import IMAGE_HEADERS
from schoolalert.alerts.models import Alert, AlertImage, AlertStatus
from schoolalert.audit.models import AuditEvent
from schoolalert.demo.drawings import face, teddy_bear
from schoolalert.extensions import db
from tests.alerts import hostile_images


def state(app, alert_id: int) -> tuple[AlertStatus, int]:
    with app.app_context():
        alert = db.session.get(Alert, alert_id)
        images = db.session.scalar(
            select(func.count()).where(
                AlertImage.alert_id == alert_id, AlertImage.blob_name.is_not(None)
            )
        )
        return alert.status, images


def upload(web, user, alert_id: int, data: bytes | None = None, **fields):
    form = {"file": (io.BytesIO(data or face(seed=3)), "face.png"), "kind": "face", "attest": "y"}
    if fields.pop("file", None):
        form["file"] = (io.BytesIO(b""), "")  # the browser's empty file field
    return web.post(user, f"/alerts/{alert_id}/images", form | fields)


@pytest.mark.parametrize(("role", "status"), [("school_staff", 403), ("admin", 403)])
def test_other_roles_may_not_open_an_alert_page(world, web, make_user, role, status):
    alert_id = world.published()
    assert web.get(make_user(role), f"/alerts/{alert_id}").status_code == status


def test_unknown_and_invisible_alerts_are_404(world, web):
    draft = world.draft()
    assert web.get(world.investigator, "/alerts/9999").status_code == 404
    assert web.get(world.prosecutor, f"/alerts/{draft}").status_code == 404  # never submitted
    assert web.get(world.prosecutor, f"/alerts/{draft}/images/1").status_code == 404


def test_the_investigator_sees_texts_images_and_draft_controls(world, web):
    alert_id = world.draft()
    assert world.upload(alert_id).status_code == 201
    page = web.get(world.investigator, f"/alerts/{alert_id}").text
    assert "Girl of about seven" in page
    assert "ZAAK-2026-0042" in page
    assert f"/alerts/{alert_id}/images/" in page
    assert 'id="upload-form"' in page
    assert 'id="submit-alert"' in page
    assert "download" not in page.lower()
    assert 'id="decision"' not in page


def test_a_police_image_is_watermarked_per_view_never_cached_and_audited(world, web):
    alert_id = world.draft()
    image_id = world.upload(alert_id).json["id"]
    first = web.get(world.investigator, f"/alerts/{alert_id}/images/{image_id}")
    second = web.get(world.investigator, f"/alerts/{alert_id}/images/{image_id}")
    assert first.status_code == 200
    assert first.mimetype == "image/jpeg"
    for name, value in IMAGE_HEADERS.items():
        assert first.headers[name] == value
    assert first.headers["X-View-ID"] != second.headers["X-View-ID"]
    assert first.data != second.data
    with world.app.app_context():
        views = db.session.scalar(
            select(func.count()).where(
                AuditEvent.action == "image.viewed", AuditEvent.alert_id == alert_id
            )
        )
    assert views == 2


def test_uploading_through_the_page(world, web):
    alert_id = world.draft()
    response = upload(web, world.investigator, alert_id, teddy_bear(seed=1), kind="object")
    assert response.status_code == 302
    assert state(world.app, alert_id) == (AlertStatus.DRAFT, 1)
    with world.app.app_context():
        image = db.session.scalar(select(AlertImage).where(AlertImage.alert_id == alert_id))
        assert image.kind.value == "object"


@pytest.mark.parametrize(
    ("data", "fields", "status", "message"),
    [
        (b"not an image at all", {}, 415, "upload een JPEG-, PNG- of WebP-afbeelding"),
        (hostile_images.png_bomb(30_000, 30_000), {}, 422, "te veel pixels"),
        (None, {"attest": ""}, 422, "Bevestig dat de afbeelding"),
        (None, {"kind": "selfie"}, 422, "Kies het soort afbeelding"),
        (None, {"file": "no file chosen"}, 422, 'class="error"'),
    ],
)
def test_a_refused_upload_is_shown_on_the_page_and_stores_nothing(
    world, web, data, fields, status, message
):
    alert_id = world.draft()
    response = upload(web, world.investigator, alert_id, data, **fields)
    assert response.status_code == status
    upload_form = response.text[response.text.index('id="upload-form"') :]
    assert message in upload_form[: upload_form.index("</form>")]
    assert state(world.app, alert_id) == (AlertStatus.DRAFT, 0)


def test_a_failed_upload_shows_every_error_with_the_form_pattern(world, web):
    alert_id = world.draft()
    response = upload(web, world.investigator, alert_id, file="none", kind="", attest="")
    assert response.status_code == 422
    page = response.text
    assert "<title>Fout: " in page
    summary = page[page.index('id="error-summary"') :]
    summary = summary[: summary.index("</div>")]
    for target in ("#file", "#kind-0", "#attest"):  # every error at once, each with its link
        assert f'<a href="{target}">' in summary
    # The kind's fieldset points at its message, which sits between the legend and the buttons,
    # and every button says it is invalid.
    kind = page[page.index('<fieldset class="form-field radio-field form-field-error" id="kind"') :]
    kind = kind[: kind.index("</fieldset>")]
    assert 'aria-describedby="kind-error"' in kind
    assert kind.index("</legend>") < kind.index('id="kind-error"') < kind.index('type="radio"')
    assert "Kies het soort afbeelding" in kind
    assert kind.count('aria-invalid="true"') == kind.count('type="radio"') == 3
    upload_form = page[page.index('id="upload-form"') :]
    upload_form = upload_form[: upload_form.index("</form>")]
    assert upload_form.count('aria-invalid="true"') == 5  # the file, three buttons, the box
    assert state(world.app, alert_id) == (AlertStatus.DRAFT, 0)


def test_the_seventh_image_is_refused(world, web):
    alert_id = world.draft()
    for seed in range(6):
        assert world.upload(alert_id, face(seed=seed)).status_code == 201
    response = upload(web, world.investigator, alert_id)
    assert response.status_code == 409
    assert 'id="page-error"' in response.text
    assert state(world.app, alert_id) == (AlertStatus.DRAFT, 6)


@pytest.fixture
def two_uploads_an_hour(app_config):
    app_config["LIMIT_UPLOAD"] = "2 per hour"


def test_uploads_are_rate_limited_like_the_api(two_uploads_an_hour, world, web):
    alert_id = world.draft()
    assert world.upload(alert_id).status_code == 201  # the API counts against the same budget
    assert upload(web, world.investigator, alert_id).status_code == 302
    assert upload(web, world.investigator, alert_id).status_code == 429
    assert state(world.app, alert_id) == (AlertStatus.DRAFT, 2)


def test_removing_an_image_and_submitting(world, web):
    alert_id = world.draft()
    image_id = world.upload(alert_id).json["id"]
    response = web.post(world.investigator, f"/alerts/{alert_id}/submit", {"confirmed": "yes"})
    assert response.status_code == 302
    assert state(world.app, alert_id) == (AlertStatus.SUBMITTED, 1)
    # Submitted: read-only for the investigator.
    response = web.post(world.investigator, f"/alerts/{alert_id}/images/{image_id}/remove")
    assert response.status_code == 409
    assert state(world.app, alert_id) == (AlertStatus.SUBMITTED, 1)

    other = world.draft()
    image_id = world.upload(other).json["id"]
    response = web.post(world.investigator, f"/alerts/{other}/images/{image_id}/remove")
    assert response.status_code == 302
    assert state(world.app, other) == (AlertStatus.DRAFT, 0)
    response = web.post(world.investigator, f"/alerts/{other}/submit")
    assert response.status_code == 409
    assert "Voeg minstens één afbeelding toe" in response.text
    assert state(world.app, other) == (AlertStatus.DRAFT, 0)


def test_another_investigator_may_not_submit(world, web, make_user):
    alert_id = world.draft()
    world.upload(alert_id)
    assert web.post(make_user("investigator"), f"/alerts/{alert_id}/submit").status_code == 403
    assert state(world.app, alert_id) == (AlertStatus.DRAFT, 1)


def test_the_prosecutor_sees_what_schools_will_see_and_the_justification(world, web):
    alert_id = world.submitted()
    page = web.get(world.prosecutor, f"/alerts/{alert_id}").text
    assert "Girl of about seven" in page
    assert "Abuse established in the Netherlands" in page
    assert page.count(f"/alerts/{alert_id}/images/") == 2
    assert 'data-count="2"' in page
    assert "<svg" in page
    assert 'id="approve-form"' in page
    assert 'id="reject-form"' in page
    assert 'id="upload-form"' not in page
    assert "alert_review" not in page  # the slot renders nothing without plugins


def test_approving_through_the_page(world, web):
    alert_id = world.submitted()
    refused = web.post(world.prosecutor, f"/alerts/{alert_id}/approve", {"duration_days": "3"})
    assert refused.status_code == 422  # the images were not attested again
    assert state(world.app, alert_id)[0] == AlertStatus.SUBMITTED
    longer = web.post(
        world.prosecutor,
        f"/alerts/{alert_id}/approve",
        {"duration_days": "9", "images_checked": "y"},
    )
    assert longer.status_code == 422
    assert "alleen worden ingekort" in longer.text
    assert state(world.app, alert_id)[0] == AlertStatus.SUBMITTED
    response = web.post(
        world.prosecutor,
        f"/alerts/{alert_id}/approve",
        {"duration_days": "3", "images_checked": "y", "confirmed": "yes"},
    )
    assert response.status_code == 302
    with world.app.app_context():
        alert = db.session.get(Alert, alert_id)
        assert alert.status == AlertStatus.PUBLISHED
        assert (alert.expires_at - alert.approved_at).days == 3
    page = web.get(world.prosecutor, f"/alerts/{alert_id}").text
    assert 'data-frozen="true"' in page  # the frozen recipient set
    assert 'id="approve-form"' not in page


def test_a_prosecutor_cannot_approve_their_own_alert(world, web):
    alert_id = world.submitted()
    with world.app.app_context():
        db.session.get(Alert, alert_id).created_by_id = world.prosecutor.id
        db.session.commit()
    page = web.get(world.prosecutor, f"/alerts/{alert_id}").text
    assert 'id="approve-form"' not in page
    assert 'id="own-alert"' in page
    response = web.post(world.prosecutor, f"/alerts/{alert_id}/approve", {"images_checked": "y"})
    assert response.status_code == 403
    assert state(world.app, alert_id)[0] == AlertStatus.SUBMITTED


def test_rejecting_needs_a_reason_and_the_investigator_reads_it(world, web):
    alert_id = world.submitted()
    response = web.post(world.prosecutor, f"/alerts/{alert_id}/reject", {"reason": " "})
    assert response.status_code == 422
    assert state(world.app, alert_id)[0] == AlertStatus.SUBMITTED
    response = web.post(
        world.prosecutor, f"/alerts/{alert_id}/reject", {"reason": "The T-shirt is too unusual."}
    )
    assert response.status_code == 302
    assert state(world.app, alert_id)[0] == AlertStatus.DRAFT
    page = web.get(world.investigator, f"/alerts/{alert_id}").text
    assert "The T-shirt is too unusual." in page
    assert 'id="submit-alert"' in page


def test_investigators_read_responses_with_tips_and_the_reading_is_audited(world, web):
    alert_id = world.published()
    tip = {"kind": "recognised", "message": "Looks like Sam", "class_name": "Groep 4"}
    assert world.api("POST", f"/me/alerts/{alert_id}/response", world.staff[0], json=tip)
    page = web.get(world.investigator, f"/alerts/{alert_id}").text
    assert '<strong id="recognised-count">1</strong>' in page
    response = web.get(world.investigator, f"/alerts/{alert_id}/responses")
    assert response.status_code == 200
    assert "Looks like Sam" in response.text
    assert "Groep 4" in response.text
    assert world.schools[0].code in response.text
    with world.app.app_context():
        reads = db.session.scalar(
            select(func.count()).where(
                AuditEvent.action == "responses.read", AuditEvent.alert_id == alert_id
            )
        )
    assert reads == 1
    assert web.get(world.prosecutor, f"/alerts/{alert_id}/responses").status_code == 403


def test_closing_asks_for_confirmation_then_destroys_and_shows_the_purge_record(
    world, web, run_jobs
):
    alert_id = world.published()
    page = web.get(world.investigator, f"/alerts/{alert_id}").text
    image_url = page[page.index(f"/alerts/{alert_id}/images/") :].split('"')[0]
    assert web.get(world.investigator, image_url).status_code == 200
    assert f'href="/alerts/{alert_id}/close"' in page  # a link to the choice, no reason in it
    confirm = web.get(world.investigator, f"/alerts/{alert_id}/close")
    assert confirm.status_code == 200
    assert 'id="confirm-close"' in confirm.text
    assert 'value="identified"' in confirm.text
    assert 'value="withdrawn"' in confirm.text
    unchosen = web.post(world.investigator, f"/alerts/{alert_id}/close", {})
    assert unchosen.status_code == 422
    assert '<a href="#reason-0">' in unchosen.text
    assert state(world.app, alert_id) == (AlertStatus.PUBLISHED, 2)  # nothing happened yet

    response = web.post(world.investigator, f"/alerts/{alert_id}/close", {"reason": "identified"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/alerts/{alert_id}/purge")
    run_jobs()  # the files go, and are checked, once the closing has committed
    assert state(world.app, alert_id) == (AlertStatus.CLOSED, 0)
    record = web.get(world.investigator, f"/alerts/{alert_id}/purge")
    assert record.status_code == 200
    assert 'id="purge-verified"' in record.text
    assert web.get(world.investigator, image_url).status_code == 404
    page = web.get(world.investigator, f"/alerts/{alert_id}").text
    assert "Girl of about seven" not in page
    assert 'id="close-alert"' not in page
    # Closed: the confirmation page sends back to the alert.
    again = web.get(world.investigator, f"/alerts/{alert_id}/close")
    assert again.status_code == 302


def test_the_purge_record_is_for_police_prosecutors_and_administrators(world, web, make_user):
    alert_id = world.published()
    world.api("POST", f"/alerts/{alert_id}/close", world.investigator, json={"reason": "withdrawn"})
    assert web.get(world.prosecutor, f"/alerts/{alert_id}/purge").status_code == 200
    assert web.get(make_user("admin"), f"/alerts/{alert_id}/purge").status_code == 200
    assert web.get(world.staff[0], f"/alerts/{alert_id}/purge").status_code == 403
    assert web.get(world.investigator, "/alerts/9999/purge").status_code == 404


def test_only_a_published_alert_can_be_closed_as_identified(world, web):
    alert_id = world.draft()
    response = web.post(world.investigator, f"/alerts/{alert_id}/close", {"reason": "identified"})
    assert response.status_code == 409
    assert 'id="page-error"' in response.text
    assert state(world.app, alert_id)[0] == AlertStatus.DRAFT
    choice = web.get(world.investigator, f"/alerts/{alert_id}/close")
    assert 'value="withdrawn"' in choice.text
    assert 'value="identified"' not in choice.text
    bad = web.post(world.investigator, f"/alerts/{alert_id}/close", {"reason": "forgotten"})
    assert bad.status_code == 422
    assert state(world.app, alert_id)[0] == AlertStatus.DRAFT
