"""Bulk set-up for the benchmarks: participation of every board and staff at every location.

The set-up is not what is measured, so it writes rows in bulk instead of going through the
services one by one; what it writes is what those services would have written.
"""

from __future__ import annotations

from sqlalchemy import insert, select

from schoolalert.accounts.models import Authenticator, AuthenticatorKind, User
from schoolalert.accounts.roles import Role
from schoolalert.consent import terms
from schoolalert.consent.models import BoardParticipation, StaffAgreement, TermsKind
from schoolalert.database import utcnow
from schoolalert.extensions import db
from schoolalert.schools.geography import reference_geography
from schoolalert.schools.models import Board, LocationPrecision, School, SchoolKind
from schoolalert.transaction import commit


def participate_everywhere() -> None:
    """Every board takes part with all its locations under the current terms."""
    version = terms.current_version(TermsKind.PARTICIPATION) or terms.publish(
        None, TermsKind.PARTICIPATION, "Benchmark terms.", requires_reacceptance=True
    )
    boards = db.session.scalars(select(Board.id)).all()
    db.session.execute(
        insert(BoardParticipation),
        [
            {"board_id": board, "terms_version_id": version.id, "granted_at": utcnow()}
            for board in boards
        ],
    )
    commit()


def staff_everywhere(per_school: int) -> int:
    """``per_school`` staff members at every active location, statement accepted."""
    statement = terms.current_version(TermsKind.CONFIDENTIALITY) or terms.publish(
        None, TermsKind.CONFIDENTIALITY, "Benchmark statement.", requires_reacceptance=True
    )
    schools = db.session.scalars(select(School.id).where(School.active)).all()
    rows = [
        {
            "email": f"staff{school}-{n}@school.example",
            "name": f"Staff {school}-{n}",
            "role": Role.SCHOOL_STAFF,
            "school_id": school,
        }
        for school in schools
        for n in range(per_school)
    ]
    ids = db.session.execute(insert(User).returning(User.id), rows).scalars().all()
    # Staff qualify only with a confirmed second factor (they never sign in here).
    db.session.execute(
        insert(Authenticator),
        [
            {"user_id": user, "kind": AuthenticatorKind.TOTP, "data": {}, "confirmed_at": utcnow()}
            for user in ids
        ],
    )
    db.session.execute(
        insert(StaffAgreement),
        [
            {"user_id": user, "terms_version_id": statement.id, "accepted_at": utcnow()}
            for user in ids
        ],
    )
    commit()
    return len(ids)


def one_school() -> None:
    """One location in Amsterdam on a board of its own."""
    place = reference_geography().municipalities["GM0363"]
    board = Board(number="99999", name="Stichting Benchmark")
    db.session.add(board)
    db.session.flush()
    db.session.add(
        School(
            code="99ZZ00",
            brin="99ZZ",
            board_id=board.id,
            name="De Meetlat",
            street="Meetstraat",
            house_number=1,
            postcode="1011 AB",
            city="AMSTERDAM",
            municipality_code=place.code,
            source_municipality_code=place.code,
            province_code=place.province_code,
            safety_region_code=place.safety_region_code,
            police_unit_code=place.police_unit_code,
            latitude=place.latitude,
            longitude=place.longitude,
            location_precision=LocationPrecision.MUNICIPALITY,
            kind=SchoolKind.BO,
        )
    )
    commit()


def investigator_and_prosecutor() -> list[int]:
    """The ids of one investigator and one prosecutor (committed)."""
    police = (
        db.session.execute(
            insert(User).returning(User.id),
            [
                {"email": "rechercheur@politie.example", "name": "R", "role": Role.INVESTIGATOR},
                {"email": "officier@om.example", "name": "O", "role": Role.PROSECUTOR},
            ],
        )
        .scalars()
        .all()
    )
    commit()
    return list(police)
