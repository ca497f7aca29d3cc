"""Granting and withdrawing participation; which locations participate (PRODUCT I1)."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select, update

from schoolalert.audit.models import AuditEvent
from schoolalert.consent import participation
from schoolalert.consent.models import HistoryIsAppendOnly, ParticipationChange
from schoolalert.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from schoolalert.events import ConsentChanged
from schoolalert.extensions import db
from schoolalert.schools.importer import import_locations
from schoolalert.schools.models import Board, School
from tests.schools.conftest import column, edit_rows, fixture_bytes


def changes(app) -> list[tuple[int | None, str]]:
    with app.app_context():
        rows = db.session.scalars(select(ParticipationChange).order_by(ParticipationChange.id))
        return [(row.school_id, row.action.value) for row in rows]


def test_nothing_participates_before_a_grant(setup, publish, participating):
    publish()
    assert participating(setup.schools) == [False, False, False]


def test_board_wide_grant_covers_every_location(
    app, setup, publish, act, participating, make_school
):
    version = publish()
    act(participation.grant, setup.admin, setup.board, schools="all", terms_version=version)
    later = make_school(setup.board)
    assert participating([*setup.schools, later]) == [True, True, True, True]
    assert changes(app) == [(None, "grant")]


def test_board_wide_grant_covers_a_newly_imported_location(
    app, make_user, publish, act, participating
):
    """A location that appears in a later DUO import takes part under the board-wide grant."""
    raw = fixture_bytes("vestigingenbo.csv")
    with app.app_context():
        import_locations(db.session, raw, "first.csv")
        db.session.commit()
        board = db.session.scalar(select(Board).where(Board.number == "12597"))
        db.session.expunge(board)
    admin = make_user("board_admin", board_id=board.id)
    act(participation.grant, admin, board, schools="all", terms_version=publish())

    def add_location(rows: list[list[str]]) -> None:
        copy = list(
            next(row for row in rows[1:] if row[column(rows, "VESTIGINGSCODE")] == "73GN00")
        )
        copy[column(rows, "VESTIGINGSCODE")] = "73GN01"
        rows.append(copy)

    with app.app_context():
        import_locations(db.session, edit_rows(raw, add_location), "second.csv")
        db.session.commit()
        new = db.session.scalar(select(School).where(School.code == "73GN01"))
        assert new.board_id == board.id
        assert participation.school_participates(new.id)


def test_grant_for_chosen_locations(app, setup, publish, act, participating, events):
    version = publish()
    first, _second, third = setup.schools
    act(
        participation.grant,
        setup.admin,
        setup.board,
        schools=[first.code, third.code.lower()],
        terms_version=version,
    )
    assert participating(setup.schools) == [True, False, True]
    assert changes(app) == [(first.id, "grant"), (third.id, "grant")]
    assert [(e.school_id, e.granted) for e in events if isinstance(e, ConsentChanged)] == [
        (first.id, True),
        (third.id, True),
    ]
    assert all(e.board_id == setup.board.id and e.actor_id == setup.admin.id for e in events)


def test_withdraw_one_location_under_a_board_wide_grant(
    app, setup, publish, act, participating, events
):
    act(participation.grant, setup.admin, setup.board, schools="all", terms_version=publish())
    act(participation.withdraw_school, setup.admin, setup.board, setup.schools[1].code)
    assert participating(setup.schools) == [True, False, True]
    assert changes(app)[-1] == (setup.schools[1].id, "withdraw")
    assert events[-1] == ConsentChanged(
        board_id=setup.board.id,
        school_id=setup.schools[1].id,
        granted=False,
        actor_id=setup.admin.id,
        occurred_at=events[-1].occurred_at,
    )
    # Granting it again brings it back; a second withdrawal of the same location is refused.
    act(
        participation.grant,
        setup.admin,
        setup.board,
        schools=[setup.schools[1].code],
        terms_version=1,
    )
    assert participating(setup.schools) == [True, True, True]
    act(participation.withdraw_school, setup.admin, setup.board, setup.schools[1].code)
    with pytest.raises(Conflict):
        act(participation.withdraw_school, setup.admin, setup.board, setup.schools[1].code)
    assert participating(setup.schools) == [True, False, True]


def test_withdraw_a_location_grant(app, setup, publish, act, participating):
    act(
        participation.grant,
        setup.admin,
        setup.board,
        schools=[setup.schools[0].code],
        terms_version=publish(),
    )
    act(participation.withdraw_school, setup.admin, setup.board, setup.schools[0].code)
    assert participating(setup.schools) == [False, False, False]
    with app.app_context():
        last = db.session.scalars(
            select(ParticipationChange).order_by(ParticipationChange.id.desc())
        ).first()
        assert last.terms_version.version == 1  # the withdrawal names the grant it ended


def test_withdraw_the_whole_board(app, setup, publish, act, participating, events):
    version = publish()
    act(participation.grant, setup.admin, setup.board, schools="all", terms_version=version)
    act(
        participation.grant,
        setup.admin,
        setup.board,
        schools=[setup.schools[0].code],
        terms_version=version,
    )
    act(participation.withdraw_board, setup.admin, setup.board)
    assert participating(setup.schools) == [False, False, False]
    assert changes(app)[-1] == (None, "withdraw")
    assert isinstance(events[-1], ConsentChanged)
    assert (events[-1].school_id, events[-1].granted) == (None, False)
    with pytest.raises(Conflict):
        act(participation.withdraw_board, setup.admin, setup.board)


def test_every_change_is_audited(app, setup, publish, act):
    version = publish()
    act(participation.grant, setup.admin, setup.board, schools="all", terms_version=version)
    act(participation.withdraw_school, setup.admin, setup.board, setup.schools[0].code)
    with app.app_context():
        entries = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action.like("consent.%"))
            .order_by(AuditEvent.sequence)
        ).all()
        assert [(e.action, e.actor_id) for e in entries] == [
            ("consent.granted", setup.admin.id),
            ("consent.withdrawn", setup.admin.id),
        ]
        assert entries[0].details == {
            "board": setup.board.number,
            "school": None,
            "terms_version": 1,
        }
        assert entries[1].details["school"] == setup.schools[0].code
        assert db.session.scalar(
            select(AuditEvent.id).where(AuditEvent.action == "terms.published")
        )


def test_new_terms_requiring_reacceptance_void_older_grants(
    app, setup, publish, act, participating
):
    act(participation.grant, setup.admin, setup.board, schools="all", terms_version=publish())
    act(
        participation.grant,
        setup.admin,
        setup.board,
        schools=[setup.schools[0].code],
        terms_version=1,
    )
    publish(requires_reacceptance=False)  # version 2: earlier grants still count
    assert participating(setup.schools) == [True, True, True]
    publish(requires_reacceptance=True)  # version 3: they do not
    assert participating(setup.schools) == [False, False, False]
    with pytest.raises(Conflict, match="outdated"):
        act(participation.grant, setup.admin, setup.board, schools="all", terms_version=2)
    act(
        participation.grant,
        setup.admin,
        setup.board,
        schools=[setup.schools[2].code],
        terms_version=3,
    )
    assert participating(setup.schools) == [False, False, True]


def test_an_inactive_location_never_participates(app, setup, publish, act, participating):
    act(participation.grant, setup.admin, setup.board, schools="all", terms_version=publish())
    with app.app_context():
        db.session.execute(
            update(School).where(School.id == setup.schools[0].id).values(active=False)
        )
        db.session.commit()
    assert participating(setup.schools) == [False, True, True]


def test_the_clause_agrees_with_school_participates_in_one_query(
    app, make_board_setup, publish, act
):
    one, two, three = make_board_setup(2), make_board_setup(2), make_board_setup(2)
    version = publish()
    act(participation.grant, one.admin, one.board, schools="all", terms_version=version)
    act(participation.withdraw_school, one.admin, one.board, one.schools[0].code)
    act(
        participation.grant,
        two.admin,
        two.board,
        schools=[two.schools[1].code],
        terms_version=version,
    )
    statements: list[str] = []
    with app.app_context():

        def count(_conn, _cursor, statement, *_args):
            if statement.lstrip().upper().startswith("SELECT"):
                statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            selected = set(
                db.session.scalars(select(School.id).where(participation.participating_clause()))
            )
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert len(statements) == 1
        every = [s.id for setup in (one, two, three) for s in setup.schools]
        assert selected == {i for i in every if participation.school_participates(i)}
    assert selected == {one.schools[1].id, two.schools[1].id}


# -- bad input: a clear error, and nothing changes -------------------------------------------


def test_a_board_admin_cannot_act_for_another_board(app, setup, make_board_setup, publish, act):
    other = make_board_setup()
    version = publish()
    with pytest.raises(NotFound):
        act(participation.grant, setup.admin, other.board, schools="all", terms_version=version)
    with pytest.raises(NotFound):
        act(participation.withdraw_board, setup.admin, other.board)
    assert changes(app) == []


def test_a_location_of_another_board_is_refused_whole(
    app, setup, make_board_setup, publish, act, participating
):
    other = make_board_setup()
    with pytest.raises(InvalidInput, match=other.schools[0].code):
        act(
            participation.grant,
            setup.admin,
            setup.board,
            schools=[setup.schools[0].code, other.schools[0].code],
            terms_version=publish(),
        )
    with pytest.raises(NotFound):
        act(participation.withdraw_school, setup.admin, setup.board, other.schools[0].code)
    assert participating(setup.schools + other.schools) == [False] * 6
    assert changes(app) == []


@pytest.mark.parametrize(
    ("terms_version", "error"),
    [(1, Conflict), (3, InvalidInput), ("2", InvalidInput), (None, InvalidInput)],
)
def test_only_the_current_terms_version_is_accepted(app, setup, publish, act, terms_version, error):
    publish()
    publish()
    with pytest.raises(error):
        act(
            participation.grant,
            setup.admin,
            setup.board,
            schools="all",
            terms_version=terms_version,
        )
    assert changes(app) == []


def test_granting_before_any_terms_is_refused(app, setup, act):
    with pytest.raises(Conflict, match="no participation terms"):
        act(participation.grant, setup.admin, setup.board, schools="all", terms_version=1)


@pytest.mark.parametrize("schools", [[], "some", [1, 2], None])
def test_malformed_school_lists_are_refused(app, setup, publish, act, schools):
    with pytest.raises(InvalidInput):
        act(participation.grant, setup.admin, setup.board, schools=schools, terms_version=publish())
    assert changes(app) == []


def test_withdrawing_what_was_never_granted_is_a_conflict(app, setup, publish, act):
    publish()
    with pytest.raises(Conflict, match="niets in te trekken"):
        act(participation.withdraw_school, setup.admin, setup.board, setup.schools[0].code)
    with pytest.raises(Conflict, match="niets in te trekken"):
        act(participation.withdraw_board, setup.admin, setup.board)
    assert changes(app) == []


def test_only_board_admins_grant(app, setup, make_user, publish, act):
    version = publish()
    for role in ("admin", "school_staff", "investigator"):
        with pytest.raises(PermissionDenied):
            act(
                participation.grant,
                make_user(role),
                setup.board,
                schools="all",
                terms_version=version,
            )


def test_the_history_is_append_only(app, setup, publish, act):
    act(participation.grant, setup.admin, setup.board, schools="all", terms_version=publish())
    with app.app_context():
        change = db.session.scalars(select(ParticipationChange)).one()
        change.action = "withdraw"
        with pytest.raises(HistoryIsAppendOnly):
            db.session.flush()
        db.session.rollback()
        with pytest.raises(Exception, match="append-only"):
            db.session.execute(
                ParticipationChange.__table__.delete().where(ParticipationChange.id == change.id)
            )
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(ParticipationChange)) == 1
