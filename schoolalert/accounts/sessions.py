"""Server-side web sessions: the cookie carries a random id; the row decides whether it lives.

This module holds the rows (a service); :mod:`schoolalert.accounts.web_session` keeps the id in
the Flask session cookie.

Idle limits are 15 minutes for police, OM and administrators and 30 minutes for everyone else;
no session lives longer than 12 hours (values in the configuration, see docs/security.md).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import cache

from flask import current_app
from sqlalchemy import Select, bindparam, select, update

from schoolalert.accounts.models import User, UserSession
from schoolalert.accounts.roles import POLICE_ROLES
from schoolalert.database import utcnow
from schoolalert.extensions import db
from schoolalert.origin import current_origin

TOUCH_INTERVAL = timedelta(seconds=60)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(user: User, user_agent: str) -> tuple[str, UserSession]:
    """A new session row for ``user``; the random id to put in the cookie, and the row."""
    token = secrets.token_urlsafe(32)
    row = UserSession(
        session_hash=token_hash(token),
        user_id=user.id,
        client_address=current_origin().client_address,
        user_agent=user_agent[:200],
    )
    db.session.add(row)
    user.last_sign_in_at = utcnow()
    db.session.flush()
    return token, row


def idle_limit(user: User) -> timedelta:
    config = current_app.config
    seconds = (
        config["SESSION_IDLE_POLICE"]
        if user.role in POLICE_ROLES
        else config["SESSION_IDLE_OTHERS"]
    )
    return timedelta(seconds=seconds)


def live_session(token: str) -> tuple[UserSession, User] | None:
    """The session row and user behind a cookie's id while the session lives, or None.

    A session past its idle or absolute limit, or of a deactivated user, is ended here (the
    request's unit of work commits that). A live one has its last-seen time touched, at most
    once a minute.
    """
    found = db.session.execute(_session_query(), {"session_hash": token_hash(token)}).one_or_none()
    if found is None or found.UserSession.ended_at is not None:
        return None
    row, user = found
    now = utcnow()
    reason = None
    if user is None or not user.active:
        reason = "deactivated"
    elif now - row.created_at > timedelta(seconds=current_app.config["SESSION_ABSOLUTE"]):
        reason = "absolute_timeout"
    elif now - row.last_seen_at > idle_limit(user):
        reason = "idle_timeout"
    if reason is not None or user is None:
        end_session(row, reason or "deactivated")
        return None
    if now - row.last_seen_at > TOUCH_INTERVAL:
        row.last_seen_at = now
    return row, user


@cache
def _session_query() -> Select[tuple[UserSession, User]]:
    """Built once per process: every request of a signed-in person asks it."""
    return (
        select(UserSession, User)
        .outerjoin(User, User.id == UserSession.user_id)
        .where(UserSession.session_hash == bindparam("session_hash"))
    )


def end_session(row: UserSession, reason: str) -> None:
    if row.ended_at is None:
        row.ended_at = utcnow()
        row.end_reason = reason


def end_all_sessions(user_id: int, reason: str) -> int:
    """End every live session of a user (sign out everywhere, deactivation, new password)."""
    result = db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def live_sessions(user: User) -> list[UserSession]:
    return list(
        db.session.scalars(
            select(UserSession)
            .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
            .order_by(UserSession.last_seen_at.desc())
        )
    )
