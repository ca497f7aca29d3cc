"""The police pages for drafting: dashboard, draft form, live preview, plugin selector parts."""

from __future__ import annotations

from typing import Any

import pytest
from jinja2 import ChoiceLoader, DictLoader
from sqlalchemy import func, select

from schoolalert.accounts.models import User
from schoolalert.alerts import access
from schoolalert.alerts.models import Alert, AlertStatus
from schoolalert.extensions import db
from schoolalert.plugin_api import TargetingError, TargetingSelector
from schoolalert.schools.models import School


def draft_form(world, **overrides: Any) -> dict[str, Any]:
    return {
        "description": "Boy of about eight, red cap with a white anchor.",
        "age_estimate": "7-9",
        "case_reference": "ZAAK-WEB-1",
        "justification": "Abuse established in the Netherlands; other means exhausted.",
        "order_number": "OVJ-2026-17",
        "order_date": "2026-11-20",
        "other_means_exhausted": "y",
        "duration_days": "5",
        "schools": "\n".join(school.code for school in world.schools),
        "action": "save",
    } | overrides


def alert_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Alert.id)))


def load(app, alert_id: int) -> Alert:
    with app.app_context():
        alert = db.session.get(Alert, alert_id)
        db.session.expunge(alert)
        return alert


@pytest.mark.parametrize(
    ("role", "status"),
    [("investigator", 200), ("prosecutor", 200), ("school_staff", 403), ("admin", 403)],
)
def test_the_dashboard_is_for_investigators_and_prosecutors(make_user, web, role, status):
    response = web.get(make_user(role), "/alerts")
    assert response.status_code == status
    if role == "investigator":
        assert 'href="/alerts/new"' in response.text
    if role == "prosecutor":
        assert 'href="/alerts/new"' not in response.text
        assert 'id="queue-heading"' in response.text


def test_the_dashboard_needs_a_sign_in(client):
    response = client.get("/alerts")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def test_recognitions_come_first_and_are_marked(world, web):
    recognised = world.published()
    quiet = world.published()
    response = world.api(
        "POST", f"/me/alerts/{recognised}/response", world.staff[0], json={"kind": "recognised"}
    )
    assert response.status_code == 201
    page = web.get(world.investigator, "/alerts").text
    assert 'id="recognised-heading"' in page
    table = page[page.index('id="alerts"') :]
    assert table.index(f"/alerts/{recognised}") < table.index(f"/alerts/{quiet}")
    row = table[table.index(f"/alerts/{recognised}") - 200 : table.index(f"/alerts/{quiet}")]
    assert "row-recognised" in row
    assert "badge-alert" in row


def test_the_prosecutor_queue_lists_submitted_alerts(world, web):
    submitted = world.submitted()
    draft = world.draft()
    page = web.get(world.prosecutor, "/alerts").text
    queue = page[page.index('id="prosecutor-queue"') : page.index('id="alerts"')]
    assert f"/alerts/{submitted}" in queue
    assert f"/alerts/{draft}" not in page  # a draft never submitted is not the OM's business


def test_an_investigator_drafts_an_alert_through_the_form(world, web):
    page = web.get(world.investigator, "/alerts/new")
    assert page.status_code == 200
    assert 'name="duration_days"' in page.text
    assert 'value="7"' in page.text  # the default duration
    assert 'max="14"' in page.text
    response = web.post(world.investigator, "/alerts/new", draft_form(world))
    assert response.status_code == 302
    alert_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    alert = load(world.app, alert_id)
    assert alert.status == AlertStatus.DRAFT
    assert alert.case_reference == "ZAAK-WEB-1"
    assert alert.age_estimate == "7-9"
    assert alert.order_number == "OVJ-2026-17"
    assert str(alert.order_date) == "2026-11-20"
    assert alert.other_means_exhausted is True
    assert alert.proposed_duration_days == 5
    assert alert.targeting == {"schools": sorted(school.code for school in world.schools)}
    with world.app.app_context():
        reader = db.session.get(User, world.investigator.id)
        text = access.read_description(reader, db.session.get(Alert, alert_id))
        assert text.startswith("Boy of about")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"age_estimate": "seven"}, "age_estimate", "Geef een leeftijd"),
        ({"description": ""}, "description", "Dit veld is verplicht"),
        ({"duration_days": "30"}, "duration_days", "1 tot 14"),
        ({"duration_days": "a week"}, "duration_days", "heel aantal dagen"),
        ({"order_date": "20-11-2026"}, "order_date", "JJJJ-MM-DD"),
        ({"schools": "99XX99"}, "schools", "99XX99"),
        ({"schools": "", "exclude": ""}, "targeting", "Kies de scholen"),
    ],
)
def test_a_bad_field_is_shown_at_the_field_and_nothing_is_saved(
    world, web, overrides, field, message
):
    response = web.post(world.investigator, "/alerts/new", draft_form(world, **overrides))
    assert response.status_code == 422
    assert alert_count(world.app) == 0
    page = response.text
    assert message in page
    if field != "targeting":
        # The message sits between the field's label and the field, which points at it.
        between = page[page.index(f'for="{field}"') : page.index(f'name="{field}"')]
        assert message in between
        assert f'id="{field}-error"' in between
        assert 'aria-invalid="true"' in between
    assert f'<a href="#{field}' in page  # and in the summary at the top
    assert "Boy of about eight" in page or field == "description"  # input is kept


def test_the_preview_button_shows_the_schools_without_saving(world, web):
    response = web.post(
        world.investigator,
        "/alerts/new",
        draft_form(world, action="preview", exclude=world.schools[1].code),
    )
    assert response.status_code == 200
    assert alert_count(world.app) == 0
    assert 'data-count="1"' in response.text
    assert world.schools[0].name in response.text
    assert world.schools[1].name not in response.text
    assert 'class="map-dots map-hit"' in response.text


def test_the_live_preview_endpoint_returns_the_panel(world, web):
    token = web.token(world.investigator)
    client = web.client(world.investigator)
    codes = " ".join(school.code for school in world.schools)
    response = client.post(
        "/alerts/preview", data={"schools": codes}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 200
    assert "<html" not in response.text  # a fragment
    assert 'data-count="2"' in response.text
    assert response.text.count("<svg") == 1
    assert 'class="map-dots map-hit"' in response.text
    for school in world.schools:
        assert school.code in response.text
    assert world.outsider_school.code not in response.text
    # The breakdown per police unit: Amsterdam and Rotterdam are in different units.
    assert "Amsterdam" in response.text
    assert "Rotterdam" in response.text

    everyone = client.post("/alerts/preview", data={"all": "y"}, headers={"X-CSRFToken": token})
    assert 'data-count="3"' in everyone.text

    bad = client.post("/alerts/preview", data={"schools": "nope"}, headers={"X-CSRFToken": token})
    assert bad.status_code == 422
    assert "NOPE" in bad.text

    empty = client.post("/alerts/preview", data={}, headers={"X-CSRFToken": token})
    assert empty.status_code == 200
    assert "data-count" not in empty.text


def test_the_live_preview_needs_the_csrf_token_and_the_investigator_role(world, web):
    client = web.client(world.investigator)
    assert client.post("/alerts/preview", data={"all": "y"}).status_code == 400
    token = web.token(world.prosecutor)
    response = web.client(world.prosecutor).post(
        "/alerts/preview", data={"all": "y"}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 403


def test_the_draft_form_loads_the_preview_script_from_static(world, web):
    page = web.get(world.investigator, "/alerts/new").text
    assert '<script src="/static/js/targeting-preview.js" defer></script>' in page
    assert 'data-preview-url="/alerts/preview"' in page
    script = web.client(world.investigator).get("/static/js/targeting-preview.js")
    assert script.status_code == 200
    assert "X-CSRFToken" in script.text


def test_editing_is_for_the_creator_of_a_draft(world, web, make_user):
    alert_id = world.draft()
    page = web.get(world.investigator, f"/alerts/{alert_id}/edit")
    assert page.status_code == 200
    assert "ZAAK-2026-0042" in page.text
    assert "Girl of about seven" in page.text
    assert world.schools[1].code in page.text
    assert 'data-count="2"' in page.text  # the stored targeting is previewed

    colleague = make_user("investigator")
    assert web.get(colleague, f"/alerts/{alert_id}/edit").status_code == 403
    response = web.post(colleague, f"/alerts/{alert_id}/edit", draft_form(world))
    assert response.status_code == 403
    assert web.get(world.prosecutor, f"/alerts/{alert_id}/edit").status_code == 403

    response = web.post(
        world.investigator, f"/alerts/{alert_id}/edit", draft_form(world, age_estimate="10")
    )
    assert response.status_code == 302
    assert load(world.app, alert_id).age_estimate == "10"


def test_a_submitted_alert_cannot_be_edited(world, web):
    alert_id = world.submitted()
    assert web.get(world.investigator, f"/alerts/{alert_id}/edit").status_code == 409
    response = web.post(world.investigator, f"/alerts/{alert_id}/edit", draft_form(world))
    assert response.status_code == 409
    assert load(world.app, alert_id).case_reference == "ZAAK-2026-0042"


# -- the contract with plugin selectors (shared with the regional-targeting plugin) ------------

SELECTOR_TEMPLATE = """<fieldset class="test-selector"><legend>{{ selector.label }}</legend>
<input name="municipality" value="{{ value|join(',') if value else '' }}">
<span id="seen-value">{{ value if value is not none else 'NONE' }}</span></fieldset>"""


def _parse_municipalities(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(str(code).startswith("GM") for code in value):
        raise TargetingError("municipalities", "Not a municipality code.")
    return sorted(value)


@pytest.fixture
def municipality_selector(app):
    """A selector with a form part, registered the way a plugin's would be (but always on)."""
    selector = TargetingSelector(
        key="municipalities",
        label="Municipalities",
        parse=_parse_municipalities,
        criterion=lambda codes: School.municipality_code.in_(codes),
        form_template="test/municipalities.html",
        from_form=lambda form: [c for c in form.get("municipality", "").split(",") if c] or None,
    )
    app.extensions["schoolalert.targeting"]["municipalities"] = (None, selector)
    app.jinja_env.loader = ChoiceLoader(
        [DictLoader({"test/municipalities.html": SELECTOR_TEMPLATE}), app.jinja_env.loader]
    )
    return selector


def test_a_selector_form_part_is_included_and_read_back(world, web, municipality_selector):
    page = web.get(world.investigator, "/alerts/new").text
    assert 'class="test-selector"' in page
    assert '<span id="seen-value">NONE</span>' in page

    form = draft_form(world, schools="", municipality="GM0599")
    response = web.post(world.investigator, "/alerts/new", form)
    assert response.status_code == 302
    alert_id = int(response.headers["Location"].split("/")[-1])
    assert load(world.app, alert_id).targeting == {"municipalities": ["GM0599"]}

    page = web.get(world.investigator, f"/alerts/{alert_id}/edit").text
    assert '<span id="seen-value">[&#39;GM0599&#39;]</span>' in page
    assert 'data-count="1"' in page  # Rotterdam's school only

    token = web.token(world.investigator)
    preview = web.client(world.investigator).post(
        "/alerts/preview", data={"municipality": "GM0363,GM0599"}, headers={"X-CSRFToken": token}
    )
    assert 'data-count="2"' in preview.text


def test_a_selector_error_is_shown_at_its_part(world, web, municipality_selector):
    form = draft_form(world, municipality="XX1")
    response = web.post(world.investigator, "/alerts/new", form)
    assert response.status_code == 422
    part = response.text[response.text.index('data-selector="municipalities"') :]
    assert "Not a municipality code." in part[: part.index("</div>")]
    assert alert_count(world.app) == 0


def test_the_draft_form_shows_every_error_at_once_with_a_summary(world, web):
    page = web.post(
        world.investigator,
        "/alerts/new",
        {"description": "", "age_estimate": "", "case_reference": "", "duration_days": "7"},
    )
    assert page.status_code == 422
    assert "<title>Fout: " in page.text
    summary = page.text[page.text.index('id="error-summary"') :]
    summary = summary[: summary.index("</div>")]
    for name in ("description", "age_estimate", "case_reference", "justification"):
        assert f'href="#{name}"' in summary
        assert f'aria-describedby="{name}-hint {name}-error"' in page.text or (
            f'aria-describedby="{name}-error"' in page.text
        )
    assert page.text.count('aria-invalid="true"') >= 4
    assert 'autocomplete="off"' in page.text[page.text.index('name="case_reference"') - 200 :][:400]
