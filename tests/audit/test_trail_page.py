"""The audit trail page: true totals and paging, local-day filters, names and human labels."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from schoolalert.accounts.models import User
from schoolalert.audit import labels
from schoolalert.audit import services as audit
from schoolalert.extensions import db

ROOT = Path(__file__).resolve().parents[2]


def write(app, count, *, actor=None, at=None, monkeypatch=None, action="test.action"):
    with app.app_context():
        if at is not None:
            monkeypatch.setattr(audit, "utcnow", lambda: at)
        for number in range(count):
            audit.record(
                action,
                actor=db.session.get(User, actor.id) if actor else None,
                object_type="thing",
                object_id=number,
            )
        db.session.commit()
        if monkeypatch is not None:
            monkeypatch.undo()


def rows(page: str) -> int:
    body = page.split('id="audit-table"')[1].split("</tbody>")[0]
    return body.count("<tr>") - 1  # minus the header row


def test_the_service_counts_every_matching_entry(app, make_user):
    admin = make_user("admin")
    write(app, 111)
    with app.app_context():
        viewer = db.session.get(User, admin.id)
        entries, total = audit.search(viewer, audit.AuditFilter(action="test.action"), 2)
    assert total == 111
    assert len(entries) == 11


def test_111_entries_are_two_pages_with_links_both_ways(app, make_user, signed_in):
    admin = make_user("admin")
    client = signed_in(admin)
    write(app, 111)
    first = client.get("/audit?action=test.action").text
    assert "111 regels" in first or "111 entries" in first
    assert rows(first) == 100
    assert 'id="page-newer"' not in first
    older = re.search(r'id="page-older" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert "action=test.action" in older
    second = client.get(older).text
    assert rows(second) == 11
    assert 'id="page-older"' not in second
    assert 'id="page-newer"' in second


def test_the_date_filters_are_local_days(app, make_user, signed_in, monkeypatch):
    admin = make_user("admin")
    client = signed_in(admin)
    # 23:30 UTC on 1 March is 00:30 on 2 March in Amsterdam.
    write(app, 1, at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC), monkeypatch=monkeypatch)
    query = "/audit?action=test.action"
    on_the_second = client.get(f"{query}&since=2026-03-02&until=2026-03-02").text
    assert rows(on_the_second) == 1
    assert "00:30" in on_the_second  # the table shows the same local time
    assert rows(client.get(f"{query}&until=2026-03-01").text) == 0
    assert rows(client.get(f"{query}&since=2026-03-03").text) == 0


def test_a_malformed_date_is_a_422_naming_the_format(app, make_user, signed_in):
    client = signed_in(make_user("prosecutor"))
    response = client.get("/audit?since=31-01-2026")
    assert response.status_code == 422
    assert "2026-01-31" in response.text


def test_users_are_shown_by_name_and_codes_by_label(app, make_user, signed_in):
    admin = make_user("admin", name="Anja de Vries")
    client = signed_in(admin)  # signing in writes sign_in.succeeded
    page = client.get(f"/audit?actor={admin.id}").text
    assert "Anja de Vries" in page
    assert "Aangemeld" in page
    assert f">{admin.id} <" not in page


def test_only_administrators_and_prosecutors_read_the_trail(make_user, signed_in):
    assert signed_in(make_user("investigator")).get("/audit").status_code == 403


def test_every_core_audit_code_has_a_label():
    codes = set()
    for path in (ROOT / "schoolalert").rglob("*.py"):
        text = path.read_text()
        codes |= set(re.findall(r'record\(\s*"([a-z_]+\.[a-z_.]+)"', text))
        codes |= set(re.findall(r'"((?:plugin)\.(?:enabled|disabled))"', text))
    assert codes, "no audit codes found"
    assert sorted(codes - labels.AUDIT_LABELS.keys()) == []


def test_a_code_without_a_label_is_shown_as_it_is(app):
    with app.test_request_context():
        assert labels.audit_label("referral.viewed") == "referral.viewed"
        assert labels.audit_label("sign_in.succeeded") == "Aangemeld"
