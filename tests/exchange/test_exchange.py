"""Two instances exchanging signed CAP 1.2 over loopback HTTP: sharing after approval, the
Cancel after closing, a partner's alert received once, adopted and approved here, its Update
and Cancel, a Cancel that overtakes its Alert, a partner that is down and comes back, and the
documents the inbox refuses without changing anything."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import func, select

from plugins.exchange import cap
from plugins.exchange.models import Message, ReceivedAlert, Tombstone
from schoolalert.alerts.closing import finish_purge
from schoolalert.alerts.models import Alert, AlertStatus, PurgeRecord
from schoolalert.audit.models import AuditEvent
from schoolalert.extensions import db
from schoolalert.transaction import commit
from tests.exchange.conftest import OUR_SENDER, PARTNER_SENDER, enable
from tests.exchange.helpers import (
    element_text,
    foreign_key,
    info,
    post,
    retries_due,
    signed_by,
    stored_document,
)

CAP_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d$")


def counts(instance):
    with instance.app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(Message)),
            db.session.scalar(select(func.count()).select_from(ReceivedAlert)),
            db.session.scalar(select(func.count()).select_from(Tombstone)),
        )


def test_an_approved_shared_alert_reaches_the_partner_signed_and_its_cancel_purges_it(
    pair, run_jobs
):
    ours, partner = pair.ours, pair.partner
    alert_id = ours.draft(share_with=["nrw"])
    run_jobs()
    assert ours.messages() == []  # nothing leaves before approval
    alert_id = ours.published(share_with=["nrw"])
    run_jobs()

    (sent,) = ours.messages()
    assert (sent.direction, sent.msg_type, sent.state, sent.attempts) == (
        "out",
        "Alert",
        "delivered",
        1,
    )
    document = stored_document(ours, sent)
    assert cap.verify(document, ours.extra["certificate"].read_text()) is not None
    cap.validate(cap.parse_untrusted(document))
    assert element_text(document, "c:status") == ["Actual"]
    assert element_text(document, "c:scope") == ["Restricted"]
    assert element_text(document, "c:restriction")[0]
    for moment in element_text(document, "c:sent") + element_text(document, "c:info/c:expires"):
        assert CAP_TIME.match(moment), moment
    assert element_text(document, "c:info/c:resource/c:mimeType") == ["image/png", "image/png"]
    text = document.decode()
    assert "ZAAK-2026-0042" not in text
    assert "other means exhausted" not in text
    assert "<ds:Signature" in text
    with ours.app.app_context():
        expires = db.session.get(Alert, alert_id).expires_at
    assert element_text(document, "c:info/c:expires") == [cap.cap_time(expires)]

    (received,) = partner.received()
    assert (received.sender, received.state, received.image_count) == (OUR_SENDER, "received", 2)
    listing = partner.api("GET", "/exchange/received", partner.investigator)
    assert listing.status_code == 200
    assert listing.json["received"][0]["images"] == 2
    assert listing.json["received"][0]["identifier"] == sent.identifier
    assert partner.api("GET", "/exchange/received", partner.staff[0]).status_code == 403
    # It never reached the partner's schools by itself.
    assert partner.api("GET", "/me/alerts", partner.staff[0]).json["alerts"] == []

    closed = ours.api(
        "POST", f"/alerts/{alert_id}/close", ours.investigator, json={"reason": "withdrawn"}
    )
    assert closed.status_code == 200, closed.json
    run_jobs()
    alert_message, cancel = ours.messages()
    assert (cancel.msg_type, cancel.state) == ("Cancel", "delivered")
    assert cancel.references == alert_message.triple
    cancel_document = stored_document(ours, cancel)
    cap.validate(cap.parse_untrusted(cancel_document))
    assert element_text(cancel_document, "c:references") == [alert_message.triple]
    assert stored_document(ours, alert_message) is None  # the images went with the purge
    (received,) = partner.received()
    assert (received.state, received.image_count) == ("cancelled", 0)
    with ours.app.app_context():
        finish_purge(alert_id)  # the hourly retry, after the partner confirmed
        commit()
        record = db.session.get(PurgeRecord, alert_id)
        reports = {report["component"]: report for report in record.plugin_reports}
        assert reports["exchange"]["verified"] is True
        assert reports["exchange:nrw"]["verified"] is True
        assert record.verified is True


def test_share_with_is_a_draft_part_the_prosecutor_sees(pair, web_client):
    ours = pair.ours
    alert_id = ours.submitted(share_with=["nrw"])
    answer = ours.api("GET", f"/alerts/{alert_id}", ours.investigator).json
    assert answer["share_with"] == ["nrw"]
    page = web_client(ours.prosecutor).get(f"/alerts/{alert_id}")
    assert "nrw" in page.text
    assert "draft-part" in page.text

    unknown = ours.api("POST", "/alerts", ours.investigator, json=draft_body(ours, ["bka"]))
    assert unknown.status_code == 422
    assert unknown.json["error"]["field"] == "share_with"
    wrong = ours.api("POST", "/alerts", ours.investigator, json=draft_body(ours, "nrw"))
    assert wrong.status_code == 422


def draft_body(instance, share_with):
    return {
        "case_reference": "ZAAK-1",
        "justification": "Because.",
        "description": "Striped shirt.",
        "age_estimate": "7",
        "targeting": {"schools": [school.code for school in instance.schools]},
        "share_with": share_with,
    }


def test_hook_register_draft_parts_adds_share_with_only_while_the_plugin_is_enabled(pair):
    ours = pair.ours
    enable(ours.app, False)
    answer = ours.api("POST", "/alerts", ours.investigator, json=draft_body(ours, ["nrw"]))
    assert answer.status_code == 422
    assert answer.json["error"]["field"] == "share_with"
    enable(ours.app, True)
    answer = ours.api("POST", "/alerts", ours.investigator, json=draft_body(ours, ["nrw"]))
    assert answer.status_code == 201, answer.json
    assert answer.json["share_with"] == ["nrw"]


def test_a_partner_alert_is_taken_once_adopted_approved_here_and_its_cancel_closes_ours(
    pair, run_jobs, mailbox
):
    ours, partner = pair.ours, pair.partner
    theirs = partner.published(share_with=["nl"])
    (sent,) = partner.messages("out")
    assert sent.state == "delivered"
    (received,) = ours.received()
    assert (received.sender, received.state, received.image_count) == (
        PARTNER_SENDER,
        "received",
        2,
    )
    assert ours.api("GET", "/me/alerts", ours.staff[0]).json["alerts"] == []
    assert ours.api("GET", "/exchange/received", ours.staff[0]).status_code == 403
    assert ours.api("GET", "/exchange/received", ours.prosecutor).status_code == 200

    # The same document again: 200, nothing new.
    again = post(ours, stored_document(partner, sent))
    assert again.status_code == 200
    assert len(ours.received()) == 1

    detail = ours.api("GET", f"/exchange/received/{received.id}", ours.investigator).json
    assert detail["description"].startswith("Girl of about seven")
    image_path = detail["image_list"][0]["url"].removeprefix("/api/v1")
    image = ours.api("GET", image_path, ours.prosecutor)
    assert image.status_code == 200
    assert image.data.startswith(b"\x89PNG")
    assert image.headers["Cache-Control"].startswith("no-store")
    staff_image = ours.api(
        "GET", detail["image_list"][0]["url"].removeprefix("/api/v1"), ours.staff[0]
    )
    assert staff_image.status_code == 403
    adopted = ours.api(
        "POST",
        f"/exchange/received/{received.id}/adopt",
        ours.investigator,
        json={
            "case_reference": "ZAAK-NL-7",
            "justification": "Child may live in Limburg.",
            "targeting": {"schools": [school.code for school in ours.schools]},
        },
    )
    assert adopted.status_code == 201, adopted.json
    alert_id = adopted.json["alert_id"]
    dutch = ours.api("GET", f"/alerts/{alert_id}", ours.investigator).json
    assert dutch["status"] == "draft"
    assert len(dutch["images"]) == 2
    assert dutch["description"] == detail["description"]
    twice = ours.api(
        "POST",
        f"/exchange/received/{received.id}/adopt",
        ours.investigator,
        json={"case_reference": "X", "justification": "Y", "targeting": {"all": True}},
    )
    assert twice.status_code == 409
    assert ours.api("POST", f"/alerts/{alert_id}/submit", ours.investigator).status_code == 200
    approved = ours.api(
        "POST", f"/alerts/{alert_id}/approve", ours.prosecutor, json={"images_checked": True}
    )
    assert approved.status_code == 200, approved.json
    run_jobs()
    staff = ours.staff[0].email  # the police's four-eyes mail aside

    def staff_mail():
        return [message for message in mailbox() if message["To"] == staff]

    assert len(staff_mail()) == 1  # told of the new alert

    closed = partner.api(
        "POST", f"/alerts/{theirs}/close", partner.investigator, json={"reason": "identified"}
    )
    assert closed.status_code == 200, closed.json
    run_jobs()
    (received,) = ours.received()
    assert (received.state, received.image_count) == ("cancelled", 0)
    with ours.app.app_context():
        alert = db.session.get(Alert, alert_id)
        assert (alert.status, alert.close_reason.value, alert.closed_by_id) == (
            AlertStatus.CLOSED,
            "withdrawn",
            None,
        )
        assert db.session.get(PurgeRecord, alert_id).verified is True
        origin = db.session.scalar(
            select(AuditEvent.details).where(AuditEvent.action == "alert.closed_by_partner")
        )
        assert origin["origin"] == f"exchange:{PARTNER_SENDER}"
        created = db.session.scalar(
            select(AuditEvent.details).where(AuditEvent.action == "alert.created_from_external")
        )
        assert created == {"origin": f"exchange:{PARTNER_SENDER}", "images": 2}
    assert len(staff_mail()) == 2  # and told that it ended


def test_an_update_replaces_a_received_alert_or_tells_the_adopting_investigator(
    pair, run_jobs, mailbox
):
    ours, partner = pair.ours, pair.partner
    data, triple = signed_by(partner, info=info("Erste Beschreibung."))
    assert post(ours, data).status_code == 202
    update, update_triple = signed_by(
        partner, "Update", info=info("Zweite Beschreibung.", images=2), references=[triple]
    )
    assert post(ours, update).status_code == 202
    (received,) = ours.received()
    assert received.image_count == 2
    detail = ours.api("GET", f"/exchange/received/{received.id}", ours.investigator).json
    assert detail["description"] == "Zweite Beschreibung."

    adopted = ours.api(
        "POST",
        f"/exchange/received/{received.id}/adopt",
        ours.investigator,
        json={
            "case_reference": "ZAAK-NL-8",
            "justification": "Border region.",
            "targeting": {"schools": [school.code for school in ours.schools]},
        },
    )
    assert adopted.status_code == 201
    third, _ = signed_by(
        partner, "Update", info=info("Dritte."), references=[triple, update_triple]
    )
    assert post(ours, third).status_code == 202
    run_jobs()
    (mail,) = [m for m in mailbox() if m["To"] == ours.investigator.email]
    assert f"/alerts/{adopted.json['alert_id']}" in mail.get_content()
    assert "Dritte" not in mail.get_content()


def test_a_cancel_before_its_alert_leaves_a_tombstone_and_the_late_alert_is_refused(pair):
    ours, partner = pair.ours, pair.partner
    alert, triple = signed_by(partner, info=info())
    cancel, _ = signed_by(partner, "Cancel", references=[triple])
    answer = post(ours, cancel)
    assert answer.status_code == 202
    assert answer.json["state"] == "tombstone"
    late = post(ours, alert)
    assert late.status_code == 202
    assert late.json["state"] == "refused"
    assert ours.received() == []


def test_a_document_that_is_not_actual_is_recorded_and_never_distributed(pair):
    ours, partner = pair.ours, pair.partner
    data, _ = signed_by(partner, info=info(), status="Exercise")
    answer = post(ours, data)
    assert answer.status_code == 202
    assert answer.json["state"] == "not_actual"
    assert ours.received() == []
    (message,) = ours.messages("in")
    assert message.status == "Exercise"


def test_refused_documents_change_nothing(pair):
    ours, partner = pair.ours, pair.partner
    good, _ = signed_by(partner, info=info("Original."))
    before = counts(ours)

    tampered = good.replace(b"Original.", b"Changed!!")
    assert post(ours, tampered).status_code == 403
    foreign, _ = signed_by(partner, info=info(), key=foreign_key(PARTNER_SENDER))
    assert post(ours, foreign).status_code == 403
    stranger_key = foreign_key("evil.example")
    stranger, _ = signed_by(partner, info=info(), key=stranger_key, sender="evil.example")
    answer = post(ours, stranger)
    assert answer.status_code == 403
    assert answer.json["error"]["code"] == "unknown_sender"
    assert post(ours, b"<note>not CAP</note>").status_code == 400
    assert post(ours, b"<alert").status_code == 400
    entities = (
        b'<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&b;</identifier></alert>'
    )
    assert post(ours, entities).status_code == 400
    external = (
        b'<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">&x;</alert>'
    )
    assert post(ours, external).status_code == 400
    unsigned = good[: good.index(b"<ds:Signature")] + b"</alert>"
    assert post(ours, unsigned).status_code == 403
    assert post(ours, good, content_type="text/plain").status_code == 400
    ours.app.config["EXCHANGE_INBOX_MAX_BYTES"] = 1024
    assert post(ours, good).status_code == 413
    assert counts(ours) == before
    del ours.app.config["EXCHANGE_INBOX_MAX_BYTES"]
    assert post(ours, good).status_code == 202


def test_a_partner_that_is_down_gets_the_cancel_first_when_it_is_back(pair, run_jobs):
    ours, partner = pair.ours, pair.partner
    partner.server.stop()
    alert_id = ours.published(share_with=["nrw"])
    run_jobs()
    (message,) = ours.messages()
    assert (message.state, message.attempts) == ("retrying", 1)
    assert message.last_error.startswith("no answer")
    admin_log = ours.api("GET", "/exchange/messages", ours.admin).json["messages"]
    assert admin_log[0]["state"] == "retrying"
    assert admin_log[0]["error"]

    partner.server.start()
    retries_due(ours, run_jobs)
    (message,) = ours.messages()
    assert message.state == "delivered"
    assert message.attempts == 2
    assert len(partner.received()) == 1

    # Down again when the alert ends: the Cancel jumps what is still waiting.
    partner.server.stop()
    ours.api("POST", f"/alerts/{alert_id}/close", ours.investigator, json={"reason": "identified"})
    run_jobs()
    cancel = ours.messages()[-1]
    assert (cancel.msg_type, cancel.state) == ("Cancel", "retrying")
    partner.server.start()
    retries_due(ours, run_jobs)
    assert ours.messages()[-1].state == "delivered"
    assert partner.received()[0].state == "cancelled"


def test_a_partner_that_refuses_is_not_asked_again_and_the_administrators_hear_of_it(
    pair, run_jobs, mailbox
):
    ours = pair.ours
    with ours.app.app_context():
        from plugins.exchange.models import Partner

        partner = db.session.scalar(select(Partner))
        partner.inbox_url = partner.inbox_url.replace("/inbox", "/nowhere")
        commit()
    ours.published(share_with=["nrw"])
    run_jobs()
    (message,) = ours.messages()
    assert (message.state, message.last_error) == ("refused", "HTTP 404")
    (notice,) = [m for m in mailbox() if m["To"] == ours.admin.email]
    assert "nrw" in notice.get_content()
    retries_due(ours, run_jobs)
    assert ours.messages()[0].attempts == 1


def test_the_message_log_is_for_administrators_and_never_shows_content(pair, run_jobs, web_client):
    ours = pair.ours
    ours.published(share_with=["nrw"])
    run_jobs()
    log = ours.api("GET", "/exchange/messages", ours.admin)
    assert log.status_code == 200
    (entry,) = log.json["messages"]
    assert {entry["direction"], entry["partner"], entry["type"], entry["state"]} == {
        "out",
        "nrw",
        "Alert",
        "delivered",
    }
    assert "striped" not in log.text
    assert ours.api("GET", "/exchange/messages", ours.investigator).status_code == 403
    page = web_client(ours.admin).get("/plugins/exchange/")
    assert page.status_code == 200
    assert "nrw" in page.text
    assert "striped" not in page.text
    assert web_client(ours.investigator).get("/plugins/exchange/").status_code == 403
    with ours.app.app_context():
        actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"exchange.sent", "alert.exported", "exchange.partner_added"} <= actions


def test_the_shipped_schema_is_the_unmodified_oasis_file():
    data = cap.SCHEMA_PATH.read_bytes()
    assert hashlib.sha256(data).hexdigest() == cap.SCHEMA_SHA256
    assert (cap.SCHEMA_PATH.parent / "NOTICE.md").read_text().count("Copyright OASIS Open") == 1


def test_the_draft_form_offers_share_with_and_refuses_an_unknown_partner(pair, signed_in):
    from tests.alerts.conftest import Web

    ours = pair.ours
    web = Web(signed_in)
    page = web.get(ours.investigator, "/alerts/new").text
    assert 'name="exchange_share_with"' in page
    form = {
        "description": "Striped shirt.",
        "age_estimate": "7",
        "case_reference": "ZAAK-9",
        "justification": "Because.",
        "schools": ours.schools[0].code,
        "duration_days": "7",
        "action": "save",
    }
    refused = web.post(ours.investigator, "/alerts/new", form | {"exchange_share_with": "bka"})
    assert refused.status_code == 422
    assert "bka" in refused.text
    with ours.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Alert)) == 0
    saved = web.post(ours.investigator, "/alerts/new", form | {"exchange_share_with": "nrw"})
    assert saved.status_code == 302
    alert_id = int(saved.headers["Location"].rstrip("/").split("/")[-1])
    assert ours.api("GET", f"/alerts/{alert_id}", ours.investigator).json["share_with"] == ["nrw"]
    edit = web.get(ours.investigator, f"/alerts/{alert_id}/edit").text
    assert 'value="nrw"' in edit
    web.post(ours.investigator, f"/alerts/{alert_id}/edit", form | {"exchange_share_with": ""})
    assert "share_with" not in ours.api("GET", f"/alerts/{alert_id}", ours.investigator).json


def test_expiry_sends_the_cancel_too(pair, run_jobs):
    from datetime import timedelta

    from schoolalert.alerts.closing import expire_due_alerts
    from schoolalert.database import utcnow

    ours, partner = pair.ours, pair.partner
    alert_id = ours.published(share_with=["nrw"])
    run_jobs()
    with ours.app.app_context():
        db.session.get(Alert, alert_id).expires_at = utcnow() - timedelta(seconds=1)
        assert expire_due_alerts() == 1
        commit()
    run_jobs()
    alert_message, cancel = ours.messages()
    assert (cancel.msg_type, cancel.state, cancel.references) == (
        "Cancel",
        "delivered",
        alert_message.triple,
    )
    assert partner.received()[0].state == "cancelled"


def test_the_police_see_received_alerts_on_a_page_and_an_investigator_adopts_one_there(
    pair, signed_in
):
    from tests.alerts.conftest import Web
    from tests.factories import csrf_from

    ours, partner = pair.ours, pair.partner
    data, _ = signed_by(partner, info=info("Junge mit roter Jacke."))
    assert post(ours, data).status_code == 202
    (received,) = ours.received()
    web = Web(signed_in)
    page = web.get(ours.prosecutor, "/plugins/exchange/received")
    assert page.status_code == 200
    assert "Junge mit roter Jacke." in page.text
    assert "/adopt" not in page.text  # only investigators adopt
    assert web.get(ours.staff[0], "/plugins/exchange/received").status_code == 403
    (source,) = re.findall(
        rf'src="(/plugins/exchange/received/{received.id}/images/\d+)"', page.text
    )
    image = web.get(ours.prosecutor, source)
    assert image.status_code == 200
    assert image.data.startswith(b"\x89PNG")
    assert web.get(ours.staff[0], source).status_code == 403

    page = web.get(ours.investigator, "/plugins/exchange/received").text
    prefix = f"adopt{received.id}-"
    form = {
        "csrf_token": csrf_from(page),
        f"{prefix}case_reference": "ZAAK-NL-WEB",
        f"{prefix}justification": "Border region.",
        f"{prefix}schools": "",
    }
    client = web.client(ours.investigator)
    path = f"/plugins/exchange/received/{received.id}/adopt"
    refused = client.post(path, data=form)
    assert refused.status_code == 422
    assert ours.received()[0].state == "received"
    form[f"{prefix}schools"] = ours.schools[0].code
    made = client.post(path, data=form)
    assert made.status_code == 302
    assert made.headers["Location"].endswith("/edit")
    assert ours.received()[0].state == "adopted"
    without_token = client.post(path, data={k: v for k, v in form.items() if k != "csrf_token"})
    assert without_token.status_code == 400
