"""The evaluation for the programme lead: per year and police unit, counts only; SVG charts and
a CSV download; administrators and prosecutors only."""

from __future__ import annotations

import csv
import io

import pytest

from schoolalert.accounts.models import User
from schoolalert.alerts.charts import bar_chart
from schoolalert.alerts.evaluation import NATIONAL, evaluation
from schoolalert.errors import PermissionDenied
from schoolalert.extensions import db


def rows_for(app, user):
    with app.app_context():
        return evaluation(db.session.get(User, user.id))


@pytest.fixture
def lived(world, run_jobs):
    """One alert published to both schools (two units), viewed, recognised and confirmed at
    the first, then closed as identified and purged."""
    alert_id = world.published()
    run_jobs()
    staff = world.staff[0]
    image = world.staff_alert(alert_id, staff).json["images"][0]["url"].removeprefix("/api/v1")
    for _twice in range(2):
        assert world.api("GET", image, staff).status_code == 200
    answer = world.api(
        "POST", f"/me/alerts/{alert_id}/response", staff, json={"kind": "recognised"}
    )
    assert answer.status_code == 201
    confirmed = world.api(
        "POST",
        f"/me/alerts/{alert_id}/school-confirmation",
        staff,
        json={"outcome": "recognised"},
    )
    assert confirmed.status_code == 201
    closed = world.api(
        "POST", f"/alerts/{alert_id}/close", world.investigator, json={"reason": "identified"}
    )
    assert closed.status_code == 200
    run_jobs()
    return alert_id


def test_the_figures_per_unit_and_for_the_country(world, lived, make_user):
    rows = rows_for(world.app, make_user("admin"))
    national = rows[0]
    assert national.unit == NATIONAL
    assert (national.alerts, national.schools_reached, national.staff_reached) == (1, 2, 2)
    assert (national.answers, national.recognitions, national.identified) == (1, 1, 1)
    assert national.purges_verified == 1
    assert (national.schools_confirmed, national.percent_confirmed) == (1, 50.0)
    assert national.median_hours_to_first_view is not None
    assert national.median_hours_to_identification is not None
    units = {row.unit: row for row in rows[1:]}
    assert set(units) == {"RE05", "RE07"}  # Amsterdam and Rotterdam
    amsterdam = units["RE05"]
    assert (amsterdam.alerts, amsterdam.schools_reached, amsterdam.recognitions) == (1, 1, 1)
    assert amsterdam.median_hours_to_first_view is not None
    rotterdam = units["RE07"]
    assert (rotterdam.recognitions, rotterdam.median_hours_to_first_view) == (0, None)
    assert rotterdam.identified == 1  # the alert that reached it led to an identification
    assert (amsterdam.percent_confirmed, rotterdam.percent_confirmed) == (100.0, 0.0)


def test_drafts_and_submitted_alerts_do_not_count(world, make_user):
    world.draft()
    world.submitted()
    assert rows_for(world.app, make_user("prosecutor")) == []


@pytest.mark.parametrize("role", ["investigator", "school_staff", "board_admin"])
def test_only_the_programme_lead_reads_it(world, make_user, role):
    with pytest.raises(PermissionDenied):
        rows_for(world.app, make_user(role))


def test_the_page_draws_svg_charts_without_personal_data(world, lived, web, make_user):
    admin = make_user("admin")
    page = web.get(admin, "/alerts/evaluation")
    assert page.status_code == 200
    text = page.text
    assert text.count('class="chart"') == 8
    assert '<rect class="chart-bar"' in text
    assert "style=" not in text
    assert "<script" not in text.split("</main>")[0].split("<main")[-1]
    for private in (
        "ZAAK-2026-0042",
        "Girl of about seven",
        world.staff[0].name,
        world.staff[0].email,
        world.investigator.name,
    ):
        assert private not in text
    assert 'id="evaluation-table"' in text
    assert 'id="national-confirmed"' in text
    assert "Amsterdam" in text


def test_the_csv_has_a_row_per_unit_and_the_country(world, lived, web):
    response = web.get(world.prosecutor, "/alerts/evaluation.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    table = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["police_unit"] for row in table] == ["NL", "RE05", "RE07"]
    assert table[0]["alerts"] == "1"
    assert table[0]["recognitions"] == "1"
    assert (table[0]["schools_confirmed"], table[0]["percent_confirmed"]) == ("1", "50.0")
    assert world.staff[0].email not in response.text


def test_an_investigator_is_refused_the_page(world, web):
    assert web.get(world.investigator, "/alerts/evaluation").status_code == 403
    assert web.get(world.investigator, "/alerts/evaluation.csv").status_code == 403


def test_a_bar_chart_scales_to_the_largest_value_and_writes_the_numbers():
    svg = str(bar_chart("Alerts <b>", [("Noord", 4), ("Zuid", 2), ("Oost", None)]))
    assert svg.count('class="chart-bar"') == 3
    assert 'width="260"' in svg  # the largest bar is the full width
    assert 'width="130"' in svg
    assert "—" in svg
    assert "&lt;b&gt;" in svg
    assert "style" not in svg
