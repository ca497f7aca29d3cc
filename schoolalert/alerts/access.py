"""Who sees a live alert (PRODUCT I1), viewing its images (I6), and the police statistics.

A staff member sees an alert only when all of these hold, checked on every request: the alert is
published and not expired; their school is in the frozen recipient set; the school participates
right now; they accepted the current confidentiality statement; their account is active and has
a second factor. Anything else raises the same NotFound as an unknown id.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, Select, and_, bindparam, distinct, exists, func, select

from schoolalert.accounts.models import Authenticator, User
from schoolalert.accounts.roles import Role
from schoolalert.alerts import keys
from schoolalert.alerts.common import police_alert
from schoolalert.alerts.crypto import associated_data, decrypt, image_aad
from schoolalert.alerts.models import (
    Alert,
    AlertImage,
    AlertKey,
    AlertRecipient,
    AlertStatus,
    AlertView,
    Response,
    ResponseKind,
)
from schoolalert.alerts.watermark import new_view_id, watermark
from schoolalert.audit import services as audit
from schoolalert.consent.services import eligible_staff_clause, participating_clause
from schoolalert.database import utcnow
from schoolalert.errors import NotFound
from schoolalert.extensions import db
from schoolalert.notifications.models import Notification, NotificationKind
from schoolalert.schools.models import School

VIEWABLE = frozenset({AlertStatus.DRAFT, AlertStatus.SUBMITTED, AlertStatus.PUBLISHED})


def staff_may_see_alerts(user: User) -> bool:
    """The conditions on the person and their school (the alert's own come on top)."""
    if not _may_be_staff_viewer(user):
        return False
    return bool(db.session.scalar(_person_query(), _person_parameters(user)))


def live_for_school_clause(school_id: int) -> ColumnElement[bool]:
    return _live_for_school(school_id, utcnow())


def staff_alerts(user: User) -> list[Alert]:
    """The live alerts of the user's school, newest first (empty when I1 says no)."""
    if not staff_may_see_alerts(user):
        return []
    assert user.school_id is not None
    return list(
        db.session.scalars(
            select(Alert).where(live_for_school_clause(user.school_id)).order_by(Alert.id.desc())
        )
    )


def staff_alert(user: User, alert_id: int) -> Alert:
    """One live alert of the user's school, or NotFound — whatever the reason."""
    if not _may_be_staff_viewer(user):
        raise NotFound("no such alert")
    alert = db.session.scalar(
        _staff_alert_query(), _person_parameters(user) | {"alert_id": alert_id}
    )
    if alert is None:
        raise NotFound("no such alert")
    return alert


def _staff_image(
    user: User, alert_id: int, image_id: int
) -> tuple[Alert, AlertImage, AlertKey | None]:
    """:func:`staff_alert`, one of its images and its wrapped keys, in the same statement.

    While the caller holds the keys, ``keys.image_key`` finds them in the session (which keeps
    only weak references) instead of asking the database again."""
    if not _may_be_staff_viewer(user):
        raise NotFound("no such alert")
    parameters = _person_parameters(user) | {"alert_id": alert_id, "image_id": image_id}
    row = db.session.execute(_staff_image_query(), parameters).one_or_none()
    if row is None:
        raise NotFound("no such image")
    return row.Alert, row.AlertImage, row.AlertKey


# Every page and image a staff member loads asks I1 again. The conditions are one SQL
# statement, built once (bound parameters) instead of one query per condition per request.


def _may_be_staff_viewer(user: User) -> bool:
    return user.role == Role.SCHOOL_STAFF and user.active and user.school_id is not None


def _person_parameters(user: User) -> dict[str, Any]:
    return {"user_id": user.id, "school_id": user.school_id, "now": utcnow()}


def _live_for_school(school_id: Any, now: Any) -> ColumnElement[bool]:
    return (
        (Alert.status == AlertStatus.PUBLISHED)
        & (Alert.expires_at > now)
        & exists().where(AlertRecipient.alert_id == Alert.id, AlertRecipient.school_id == school_id)
    )


def _person_clause() -> ColumnElement[bool]:
    """Active staff who accepted the current statement, with a confirmed second factor (as
    :func:`has_confirmed_factor`), at a school that participates right now."""
    user_id, school_id = bindparam("user_id"), bindparam("school_id")
    return and_(
        exists().where(User.id == user_id, User.school_id == school_id, eligible_staff_clause()),
        exists().where(Authenticator.user_id == user_id, Authenticator.confirmed_at.is_not(None)),
        exists().where(School.id == school_id, participating_clause()),
    )


@cache
def _person_query() -> Select[tuple[bool]]:
    return select(_person_clause())


@cache
def _staff_alert_query() -> Select[tuple[Alert]]:
    return select(Alert).where(
        Alert.id == bindparam("alert_id"),
        _live_for_school(bindparam("school_id"), bindparam("now")),
        _person_clause(),
    )


@cache
def _staff_image_query() -> Select[tuple[Alert, AlertImage, AlertKey | None]]:
    return (
        _staff_alert_query()
        .add_columns(AlertImage, AlertKey)
        .join(
            AlertImage,
            and_(AlertImage.alert_id == Alert.id, AlertImage.id == bindparam("image_id")),
        )
        .outerjoin(AlertKey, AlertKey.alert_id == Alert.id)
    )


def readable_alert(user: User, alert_id: int) -> Alert:
    """An alert whose images the user may see: staff by I1, police while not closed."""
    if user.role == Role.SCHOOL_STAFF:
        return staff_alert(user, alert_id)
    alert = police_alert(user, alert_id)
    if alert.status not in VIEWABLE:
        raise NotFound("no such alert")
    return alert


def description(alert: Alert) -> str | None:
    """The description for schools, or None once destroyed."""
    if alert.description_sealed is None:
        return None
    return decrypt(
        alert.description_sealed,
        data_key=keys.image_key(alert.id),
        associated_data=associated_data("description", alert.id),
    ).decode()


@dataclass(frozen=True)
class ImageView:
    content: bytes
    view_id: str


def view_image(user: User, alert_id: int, image_id: int) -> ImageView:
    """Decrypt, watermark for this viewer and moment, record the view (audit: who/what/where)."""
    wrapped_keys = None  # held until decrypted (see _staff_image)
    if user.role == Role.SCHOOL_STAFF:
        alert, image, wrapped_keys = _staff_image(user, alert_id, image_id)
    else:
        alert = readable_alert(user, alert_id)
        image = db.session.scalar(
            select(AlertImage).where(AlertImage.id == image_id, AlertImage.alert_id == alert.id)
        )
    if image is None or image.blob_name is None:
        raise NotFound("no such image")
    store = current_app.extensions["schoolalert.blobs"]
    plain = decrypt(
        store.get(image.blob_name),
        data_key=keys.image_key(alert.id),
        associated_data=image_aad(alert.id, image.id),
    )
    del wrapped_keys
    viewed_at, view_id = utcnow(), new_view_id()
    content = watermark(plain, viewer_code=user.code, viewed_at=viewed_at, view_id=view_id)
    db.session.add(
        AlertView(
            alert_id=alert.id,
            image_id=image.id,
            user_id=user.id,
            school_id=user.school_id,
            view_id=view_id,
            viewed_at=viewed_at,
        )
    )
    audit.record(
        "image.viewed",
        actor=user,
        object_type="image",
        object_id=image.id,
        alert_id=alert.id,
        details={"view_id": view_id, "school_id": user.school_id},
    )
    db.session.flush()
    return ImageView(content, view_id)


def statistics(alert_id: int) -> dict[str, int]:
    """Counts only; no personal data (CONTRACT §4 ``stats``)."""

    def count(query: Any) -> int:
        return db.session.scalar(query) or 0

    staff_views = (AlertView.alert_id == alert_id) & AlertView.school_id.is_not(None)
    return {
        "schools_targeted": count(select(func.count()).where(AlertRecipient.alert_id == alert_id)),
        "staff_notified": count(
            select(func.count()).where(
                Notification.alert_id == alert_id,
                Notification.kind == NotificationKind.PUBLISHED,
                Notification.skipped_at.is_(None),
            )
        ),
        "schools_viewed": count(
            select(func.count(distinct(AlertView.school_id))).where(staff_views)
        ),
        "views": count(select(func.count()).where(staff_views)),
        "responses": count(select(func.count()).where(Response.alert_id == alert_id)),
        "recognised": count(
            select(func.count()).where(
                Response.alert_id == alert_id, Response.kind == ResponseKind.RECOGNISED
            )
        ),
    }
