"""Who sees a live alert (PRODUCT I1), viewing its images (I6), and the police statistics.

A staff member sees an alert only when all of these hold, checked on every request: the alert is
published and not expired; their school is in the frozen recipient set; the school participates
right now; they accepted the current confidentiality statement; their account is active and has
a second factor (these conditions on the person are :mod:`schoolalert.consent.eligibility`).
Anything else raises the same NotFound as an unknown id.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, Select, bindparam, distinct, exists, func, select

from schoolalert.accounts.models import User
from schoolalert.accounts.roles import Role
from schoolalert.alerts import keys
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
from schoolalert.alerts.police import police_alert
from schoolalert.alerts.watermark import new_view_id, watermark
from schoolalert.audit import services as audit
from schoolalert.consent.eligibility import eligible_staff_clause
from schoolalert.crypto.aead import associated_data, image_aad
from schoolalert.database import utcnow
from schoolalert.errors import NotFound
from schoolalert.events import AlertViewed
from schoolalert.extensions import db
from schoolalert.notifications.models import Notification, NotificationKind

VIEWABLE = frozenset({AlertStatus.DRAFT, AlertStatus.SUBMITTED, AlertStatus.PUBLISHED})


def live_for_school_clause(school_id: int) -> ColumnElement[bool]:
    return (
        (Alert.status == AlertStatus.PUBLISHED)
        & (Alert.expires_at > utcnow())
        & exists().where(AlertRecipient.alert_id == Alert.id, AlertRecipient.school_id == school_id)
    )


def staff_alerts(user: User) -> list[Alert]:
    """The live alerts of the user's school, newest first (empty when I1 says no)."""
    if user.role != Role.SCHOOL_STAFF or user.school_id is None:
        return []
    return list(db.session.scalars(_staff_alerts_query(), _staff_parameters(user)))


def staff_alert(user: User, alert_id: int) -> Alert:
    """One live alert of the user's school, or NotFound — whatever the reason."""
    if user.role != Role.SCHOOL_STAFF or user.school_id is None:
        raise NotFound("no such alert")
    alert = db.session.scalar(
        _staff_alert_query(), _staff_parameters(user) | {"alert_id": alert_id}
    )
    if alert is None:
        raise NotFound("no such alert")
    return alert


# The alert's conditions and the person's (:func:`eligible_staff_clause`) are asked in one query,
# built once per process: every page and image of the staff surge asks one of these two.


def _live_for_staff() -> ColumnElement[bool]:
    return (
        (Alert.status == AlertStatus.PUBLISHED)
        & (Alert.expires_at > bindparam("now"))
        & exists().where(
            AlertRecipient.alert_id == Alert.id,
            AlertRecipient.school_id == bindparam("school_id"),
        )
        & exists().where(User.id == bindparam("user_id"), eligible_staff_clause())
    )


def _staff_parameters(user: User) -> dict[str, Any]:
    return {"user_id": user.id, "school_id": user.school_id, "now": utcnow()}


@cache
def _staff_alerts_query() -> Select[tuple[Alert]]:
    return select(Alert).where(_live_for_staff()).order_by(Alert.id.desc())


@cache
def _staff_alert_query() -> Select[tuple[Alert]]:
    return select(Alert).where(Alert.id == bindparam("alert_id"), _live_for_staff())


def view_alert(user: User, alert_id: int) -> Alert:
    """A staff member opens a live alert (page or API): :func:`staff_alert`, and the
    ``AlertViewed`` event for plugins."""
    alert = staff_alert(user, alert_id)
    assert user.school_id is not None
    current_app.extensions["schoolalert.plugins"].track_event(
        AlertViewed(actor_id=user.id, alert_id=alert.id, school_id=user.school_id)
    )
    return alert


def _received_clause(user: User) -> ColumnElement[bool]:
    """Alerts that reached this staff member: published to their school and mailed to them,
    or seen or answered by them (also after the alert ended)."""
    return (
        Alert.approved_at.is_not(None)
        & exists().where(
            AlertRecipient.alert_id == Alert.id, AlertRecipient.school_id == user.school_id
        )
        & (
            exists().where(
                Notification.alert_id == Alert.id,
                Notification.user_id == user.id,
                Notification.kind == NotificationKind.PUBLISHED,
            )
            | exists().where(AlertView.alert_id == Alert.id, AlertView.user_id == user.id)
            | exists().where(Response.alert_id == Alert.id, Response.user_id == user.id)
            | live_for_school_clause(user.school_id or 0)
        )
    )


def received_alerts(user: User) -> list[Alert]:
    """Every alert the staff member received, live or ended, newest first.

    Only ids, numbers and times of these may be shown: an ended alert's content is gone, and a
    live alert's content is shown only through :func:`staff_alert`.
    """
    if user.role != Role.SCHOOL_STAFF or not user.active or user.school_id is None:
        return []
    return list(
        db.session.scalars(select(Alert).where(_received_clause(user)).order_by(Alert.id.desc()))
    )


def received_alert(user: User, alert_id: int) -> Alert:
    """One alert the staff member received (live or ended), or NotFound — whatever the reason."""
    if user.role != Role.SCHOOL_STAFF or not user.active or user.school_id is None:
        raise NotFound("no such alert")
    alert = db.session.scalar(select(Alert).where(Alert.id == alert_id, _received_clause(user)))
    if alert is None:
        raise NotFound("no such alert")
    return alert


def has_ended(alert: Alert) -> bool:
    """Closed, or past its end date."""
    return alert.status == AlertStatus.CLOSED or (
        alert.expires_at is not None and alert.expires_at <= utcnow()
    )


def readable_alert(user: User, alert_id: int) -> Alert:
    """An alert whose images the user may see: staff by I1, police while not closed."""
    if user.role == Role.SCHOOL_STAFF:
        return staff_alert(user, alert_id)
    alert = police_alert(user, alert_id)
    if alert.status not in VIEWABLE:
        raise NotFound("no such alert")
    return alert


def read_description(user: User, alert: Alert) -> str | None:
    """The description, decrypted for ``user`` and recorded like an image view; None once
    destroyed. The one way to read it (staff portal and API, police pages and API): the caller
    has already checked that ``user`` may see ``alert``."""
    if alert.description_sealed is None:
        return None
    text = (
        keys.image_cipher(alert.id)
        .decrypt(alert.description_sealed, associated_data("description", alert.id))
        .decode()
    )
    audit.record(
        "alert.description_read",
        actor=user,
        object_type="alert",
        object_id=alert.id,
        alert_id=alert.id,
        details={"school_id": user.school_id},
    )
    return text


@cache
def _image_query() -> Select[tuple[AlertImage, AlertKey]]:
    """Built once per process: every image view asks it."""
    return (
        select(AlertImage, AlertKey)
        .outerjoin(AlertKey, AlertKey.alert_id == AlertImage.alert_id)
        .where(AlertImage.id == bindparam("image_id"), AlertImage.alert_id == bindparam("alert_id"))
    )


@dataclass(frozen=True)
class ImageView:
    content: bytes
    view_id: str


def view_image(user: User, alert_id: int, image_id: int) -> ImageView:
    """Decrypt, watermark for this viewer and moment, record the view (audit: who/what/where)."""
    alert = readable_alert(user, alert_id)
    # The alert's key row comes along (and stays referenced while the cipher below asks the
    # session for it), so decrypting asks no more.
    found = db.session.execute(
        _image_query(), {"image_id": image_id, "alert_id": alert.id}
    ).one_or_none()
    image = found.AlertImage if found is not None else None
    if image is None or image.blob_name is None or image.destroyed_at is not None:
        raise NotFound("no such image")
    store = current_app.extensions["schoolalert.blobs"]
    plain = keys.image_cipher(alert.id).decrypt(
        store.get(image.blob_name), image_aad(alert.id, image.id)
    )
    viewed_at, view_id = utcnow(), new_view_id()
    content = watermark(
        plain,
        viewer_code=user.code,
        viewed_at=viewed_at,
        view_id=view_id,
        exercise=alert.exercise,
    )
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
                Notification.sent_at.is_not(None),  # mails actually sent
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
