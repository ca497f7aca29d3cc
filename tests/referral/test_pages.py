"""The referral pages: the button in the portal, the support form, the worker's queue, the
administrator's organisations, workers and evaluation counts, and the plugin switch."""

from __future__ import annotations

from sqlalchemy import select

from plugins.referral.models import Referral
from schoolalert.extensions import db
from tests.referral.conftest import enable, referral_row


def test_the_portal_offers_support_on_live_and_ended_alerts(referral, web):
    alert_id = referral.published()
    staff = referral.staff[0]
    page = web.get(staff, f"/portal/alerts/{alert_id}").text
    assert "Ik wil graag ondersteuning" in page
    assert f"/plugins/referral/alerts/{alert_id}/support" in page
    referral.api(
        "POST", f"/alerts/{alert_id}/close", referral.investigator, json={"reason": "withdrawn"}
    )
    portal = web.get(staff, "/portal").text
    assert f'data-support-alert="{alert_id}"' in portal
    assert web.get(staff, f"/plugins/referral/alerts/{alert_id}/support").status_code == 200
    assert (
        web.get(referral.outsider, f"/plugins/referral/alerts/{alert_id}/support").status_code
        == 404
    )
    assert f'data-support-alert="{alert_id}"' not in web.get(referral.outsider, "/portal").text


def test_asking_in_the_portal_and_urgent_shows_the_lines_at_once(referral, web):
    alert_id = referral.published()
    staff = referral.staff[0]
    form = web.get(staff, f"/plugins/referral/alerts/{alert_id}/support").text
    assert "0800-0188" in form  # the lines are on the form itself
    refused = web.post(
        staff,
        f"/plugins/referral/alerts/{alert_id}/support",
        {"urgency": "urgent", "phone": "0612345678"},
    )
    assert refused.status_code == 422
    with referral.app.app_context():
        assert db.session.scalar(select(Referral.id)) is None
    sent = web.post(
        staff,
        f"/plugins/referral/alerts/{alert_id}/support",
        {"urgency": "urgent", "phone": "0612345678", "share_contact": "y"},
    )
    assert sent.status_code == 200
    assert 'id="crisis-lines"' in sent.text
    for number in ("112", "0900-8844", "0900-0101", "0800-0188"):
        assert f'href="tel:{number.replace("-", "")}">{number}</a>' in sent.text
    assert "Schoolsteun Amsterdam" in sent.text
    with referral.app.app_context():
        row = db.session.scalar(select(Referral))
        assert (row.urgency, row.consent_version) == ("urgent", 1)
    page = web.get(staff, f"/portal/alerts/{alert_id}").text
    assert 'data-referral-state="requested"' in page


def test_without_csrf_the_form_is_refused(referral, web):
    alert_id = referral.published()
    response = web.post(
        referral.staff[0],
        f"/plugins/referral/alerts/{alert_id}/support",
        {"urgency": "normal"},
        csrf=False,
    )
    assert response.status_code == 400


def test_unserved_school_sees_the_message_in_the_portal(referral, web):
    alert_id = referral.published()
    page = web.post(
        referral.staff[1], f"/plugins/referral/alerts/{alert_id}/support", {"urgency": "normal"}
    )
    assert (
        "No support organisation serves your school" in page.text or "Er is nog geen" in page.text
    )


def test_the_worker_takes_it_up_in_the_queue(referral, web):
    alert_id = referral.published()
    rid = referral.ask(alert_id, phone="0612345678", share_contact=True).json["id"]
    worker = referral.worker
    queue = web.get(worker, "/plugins/referral/queue").text
    assert f'data-referral="{rid}"' in queue
    detail = web.get(worker, f"/plugins/referral/referrals/{rid}").text
    assert "0612345678" in detail
    assert "striped" not in detail  # nothing of the alert's content
    for action in ("accept", "start"):
        assert web.post(worker, f"/plugins/referral/referrals/{rid}/{action}").status_code == 302
    assert (
        web.post(
            worker, f"/plugins/referral/referrals/{rid}/close", {"outcome": "supported"}
        ).status_code
        == 302
    )
    assert referral_row(referral.app, rid).state == "closed"
    # A step out of order is refused with a message; the state stays.
    web.post(worker, f"/plugins/referral/referrals/{rid}/accept")
    assert referral_row(referral.app, rid).state == "closed"
    other = referral.other_worker
    assert f'data-referral="{rid}"' not in web.get(other, "/plugins/referral/queue").text
    assert web.get(other, f"/plugins/referral/referrals/{rid}").status_code == 404
    assert web.get(referral.investigator, "/plugins/referral/queue").status_code == 403


def test_administrators_manage_organisations_and_workers_and_see_counts(referral, web, make_user):
    admin = referral.admin
    page = web.get(admin, "/plugins/referral/organisations").text
    assert "Schoolsteun Amsterdam" in page
    added = web.post(
        admin,
        "/plugins/referral/organisations",
        {
            "name": "Steunpunt Rotterdam",
            "kind": "school_support",
            "regions": "RE07",
            "email": "rdam@org.example",
            "first_contact_hours": "48",
        },
    )
    assert added.status_code == 302, added.text
    organisation_path = added.headers["Location"]
    bad = web.post(
        admin,
        "/plugins/referral/organisations",
        {
            "name": "X",
            "kind": "school_support",
            "regions": "XX",
            "email": "x@org.example",
            "first_contact_hours": "4",
        },
    )
    assert bad.status_code == 422
    worker = make_user("support_worker", email="rdam-worker@org.example")
    web.post(admin, organisation_path + "/workers", {"email": worker.email})
    assert worker.email in web.get(admin, organisation_path).text
    assert "Steunpunt Rotterdam" in web.get(admin, f"/admin/users/{worker.id}").text
    alert_id = referral.published()
    assert referral.ask(alert_id, referral.staff[1]).status_code == 201
    stats = web.get(admin, "/plugins/referral/statistics").text
    assert "Steunpunt Rotterdam" in stats
    assert referral.staff[1].email not in stats
    assert web.get(referral.worker, "/plugins/referral/statistics").status_code == 403


def test_disabling_removes_the_pages_and_the_button(referral, web):
    alert_id = referral.published()
    staff = referral.staff[0]
    enable(referral.app, False)
    assert "Ik wil graag ondersteuning" not in web.get(staff, f"/portal/alerts/{alert_id}").text
    assert web.get(staff, f"/plugins/referral/alerts/{alert_id}/support").status_code == 404
    assert web.get(referral.worker, "/plugins/referral/queue").status_code == 404
    enable(referral.app)
    assert "Ik wil graag ondersteuning" in web.get(staff, f"/portal/alerts/{alert_id}").text


def test_the_briefing_and_the_ended_mail_offer_support_only_with_the_plugin(
    referral, web, mailbox, run_jobs
):
    staff = referral.staff[0]
    assert (
        "on every alert you received" in web.get(staff, "/briefing").text
        or "bij elke alert" in web.get(staff, "/briefing").text
    )
    alert_id = referral.published()
    run_jobs()  # only staff who were told of the alert are told that it ended
    referral.api(
        "POST", f"/alerts/{alert_id}/close", referral.investigator, json={"reason": "withdrawn"}
    )
    run_jobs()
    ended = [m for m in mailbox() if m["To"] == staff.email and "/portal" in m.get_content()]
    assert any("ondersteuning" in m.get_content() or "support" in m.get_content() for m in ended)
