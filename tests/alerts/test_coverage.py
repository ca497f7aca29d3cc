"""Distribution per school: eligible staff, notified, viewers (people, not image loads),
answers and the warning for targeted schools where nobody can see the alert."""

from __future__ import annotations

import pytest

from schoolalert.accounts.models import User
from schoolalert.alerts.coverage import alert_coverage
from schoolalert.errors import NotFound, PermissionDenied
from schoolalert.extensions import db
from tests.alerts.participation import grant


def coverage(app, user, alert_id):
    with app.app_context():
        return alert_coverage(db.session.get(User, user.id), alert_id)


def test_views_count_people_not_image_loads(world, run_jobs):
    alert_id = world.published()
    run_jobs()
    staff = world.staff[0]
    images = world.staff_alert(alert_id, staff).json["images"]
    for _round in range(2):
        for image in images:
            assert world.api("GET", image["url"].removeprefix("/api/v1"), staff).status_code == 200
    result = coverage(world.app, world.investigator, alert_id)
    first = next(row for row in result.schools if row.school_id == world.schools[0].id)
    second = next(row for row in result.schools if row.school_id == world.schools[1].id)
    assert result.frozen
    assert (first.eligible, first.notified, first.viewers, first.answered) == (1, 1, 1, 0)
    assert first.last_activity is not None
    assert (second.viewers, second.last_activity) == (0, None)
    assert result.total("viewers") == 1
    assert result.unreachable == []


def test_answers_are_counted_per_person(world, run_jobs):
    alert_id = world.published()
    run_jobs()
    staff = world.staff[1]
    for kind in ("not_recognised", "recognised"):
        response = world.api("POST", f"/me/alerts/{alert_id}/response", staff, json={"kind": kind})
        assert response.status_code == 201
    result = coverage(world.app, world.prosecutor, alert_id)
    second = next(row for row in result.schools if row.school_id == world.schools[1].id)
    assert second.answered == 1
    assert second.last_activity is not None


def test_a_school_without_staff_is_flagged_before_approval(world, make_board, make_school):
    lonely = make_school(make_board(), municipality="GM0363", pc4="1012")
    grant(world.app, lonely)
    codes = [school.code for school in world.schools] + [lonely.code]
    alert_id = world.submitted(targeting={"schools": codes})
    result = coverage(world.app, world.prosecutor, alert_id)
    assert not result.frozen
    assert [row.code for row in result.unreachable] == [lonely.code]
    assert result.schools[0].code == lonely.code  # unreachable schools first
    assert result.unreachable[0].staff_accounts == 0


def test_staff_without_a_second_factor_do_not_count_as_reachable(world, make_user):
    make_user("school_staff", school_id=world.outsider_school.id, totp=False)
    codes = [world.outsider_school.code]
    alert_id = world.draft(targeting={"schools": codes})
    result = coverage(world.app, world.investigator, alert_id)
    (row,) = result.schools
    assert (row.staff_accounts, row.eligible, row.unreachable) == (2, 1, False)


@pytest.mark.parametrize("role", ["school_staff", "admin", "board_admin", "support_worker"])
def test_only_the_police_read_the_distribution(world, make_user, role):
    alert_id = world.published()
    with pytest.raises(PermissionDenied):
        coverage(world.app, make_user(role), alert_id)


def test_a_prosecutor_does_not_learn_of_a_draft(world):
    with pytest.raises(NotFound):
        coverage(world.app, world.prosecutor, world.draft())


def test_the_alert_page_shows_the_table_and_counts_people(world, web, run_jobs):
    alert_id = world.published()
    run_jobs()
    staff = world.staff[0]
    image = world.staff_alert(alert_id, staff).json["images"][0]["url"].removeprefix("/api/v1")
    for _twice in range(2):
        assert world.api("GET", image, staff).status_code == 200
    page = web.get(world.investigator, f"/alerts/{alert_id}").text
    assert 'id="coverage"' in page
    assert world.schools[0].name in page
    assert '<strong id="viewer-count">1</strong>' in page
    assert "keer bekeken" not in page
    assert "image views" not in page
    assert 'id="unreachable-schools"' not in page


def test_the_prosecutor_is_warned_of_schools_nobody_can_see_it_at(
    world, web, make_board, make_school
):
    lonely = make_school(make_board(), municipality="GM0363", pc4="1012")
    grant(world.app, lonely)
    alert_id = world.submitted(
        targeting={"schools": [school.code for school in world.schools] + [lonely.code]}
    )
    page = web.get(world.prosecutor, f"/alerts/{alert_id}").text
    assert 'id="unreachable-schools"' in page
    warning = page[page.index('id="unreachable-schools"') :].split("</div>")[0]
    assert lonely.name in warning
    assert world.schools[0].name not in warning
    assert "1 doelschool" in warning or "1 targeted school" in warning
