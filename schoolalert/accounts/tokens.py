"""API bearer tokens: short-lived ones from sign-in, long-lived machine tokens from an admin.

Only the SHA-256 of a token is stored; the token itself is shown once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from schoolalert.accounts.models import ApiToken, TokenKind, User
from schoolalert.accounts.roles import POLICE_ROLES, Role
from schoolalert.audit import services as audit
from schoolalert.database import utcnow
from schoolalert.errors import InvalidInput, NotFound, PermissionDenied
from schoolalert.extensions import db

TOKEN_PREFIX = "sa_"  # noqa: S105 (a prefix, not a token)
TOUCH_INTERVAL = timedelta(minutes=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def issue_session_token(user: User) -> tuple[str, datetime]:
    """After e-mail + password + one-time code (``POST /api/v1/auth/token``)."""
    token, now = _new_token(), utcnow()
    expires_at = now + timedelta(minutes=current_app.config["API_TOKEN_MINUTES"])
    db.session.add(
        ApiToken(
            token_hash=_hash(token),
            user_id=user.id,
            kind=TokenKind.SESSION,
            created_at=now,
            expires_at=expires_at,
        )
    )
    audit.record(
        "token.issued",
        actor=user,
        object_type="user",
        object_id=user.id,
        details={"kind": "session"},
    )
    db.session.flush()
    return token, expires_at


def issue_machine_token(
    actor: User | None, user: User, *, days: int, label: str = ""
) -> tuple[str, ApiToken]:
    """A long-lived token for a police/OM system; ``actor`` None means the command line."""
    if actor is not None and actor.role != Role.ADMIN:
        raise PermissionDenied("only administrators issue machine tokens")
    if user.role not in POLICE_ROLES:
        raise InvalidInput("machine tokens are for admin, investigator and prosecutor accounts")
    if not user.active:
        raise InvalidInput("the account is deactivated")
    max_days = current_app.config["MACHINE_TOKEN_MAX_DAYS"]
    if not 1 <= days <= max_days:
        raise InvalidInput(f"days must be between 1 and {max_days}", field="days")
    token, now = _new_token(), utcnow()
    row = ApiToken(
        token_hash=_hash(token),
        user_id=user.id,
        kind=TokenKind.MACHINE,
        label=label[:100],
        created_at=now,
        expires_at=now + timedelta(days=days),
        created_by_id=actor.id if actor else None,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "token.issued",
        actor=actor,
        object_type="user",
        object_id=user.id,
        details={"kind": "machine", "token_id": row.id, "days": days},
    )
    return token, row


def user_for_token(token: str) -> User | None:
    """The active user behind a live token, or None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(token)))
    now = utcnow()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    user = db.session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    if row.last_used_at is None or now - row.last_used_at > TOUCH_INTERVAL:
        row.last_used_at = now
    return user


def live_tokens(viewer: User, user_id: int | None = None) -> list[ApiToken]:
    if viewer.role != Role.ADMIN:
        raise PermissionDenied("only administrators list tokens")
    query = select(ApiToken).where(ApiToken.revoked_at.is_(None), ApiToken.expires_at > utcnow())
    if user_id is not None:
        query = query.where(ApiToken.user_id == user_id)
    return list(db.session.scalars(query.order_by(ApiToken.created_at.desc())))


def revoke_token(actor: User | None, token_id: int) -> None:
    if actor is not None and actor.role != Role.ADMIN:
        raise PermissionDenied("only administrators revoke tokens")
    row = db.session.get(ApiToken, token_id)
    if row is None or row.revoked_at is not None:
        raise NotFound("no such token")
    row.revoked_at = utcnow()
    audit.record(
        "token.revoked",
        actor=actor,
        object_type="token",
        object_id=row.id,
        details={"user_id": row.user_id},
    )
    db.session.flush()


def revoke_all_tokens(user_id: int) -> None:
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
