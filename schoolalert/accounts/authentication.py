"""Signing in and out: the rules and their audit, one service for the web pages and the API.

The web signs in in two steps (password, then the second factor on the next page); the token
endpoint takes both at once. Both go through these functions, so a failed attempt is audited the
same way (``sign_in.failed`` with its stage, never the password or code) wherever it happens.
A failed attempt writes only its audit entry: the edge answers 401 and keeps that entry
(:func:`schoolalert.web.unit_of_work.keep_refusal`).
"""

from __future__ import annotations

from enum import StrEnum

from flask import current_app
from sqlalchemy import update

from schoolalert.accounts import notices, second_factor
from schoolalert.accounts.models import User
from schoolalert.accounts.passwords import hash_password, needs_rehash, verify_password
from schoolalert.accounts.services import find_user_by_email
from schoolalert.audit import services as audit
from schoolalert.database import utcnow
from schoolalert.extensions import db


class Channel(StrEnum):
    """Where an attempt comes from; the API's stages are prefixed ``api_`` in the audit trail."""

    WEB = "web"
    API = "api"


def check_credentials(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None — the same work either way."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        verify_password(None, password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def check_password(email: str, password: str, channel: Channel) -> User | None:
    """The user, when the e-mail and password are right; otherwise the failure is audited.

    Through the API a user must already have a second factor (enrolment is a web page).
    """
    user = check_credentials(email, password)
    if user is None or (channel is Channel.API and not second_factor.has_confirmed_factor(user)):
        record_sign_in_failure(email, _stage(channel, "password"))
        return None
    return user


def check_second_factor(user: User, code: str, channel: Channel) -> bool:
    """A current TOTP code or an unused recovery code; otherwise the failure is audited.

    Wrong codes are counted per account, whatever the address or session they come from; at
    ``SECOND_FACTOR_MAX_FAILURES`` in a row the second factor locks (no code is accepted, not
    even a right one) until a board admin or an administrator lifts it. A right code resets
    the count.
    """
    if user.second_factor_locked_at is None and (
        second_factor.verify_totp(user, code) or second_factor.use_recovery_code(user, code)
    ):
        if user.second_factor_failures:
            user.second_factor_failures = 0
            db.session.flush()
        return True
    record_sign_in_failure(user.email, _stage(channel, "second_factor"))
    if user.second_factor_locked_at is None:
        _count_second_factor_failure(user)
    return False


def is_second_factor_locked(user: User) -> bool:
    return user.second_factor_locked_at is not None


def _count_second_factor_failure(user: User) -> None:
    """One more wrong code (a conditional update: parallel guesses all count); lock at the limit."""
    db.session.execute(
        update(User)
        .where(User.id == user.id)
        .values(second_factor_failures=User.second_factor_failures + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(user, ["second_factor_failures"])
    if user.second_factor_failures < current_app.config["SECOND_FACTOR_MAX_FAILURES"]:
        return
    locked = db.session.execute(
        update(User)
        .where(User.id == user.id, User.second_factor_locked_at.is_(None))
        .values(second_factor_locked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(user, ["second_factor_locked_at"])
    if locked.rowcount == 1:
        audit.record(
            "user.second_factor_locked",
            actor=None,
            object_type="user",
            object_id=user.id,
            details={"failures": user.second_factor_failures},
        )
        notices.queue_notice(user, notices.SECOND_FACTOR_LOCKED)


def confirm_enrolment(user: User, authenticator_id: int, code: str) -> list[str] | None:
    """Confirm a new TOTP factor with its first code: the new recovery codes, or None."""
    if not second_factor.confirm_totp_enrolment(user, authenticator_id, code):
        return None
    codes = second_factor.new_recovery_codes(user)
    audit.record(
        "user.second_factor_enrolled",
        actor=user,
        object_type="user",
        object_id=user.id,
        details={"kind": "totp"},
    )
    return codes


def renew_recovery_codes(user: User) -> list[str]:
    codes = second_factor.new_recovery_codes(user)
    audit.record("user.recovery_codes_renewed", actor=user, object_type="user", object_id=user.id)
    return codes


def signed_in(user: User) -> None:
    """Audit a completed web sign-in (the caller has started the session)."""
    audit.record("sign_in.succeeded", actor=user, object_type="user", object_id=user.id)


def signed_out(user: User, *, everywhere: bool = False) -> None:
    """Audit a sign-out (the caller has ended the session, or every session)."""
    action = "sign_out.everywhere" if everywhere else "sign_out"
    audit.record(action, actor=user, object_type="user", object_id=user.id)


def record_sign_in_failure(email: str, stage: str) -> None:
    """Audit a failed attempt without the password or code; the account if it exists."""
    user = find_user_by_email(email)
    audit.record(
        "sign_in.failed",
        actor=None,
        object_type="user" if user else None,
        object_id=user.id if user else None,
        details={"stage": stage},
    )


def _stage(channel: Channel, stage: str) -> str:
    return stage if channel is Channel.WEB else f"api_{stage}"
