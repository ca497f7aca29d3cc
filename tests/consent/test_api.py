"""The consent API of CONTRACT §4: shapes, role and ownership checks, bad input."""

from __future__ import annotations

from sqlalchemy import select

from schoolalert.accounts.models import User
from schoolalert.extensions import db


def participation_url(board) -> str:
    return f"/api/v1/boards/{board.number}/participation"


def test_terms_are_public_and_null_before_publication(client, publish):
    assert client.get("/api/v1/terms").json == {"participation": None, "confidentiality": None}
    publish("participation")
    publish("participation", requires_reacceptance=False)
    body = client.get("/api/v1/terms").json
    assert body["participation"]["version"] == 2
    assert body["participation"]["text"] == "The participation terms.\nSecond line."
    assert body["participation"]["requires_reacceptance"] is False
    assert body["confidentiality"] is None


def test_grant_withdraw_and_state(client, setup, publish, bearer):
    publish()
    headers = bearer(setup.admin)
    first, second, third = (school.code for school in setup.schools)
    response = client.post(
        participation_url(setup.board), headers=headers, json={"schools": "all", "terms_version": 1}
    )
    assert response.status_code == 200, response.json
    response = client.delete(f"{participation_url(setup.board)}/{second}", headers=headers)
    assert response.status_code == 200
    body = client.get(participation_url(setup.board), headers=headers).json
    assert body["board"] == {"number": setup.board.number, "name": setup.board.name}
    assert body["terms_version"] == 1
    assert body["board_wide"]["granted"] is True
    assert [h["action"] for h in body["board_wide"]["history"]] == ["grant"]
    schools = {item["code"]: item for item in body["schools"]}
    assert schools[first]["participating"] is True
    assert schools[first]["scope"] == "board"
    assert schools[second]["participating"] is False
    assert schools[second]["status"] == "withdrawn"
    assert [(h["action"], h["scope"], h["terms_version"]) for h in schools[second]["history"]] == [
        ("grant", "board", 1),
        ("withdraw", "location", 1),
    ]
    assert schools[second]["history"][0]["occurred_at"].endswith("Z")
    assert schools[second]["history"][1]["actor_id"] == setup.admin.id
    response = client.delete(participation_url(setup.board), headers=headers)
    assert response.status_code == 200
    assert not any(item["participating"] for item in response.json["schools"])
    assert third in {item["code"] for item in response.json["schools"]}


def test_bad_input_gets_clear_errors(client, setup, make_board_setup, publish, bearer):
    other = make_board_setup()
    publish()
    publish()
    headers = bearer(setup.admin)
    url = participation_url(setup.board)
    outdated = client.post(url, headers=headers, json={"schools": "all", "terms_version": 1})
    assert outdated.status_code == 409
    assert outdated.json["error"]["code"] == "conflict"
    assert "outdated" in outdated.json["error"]["message"]
    foreign = client.post(
        url, headers=headers, json={"schools": [other.schools[0].code], "terms_version": 2}
    )
    assert foreign.status_code == 422
    assert other.schools[0].code in foreign.json["error"]["message"]
    never = client.delete(f"{url}/{setup.schools[0].code}", headers=headers)
    assert never.status_code == 409
    assert client.delete(url, headers=headers).status_code == 409
    assert client.post(url, headers=headers, data="x").status_code == 415
    missing = client.post(url, headers=headers, json={"terms_version": 2})
    assert missing.status_code == 422
    assert client.get(url, headers=headers).json["board_wide"]["history"] == []


def test_ownership_and_roles(client, setup, make_board_setup, make_user, publish, bearer):
    publish()
    other = make_board_setup()
    other_headers = bearer(other.admin)
    url = participation_url(setup.board)
    body = {"schools": "all", "terms_version": 1}
    # A board admin of another board may not even learn the board exists.
    assert client.get(url, headers=other_headers).status_code == 404
    assert client.post(url, headers=other_headers, json=body).status_code == 404
    assert client.delete(f"{url}/{setup.schools[0].code}", headers=other_headers).status_code == 404
    assert (
        client.get("/api/v1/boards/00000/participation", headers=other_headers).status_code == 404
    )
    # Wrong roles: 403 from the permission table; no token: 401.
    staff = bearer(make_user("school_staff", school_id=setup.schools[0].id))
    assert client.get(url, headers=staff).status_code == 403
    assert client.post(url, headers=staff, json=body).status_code == 403
    admin = bearer(make_user("admin"))
    assert client.get(url, headers=admin).status_code == 200
    assert client.post(url, headers=admin, json=body).status_code == 403
    assert client.get(url).status_code == 401
    assert client.get(url, headers=bearer(setup.admin)).json["board_wide"]["granted"] is False


def test_invite_staff(app, client, setup, make_board_setup, bearer, mailbox, run_jobs):
    headers = bearer(setup.admin)
    url = f"/api/v1/boards/{setup.board.number}/staff"
    response = client.post(
        url,
        headers=headers,
        json={
            "email": "Juf.Els@School.example",
            "name": "Juf Els",
            "school": setup.schools[2].code,
        },
    )
    assert response.status_code == 202
    assert response.json == {
        "email": "juf.els@school.example",
        "name": "Juf Els",
        "school": setup.schools[2].code,
        "invited": True,
    }
    run_jobs()
    assert any(m["To"] == "juf.els@school.example" for m in mailbox())
    again = client.post(
        url,
        headers=headers,
        json={
            "email": "juf.els@school.example",
            "name": "Juf Els",
            "school": setup.schools[2].code,
        },
    )
    assert (again.status_code, again.json) == (202, response.json)  # no enumeration
    other = make_board_setup()
    foreign = client.post(
        url,
        headers=headers,
        json={"email": "y@school.example", "name": "Y", "school": other.schools[0].code},
    )
    assert foreign.status_code == 422
    assert (
        client.post(
            f"/api/v1/boards/{other.board.number}/staff",
            headers=headers,
            json={
                "email": "y@school.example",
                "name": "Y",
                "school": other.schools[0].code,
            },
        ).status_code
        == 404
    )
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "y@school.example")) is None


def test_accept_the_agreement(client, setup, make_user, publish, bearer):
    member = make_user("school_staff", school_id=setup.schools[0].id)
    headers = bearer(member)
    assert (
        client.post("/api/v1/me/agreement", headers=headers, json={"terms_version": 1}).status_code
        == 409
    )  # nothing published
    publish("confidentiality")
    publish("confidentiality")
    outdated = client.post("/api/v1/me/agreement", headers=headers, json={"terms_version": 1})
    assert outdated.status_code == 409
    first = client.post("/api/v1/me/agreement", headers=headers, json={"terms_version": 2})
    assert first.status_code == 201
    assert first.json["terms_version"] == 2
    assert first.json["accepted_at"].endswith("Z")
    again = client.post("/api/v1/me/agreement", headers=headers, json={"terms_version": 2})
    assert again.status_code == 200
    assert (
        client.post(
            "/api/v1/me/agreement", headers=bearer(setup.admin), json={"terms_version": 2}
        ).status_code
        == 403
    )


def test_schools_list(client, setup, make_board_setup, make_user, publish, act, bearer):
    from schoolalert.consent import participation

    other = make_board_setup(2)
    act(
        participation.grant,
        setup.admin,
        setup.board,
        schools=[setup.schools[0].code],
        terms_version=publish(),
    )
    investigator = bearer(make_user("investigator"))
    everything = client.get("/api/v1/schools", headers=investigator).json
    assert everything["total"] == 5
    assert everything["page"] == 1
    item = next(s for s in everything["schools"] if s["code"] == setup.schools[0].code)
    assert item["participating"] is True
    assert item["board"] == setup.board.number
    assert item["municipality"] == "GM0363"
    assert item["police_unit"] == setup.schools[0].police_unit_code
    taking_part = client.get("/api/v1/schools?participating=true", headers=investigator).json
    assert [s["code"] for s in taking_part["schools"]] == [setup.schools[0].code]
    not_taking_part = client.get("/api/v1/schools?participating=false", headers=investigator)
    assert not_taking_part.json["total"] == 4
    by_unit = client.get(
        f"/api/v1/schools?police_unit={setup.schools[0].police_unit_code}"
        "&municipality=GM0363&province=" + setup.schools[0].province_code,
        headers=investigator,
    )
    assert by_unit.json["total"] == 5
    assert (
        client.get("/api/v1/schools?municipality=GM9999", headers=investigator).json["total"] == 0
    )
    own = client.get("/api/v1/schools", headers=bearer(setup.admin)).json
    assert {s["code"] for s in own["schools"]} == {s.code for s in setup.schools}
    assert other.schools[0].code not in {s["code"] for s in own["schools"]}
    # The document's patterns: twelve provinces, ten police units; an empty filter is no filter.
    assert client.get("/api/v1/schools?province=", headers=investigator).json["total"] == 5
    for bad in (
        "municipality=Amsterdam",
        "participating=maybe",
        "page=0",
        "police_unit=X",
        "police_unit=RE11",
        "province=PV99",
        "province=anything",
    ):
        response = client.get(f"/api/v1/schools?{bad}", headers=investigator)
        assert response.status_code == 422, bad
        assert bad.split("=")[0] in response.json["error"]["message"]
    staff = bearer(make_user("school_staff", school_id=setup.schools[0].id))
    assert client.get("/api/v1/schools", headers=staff).status_code == 403
