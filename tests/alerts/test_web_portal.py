"""The staff portal (PRODUCT I1 on the web), the home page and the navigation per role."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from schoolalert.alerts.http import IMAGE_HEADERS
from schoolalert.alerts.models import Response, ResponseKind
from schoolalert.extensions import db


def responses_of(app, alert_id: int) -> list[tuple[ResponseKind, bool]]:
    with app.app_context():
        rows = db.session.execute(
            select(Response.kind, Response.tip_sealed).where(Response.alert_id == alert_id)
        ).all()
    return [(kind, sealed is not None) for kind, sealed in rows]


def image_urls(page: str, alert_id: int) -> list[str]:
    marker = f"/portal/alerts/{alert_id}/images/"
    return [marker + part.split('"')[0] for part in page.split(marker)[1:]]


def test_staff_of_a_targeted_school_see_the_alert_and_its_images(world, web):
    alert_id = world.published()
    listing = web.get(world.staff[0], "/portal")
    assert listing.status_code == 200
    assert f"/portal/alerts/{alert_id}" in listing.text
    page = web.get(world.staff[0], f"/portal/alerts/{alert_id}")
    assert page.status_code == 200
    assert "Girl of about seven" in page.text
    assert "6-8" in page.text
    assert "ZAAK-2026-0042" not in page.text  # police only
    assert "Abuse established" not in page.text
    urls = image_urls(page.text, alert_id)
    assert len(urls) == 2
    image = web.get(world.staff[0], urls[0])
    assert image.status_code == 200
    assert image.mimetype == "image/jpeg"
    for name, value in IMAGE_HEADERS.items():
        assert image.headers[name] == value
    assert 'type="radio" value="recognised"' in page.text.replace('id="kind-0" name="kind" ', "")
    assert 'value="not_recognised"' in page.text
    assert 'data-reveals="tip-fields"' in page.text
    for name in ("message", "child_name", "class_name", "phone"):  # never kept for autofill
        tag = page.text[page.text.rindex("<", 0, page.text.index(f'name="{name}"')) :]
        assert 'autocomplete="off"' in tag[: tag.index(">")]
    assert 'href="tel:112"' in page.text


def test_staff_of_another_school_get_the_same_404_as_for_an_unknown_alert(world, web):
    alert_id = world.published()
    staff_page = web.get(world.staff[0], f"/portal/alerts/{alert_id}").text
    url = image_urls(staff_page, alert_id)[0]
    listing = web.get(world.outsider, "/portal")
    assert f"/portal/alerts/{alert_id}" not in listing.text
    assert 'id="no-alerts"' in listing.text
    invisible = web.get(world.outsider, f"/portal/alerts/{alert_id}")
    unknown = web.get(world.outsider, "/portal/alerts/9999")
    assert invisible.status_code == unknown.status_code == 404
    assert _title(invisible.text) == _title(unknown.text)
    assert web.get(world.outsider, url).status_code == 404
    response = web.post(
        world.outsider, f"/portal/alerts/{alert_id}/response", {"kind": "recognised"}
    )
    assert response.status_code == 404
    assert responses_of(world.app, alert_id) == []


def _title(html: str) -> str:
    return html[html.index("<title>") : html.index("</title>")]


def test_a_submitted_alert_is_not_in_the_portal(world, web):
    alert_id = world.submitted()
    assert web.get(world.staff[0], f"/portal/alerts/{alert_id}").status_code == 404
    assert f"/portal/alerts/{alert_id}" not in web.get(world.staff[0], "/portal").text


@pytest.mark.parametrize("role", ["investigator", "prosecutor", "admin"])
def test_the_portal_is_for_school_staff(world, web, make_user, role):
    alert_id = world.published()
    user = make_user(role)
    assert web.get(user, "/portal").status_code == 403
    assert web.get(user, f"/portal/alerts/{alert_id}").status_code == 403


def test_answering_recognised_with_a_tip_and_correcting_it(world, web):
    alert_id = world.published()
    staff = world.staff[1]
    response = web.post(
        staff,
        f"/portal/alerts/{alert_id}/response",
        {"kind": "recognised", "message": "Groep 3, I think", "phone": "0612345678"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/portal/alerts/{alert_id}/answered"
    next_steps = web.get(staff, f"/portal/alerts/{alert_id}/answered").text
    assert 'data-kind="recognised"' in next_steps
    assert "Wat gebeurt er nu" in next_steps
    assert responses_of(world.app, alert_id) == [(ResponseKind.RECOGNISED, True)]
    page = web.get(staff, f"/portal/alerts/{alert_id}").text
    assert 'data-kind="recognised"' in page
    dashboard = web.get(world.investigator, "/alerts").text
    assert 'id="recognised-heading"' in dashboard

    asked = web.post(staff, f"/portal/alerts/{alert_id}/response", {"kind": "not_recognised"})
    assert asked.status_code == 200
    assert 'id="confirm-change-form"' in asked.text
    assert responses_of(world.app, alert_id) == [(ResponseKind.RECOGNISED, True)]
    response = web.post(
        staff,
        f"/portal/alerts/{alert_id}/response",
        {"kind": "not_recognised", "confirm": "yes"},
    )
    assert response.status_code == 302
    assert responses_of(world.app, alert_id) == [(ResponseKind.NOT_RECOGNISED, False)]
    assert 'data-kind="not_recognised"' in web.get(staff, f"/portal/alerts/{alert_id}").text


def test_a_bad_answer_is_shown_and_stores_nothing(world, web):
    alert_id = world.published()
    too_long = web.post(
        world.staff[0],
        f"/portal/alerts/{alert_id}/response",
        {"kind": "recognised", "phone": "0" * 41},
    )
    assert too_long.status_code == 422
    field = too_long.text[too_long.text.index('for="phone"') :]
    field = field[: field.index("</div>")]
    assert field.index("Hoogstens 40 tekens") < field.index('name="phone"')
    assert 'aria-invalid="true"' in field
    assert 'aria-describedby="phone-error"' in field
    assert '<a href="#phone">Hoogstens 40 tekens.</a>' in too_long.text  # the error summary
    assert "<title>Fout: " in too_long.text
    assert 'value="0000' in too_long.text  # what was typed stays
    for kind in ("maybe", ""):
        wrong = web.post(world.staff[0], f"/portal/alerts/{alert_id}/response", {"kind": kind})
        assert wrong.status_code == 422
        assert '<a href="#kind-0">Kies of u dit kind herkent.</a>' in wrong.text
    assert responses_of(world.app, alert_id) == []


def test_after_closing_staff_lose_the_alert_and_its_images(world, web):
    alert_id = world.published()
    page = web.get(world.staff[0], f"/portal/alerts/{alert_id}").text
    url = image_urls(page, alert_id)[0]
    world.api(
        "POST", f"/alerts/{alert_id}/close", world.investigator, json={"reason": "identified"}
    )
    ended = web.get(world.staff[0], f"/portal/alerts/{alert_id}")
    assert ended.status_code == 410
    assert 'id="alert-ended"' in ended.text
    assert "Dit alert is beëindigd" in ended.text
    assert "Girl of about seven" not in ended.text
    assert "/images/" not in ended.text
    assert web.get(world.staff[0], url).status_code == 404
    assert web.get(world.outsider, f"/portal/alerts/{alert_id}").status_code == 404
    assert 'id="no-alerts"' in web.get(world.staff[0], "/portal").text


def test_staff_who_did_not_accept_the_statement_are_sent_to_the_briefing(world, web, make_user):
    alert_id = world.published()
    newcomer = make_user("school_staff", school_id=world.schools[0].id)  # no statement accepted
    page = web.get(newcomer, "/portal").text
    assert 'id="briefing-needed"' in page
    assert 'href="/briefing?next=/portal"' in page
    assert f"/portal/alerts/{alert_id}" not in page
    assert web.get(newcomer, f"/portal/alerts/{alert_id}").status_code == 404


@pytest.mark.parametrize(
    ("role", "link", "absent"),
    [
        ("investigator", 'href="/alerts"', 'href="/portal"'),
        ("prosecutor", 'href="/alerts"', 'href="/portal"'),
        ("school_staff", 'href="/portal"', 'href="/alerts"'),
        ("admin", 'href="/admin/users"', 'href="/alerts"'),
    ],
)
def test_home_and_navigation_link_to_the_pages_of_the_role(make_user, web, role, link, absent):
    page = web.get(make_user(role), "/").text
    home = page[page.index('<main id="main"') :]
    navigation = page[page.index('<nav class="main-nav"') : page.index("</nav>")]
    assert link in navigation
    assert absent not in page
    if role != "admin":
        assert link in home[home.index('id="home-actions"') :]
