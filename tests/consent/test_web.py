"""The web pages: board admins grant and withdraw; administrators publish terms, search the
registry and import DUO files."""

from __future__ import annotations

import io

from sqlalchemy import select

from schoolalert.consent.models import TermsVersion
from schoolalert.extensions import db
from schoolalert.schools.models import ImportRun
from tests.factories import csrf_from
from tests.schools.conftest import fixture_bytes


def board_post(client, setup, path, data):
    page = client.get(f"/boards/{setup.board.number}")
    assert page.status_code == 200
    return client.post(
        f"/boards/{setup.board.number}/{path}", data={**data, "csrf_token": csrf_from(page.text)}
    )


def test_board_admin_grants_and_withdraws_on_the_board_page(
    setup, publish, signed_in, participating
):
    publish()
    client = signed_in(setup.admin)
    page = client.get("/board", follow_redirects=True)
    assert "Participation terms, version 1" in page.text or "versie 1" in page.text
    first, second, _third = setup.schools
    refused = board_post(
        client, setup, "grant", {"scope": "chosen", "schools": [first.code], "terms_version": "1"}
    )
    assert refused.status_code == 422
    assert "Vink dit vakje aan" in refused.text
    assert participating(setup.schools) == [False, False, False]  # terms not accepted
    board_post(
        client,
        setup,
        "grant",
        {
            "scope": "chosen",
            "schools": [first.code, second.code],
            "terms_version": "1",
            "accept": "y",
        },
    )
    assert participating(setup.schools) == [True, True, False]
    board_post(client, setup, "withdraw", {"scope": second.code, "confirmed": "yes"})
    assert participating(setup.schools) == [True, False, False]
    board_post(client, setup, "grant", {"scope": "all", "terms_version": "1", "accept": "y"})
    assert participating(setup.schools) == [True, True, True]
    board_post(client, setup, "withdraw", {"scope": "all", "confirmed": "yes"})
    assert participating(setup.schools) == [False, False, False]
    again = board_post(client, setup, "withdraw", {"scope": "all", "confirmed": "yes"})
    assert again.status_code == 302
    assert "niets in te trekken" in client.get(again.headers["Location"]).text


def test_the_board_page_is_read_only_for_administrators(setup, make_user, signed_in):
    page = signed_in(make_user("admin")).get(f"/boards/{setup.board.number}")
    assert page.status_code == 200
    assert setup.schools[0].code in page.text
    assert 'name="schools"' not in page.text


def test_other_boards_pages_are_404(setup, make_board_setup, signed_in):
    other = make_board_setup()
    client = signed_in(setup.admin)
    assert client.get(f"/boards/{other.board.number}").status_code == 404
    token_page = client.get(f"/boards/{setup.board.number}")
    response = client.post(
        f"/boards/{other.board.number}/withdraw",
        data={"scope": "all", "confirmed": "yes", "csrf_token": csrf_from(token_page.text)},
    )
    assert response.status_code == 404


def test_forms_need_the_csrf_token(setup, publish, signed_in, participating):
    publish()
    client = signed_in(setup.admin)
    response = client.post(
        f"/boards/{setup.board.number}/grant",
        data={"scope": "all", "terms_version": "1", "accept": "y"},
    )
    assert response.status_code == 400
    assert participating(setup.schools) == [False, False, False]


def test_admin_publishes_terms(app, make_user, signed_in):
    client = signed_in(make_user("admin"))
    page = client.get("/admin/terms")
    assert page.status_code == 200
    response = client.post(
        "/admin/terms",
        data={
            "csrf_token": csrf_from(page.text),
            "kind": "confidentiality",
            "text": "Ik houd alles geheim.",
            "requires_reacceptance": "y",
        },
    )
    assert response.status_code == 302
    empty = client.post(
        "/admin/terms",
        data={"csrf_token": csrf_from(page.text), "kind": "participation", "text": " "},
    )
    assert empty.status_code == 422
    with app.app_context():
        versions = db.session.scalars(select(TermsVersion)).all()
        assert [(v.kind.value, v.version, v.requires_reacceptance) for v in versions] == [
            ("confidentiality", 1, True)
        ]
    assert "Ik houd alles geheim." in client.get("/admin/terms").text


def test_registry_search(setup, make_board_setup, make_school, make_user, signed_in):
    other = make_board_setup(0)
    rotterdam = make_school(other.board, municipality="GM0599", name="Basisschool De Maas")
    client = signed_in(make_user("admin"))
    assert rotterdam.code in client.get("/admin/schools?q=maas").text
    assert rotterdam.code in client.get(f"/admin/schools?q={rotterdam.code}").text
    by_name = client.get("/admin/schools?municipality=rotterdam").text
    assert rotterdam.code in by_name
    assert setup.schools[0].code not in by_name
    by_code = client.get("/admin/schools?municipality=GM0363").text
    assert setup.schools[0].code in by_code
    assert rotterdam.code not in by_code
    by_unit = client.get(f"/admin/schools?police_unit={rotterdam.police_unit_code}").text
    assert rotterdam.code in by_unit
    assert setup.schools[0].code not in by_unit
    assert signed_in(setup.admin).get("/admin/schools").status_code == 403


def test_admin_imports_a_file_and_reads_the_report(app, make_user, signed_in):
    client = signed_in(make_user("admin"))
    page = client.get("/admin/schools/imports")
    response = client.post(
        "/admin/schools/imports",
        data={
            "csrf_token": csrf_from(page.text),
            "kind": "locations",
            "file": (io.BytesIO(fixture_bytes("vestigingenbo.csv")), "vestigingenbo.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    report = client.get(response.headers["Location"])
    assert report.status_code == 200
    assert "vestigingenbo.csv" in report.text
    with app.app_context():
        run = db.session.scalars(select(ImportRun)).one()
        assert run.created > 0
        assert run.user_id is not None
    assert "vestigingenbo.csv" in client.get("/admin/schools/imports").text
    wrong = client.post(
        "/admin/schools/imports",
        data={
            "csrf_token": csrf_from(page.text),
            "kind": "boards",
            "file": (io.BytesIO(fixture_bytes("vestigingenbo.csv")), "vestigingenbo.csv"),
        },
        content_type="multipart/form-data",
    )
    assert wrong.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(ImportRun)) == 1


def test_navigation_per_role(setup, make_user, signed_in):
    board_nav = signed_in(setup.admin).get("/").text
    assert f"/boards/{setup.board.number}/staff" in board_nav
    admin_nav = signed_in(make_user("admin")).get("/").text
    assert "/admin/terms" in admin_nav
    assert "/admin/schools" in admin_nav
    staff_nav = signed_in(make_user("school_staff", school_id=setup.schools[0].id)).get("/").text
    assert "/briefing" in staff_nav
    assert "/admin/terms" not in staff_nav


def test_terms_from_the_command_line(app, runner, tmp_path):
    text = tmp_path / "terms.txt"
    text.write_text("Deelnamevoorwaarden.\n", encoding="utf-8")
    result = runner.invoke(args=["terms", "publish", "participation", str(text)])
    assert result.exit_code == 0, result.output
    assert "version 1 (re-acceptance required)" in result.output
    kept = runner.invoke(
        args=["terms", "publish", "participation", str(text), "--keep-acceptances"]
    )
    assert "version 2 (acceptances kept)" in kept.output
    assert "participation      2" in runner.invoke(args=["terms", "list"]).output
    text.write_text("  ", encoding="utf-8")
    refused = runner.invoke(args=["terms", "publish", "confidentiality", str(text)])
    assert refused.exit_code == 1
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(TermsVersion)) == 2


def test_granting_without_ticking_the_terms_shows_every_problem_on_the_page(
    setup, publish, signed_in, participating
):
    publish()
    client = signed_in(setup.admin)
    page = client.get(f"/boards/{setup.board.number}")
    assert 'name="accept"' in page.text
    accept = page.text[page.text.index('name="accept"') - 300 : page.text.index('name="accept"')]
    assert "required" not in accept  # no browser bubble: the page explains
    refused = client.post(
        f"/boards/{setup.board.number}/grant",
        data={"scope": "chosen", "terms_version": "1", "csrf_token": csrf_from(page.text)},
    )
    assert refused.status_code == 422
    assert "<title>Fout: " in refused.text
    assert 'href="#accept"' in refused.text
    assert 'href="#schools-error"' in refused.text
    assert participating(setup.schools) == [False, False, False]
