"""The consent register: full history on the web and as a CSV a spreadsheet opens cleanly."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from schoolalert.audit.models import AuditEvent
from schoolalert.consent import participation
from schoolalert.extensions import db


def history_of(act, setup, publish) -> None:
    version = publish()
    act(participation.grant, setup.admin, setup.board, schools="all", terms_version=version)
    act(participation.withdraw_school, setup.admin, setup.board, setup.schools[0].code)
    act(
        participation.grant,
        setup.admin,
        setup.board,
        schools=[setup.schools[0].code],
        terms_version=version,
    )
    act(participation.withdraw_board, setup.admin, setup.board)


def parse(response) -> list[dict[str, str]]:
    raw = response.data
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    text = raw.decode("utf-8-sig")
    assert "\r\n" in text
    assert "\n" not in text.replace("\r\n", "")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))


def test_the_board_register_shows_the_full_history(
    setup, make_board_setup, publish, act, signed_in
):
    history_of(act, setup, publish)
    client = signed_in(setup.admin)
    page = client.get(f"/boards/{setup.board.number}/register")
    assert page.status_code == 200
    assert page.text.count('class="badge badge-on"') == 2  # two grants
    assert page.text.count('class="badge badge-off"') == 2  # two withdrawals
    assert setup.schools[0].code in page.text
    other = make_board_setup()
    assert client.get(f"/boards/{other.board.number}/register").status_code == 404
    assert client.get(f"/boards/{other.board.number}/register.csv").status_code == 404


def test_the_csv_parses_back_with_the_full_history(setup, publish, act, signed_in):
    history_of(act, setup, publish)
    response = signed_in(setup.admin).get(f"/boards/{setup.board.number}/register.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = parse(response)
    assert [(r["action"], r["scope"], r["school_code"], r["terms_version"]) for r in rows] == [
        ("grant", "board", "", "1"),
        ("withdraw", "location", setup.schools[0].code, "1"),
        ("grant", "location", setup.schools[0].code, "1"),
        ("withdraw", "board", "", "1"),
    ]
    assert all(r["board_number"] == setup.board.number for r in rows)
    assert all(r["actor"] == f"U{setup.admin.id:06d}" for r in rows)
    assert all(r["occurred_at"].endswith("Z") and "T" in r["occurred_at"] for r in rows)


def test_formulas_are_neutralised(make_board_setup, publish, act, signed_in):
    setup = make_board_setup(1, name='=HYPERLINK("http://evil.example")')
    act(participation.grant, setup.admin, setup.board, schools="all", terms_version=publish())
    rows = parse(signed_in(setup.admin).get(f"/boards/{setup.board.number}/register.csv"))
    assert rows[0]["board_name"] == '\'=HYPERLINK("http://evil.example")'


def test_the_administrators_register_covers_every_board(
    make_board_setup, make_user, publish, act, signed_in
):
    one, two = make_board_setup(1), make_board_setup(1)
    version = publish()
    act(participation.grant, one.admin, one.board, schools="all", terms_version=version)
    act(
        participation.grant,
        two.admin,
        two.board,
        schools=[two.schools[0].code],
        terms_version=version,
    )
    client = signed_in(make_user("admin"))
    page = client.get("/admin/consent")
    assert page.status_code == 200
    assert one.board.name in page.text
    assert two.board.name in page.text
    rows = parse(client.get("/admin/consent.csv"))
    assert {r["board_number"] for r in rows} == {one.board.number, two.board.number}
    assert client.get(f"/boards/{one.board.number}/register").status_code == 200
    assert signed_in(one.admin).get("/admin/consent").status_code == 403


def test_each_export_is_audited_once(setup, make_user, publish, act, signed_in, app):
    history_of(act, setup, publish)
    signed_in(setup.admin).get(f"/boards/{setup.board.number}/register.csv")
    signed_in(make_user("admin")).get("/admin/consent.csv")
    with app.app_context():
        entries = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "consent.register_exported")
        ).all()
    assert [(entry.object_type, entry.details) for entry in entries] == [
        ("board", {"board": setup.board.number}),
        (None, {"board": None}),
    ]
