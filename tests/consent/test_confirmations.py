"""Withdrawing participation and deactivating an account ask for confirmation first: a page
that says what happens (POST, CSRF), and only the confirmed POST changes anything."""

from __future__ import annotations

from schoolalert.accounts.models import User
from schoolalert.extensions import db
from tests.factories import csrf_from


def post(client, page_path, path, data):
    token = csrf_from(client.get(page_path).text)
    return client.post(path, data={**data, "csrf_token": token})


def test_withdrawing_a_location_asks_first(setup, publish, signed_in, participating):
    publish()
    client = signed_in(setup.admin)
    board = f"/boards/{setup.board.number}"
    granted = post(
        client, board, f"{board}/grant", {"scope": "all", "terms_version": "1", "accept": "y"}
    )
    assert granted.status_code == 302
    first = setup.schools[0]
    asked = post(client, board, f"{board}/withdraw", {"scope": first.code})
    assert asked.status_code == 200
    assert participating(setup.schools) == [True, True, True]  # nothing happened yet
    assert first.name in asked.text
    assert 'name="confirmed" value="yes"' in asked.text
    assert f'name="scope" value="{first.code}"' in asked.text
    assert "direct" in asked.text  # "takes effect at once"
    done = client.post(
        f"{board}/withdraw",
        data={"scope": first.code, "confirmed": "yes", "csrf_token": csrf_from(asked.text)},
    )
    assert done.status_code == 302
    assert participating(setup.schools) == [False, True, True]


def test_withdrawing_the_whole_board_names_every_location(setup, publish, signed_in):
    publish()
    client = signed_in(setup.admin)
    board = f"/boards/{setup.board.number}"
    post(client, board, f"{board}/grant", {"scope": "all", "terms_version": "1", "accept": "y"})
    asked = post(client, board, f"{board}/withdraw", {"scope": "all"})
    assert asked.status_code == 200
    for school in setup.schools:
        assert school.code in asked.text


def test_another_boards_location_is_404_at_the_confirmation(setup, make_board_setup, signed_in):
    other = make_board_setup()
    client = signed_in(setup.admin)
    board = f"/boards/{setup.board.number}"
    asked = post(client, board, f"{board}/withdraw", {"scope": other.schools[0].code})
    assert asked.status_code == 404


def test_deactivating_staff_asks_first(app, setup, make_user, signed_in):
    member = make_user("school_staff", school_id=setup.schools[0].id, name="Sanne Bakker")
    client = signed_in(setup.admin)
    staff_page = f"/boards/{setup.board.number}/staff"
    path = f"{staff_page}/{member.id}/deactivate"
    asked = post(client, staff_page, path, {})
    assert asked.status_code == 200
    assert "Sanne Bakker" in asked.text
    with app.app_context():
        assert db.session.get(User, member.id).active
    done = client.post(path, data={"confirmed": "yes", "csrf_token": csrf_from(asked.text)})
    assert done.status_code == 302
    with app.app_context():
        assert not db.session.get(User, member.id).active


def test_another_boards_staff_member_is_404_at_the_confirmation(
    setup, make_board_setup, make_user, signed_in
):
    other = make_board_setup()
    member = make_user("school_staff", school_id=other.schools[0].id)
    client = signed_in(setup.admin)
    staff_page = f"/boards/{setup.board.number}/staff"
    assert post(client, staff_page, f"{staff_page}/{member.id}/deactivate", {}).status_code == 404


def test_an_administrator_confirms_a_deactivation(app, make_user, signed_in):
    admin = make_user("admin")
    user = make_user("investigator", name="Karim el Amrani")
    client = signed_in(admin)
    detail = f"/admin/users/{user.id}"
    asked = post(client, detail, f"{detail}/deactivate", {})
    assert asked.status_code == 200
    assert "Karim el Amrani" in asked.text
    with app.app_context():
        assert db.session.get(User, user.id).active
    done = client.post(
        f"{detail}/deactivate", data={"confirmed": "yes", "csrf_token": csrf_from(asked.text)}
    )
    assert done.status_code == 302
    with app.app_context():
        assert not db.session.get(User, user.id).active


def test_the_confirmation_needs_the_csrf_token(setup, make_user, signed_in):
    member = make_user("school_staff", school_id=setup.schools[0].id)
    client = signed_in(setup.admin)
    path = f"/boards/{setup.board.number}/staff/{member.id}/deactivate"
    assert client.post(path, data={"confirmed": "yes"}).status_code == 400
    assert client.get(path).status_code == 405
