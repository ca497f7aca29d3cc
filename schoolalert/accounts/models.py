"""User accounts, their second factors, sessions, API tokens and one-time links."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from schoolalert.accounts.roles import Role
from schoolalert.database import str_enum, utcnow
from schoolalert.extensions import db
from schoolalert.schools.models import Board, School


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # None until the user chose a password (an invited user has none yet).
    password_hash: Mapped[str | None] = mapped_column(String(200))
    password_changed_at: Mapped[datetime | None]
    deactivated_at: Mapped[datetime | None]
    last_sign_in_at: Mapped[datetime | None]
    language: Mapped[str] = mapped_column(String(5), default="nl")
    # Consecutive wrong second-factor codes, over every address and session; at the limit
    # (SECOND_FACTOR_MAX_FAILURES) the second factor locks until a board admin or an
    # administrator lifts it (NIST SP 800-63B 5.2.2).
    second_factor_failures: Mapped[int] = mapped_column(default=0, server_default="0")
    second_factor_locked_at: Mapped[datetime | None]
    # Staff belong to one school location, board admins to one board (PRODUCT §2).
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    board_id: Mapped[int | None] = mapped_column(ForeignKey("boards.id"), index=True)

    authenticators: Mapped[list[Authenticator]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    school: Mapped[School | None] = relationship()
    board: Mapped[Board | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def code(self) -> str:
        """A short, non-personal reference to this user (watermarks, exports)."""
        return f"U{self.id:06d}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role.value}>"


class AuthenticatorKind(StrEnum):
    TOTP = "totp"
    # WEBAUTHN = "webauthn" fits the same table: credential id and public key go in ``data``.


class Authenticator(db.Model):
    """A second factor of a user. TOTP now; the shape leaves room for WebAuthn."""

    __tablename__ = "authenticators"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[AuthenticatorKind] = mapped_column(str_enum(AuthenticatorKind))
    # The TOTP secret, sealed with a key derived from the master key.
    secret_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The last TOTP time step accepted: a code is never accepted twice.
    last_used_step: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="authenticators")


class RecoveryCode(db.Model):
    """A single-use recovery code, stored as a keyed hash (the codes are random, not chosen)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


class UserSession(db.Model):
    """A signed-in web session; the cookie holds only its random id (revocable server-side)."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    client_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(200))
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(40))


class TokenKind(StrEnum):
    SESSION = "session"  # from POST /api/v1/auth/token, short-lived
    MACHINE = "machine"  # issued by an administrator for a police/OM system


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[TokenKind] = mapped_column(str_enum(TokenKind, length=10))
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class LinkPurpose(StrEnum):
    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"  # noqa: S105 (a purpose, not a password)


class OneTimeLink(db.Model):
    """An invitation or password-reset link: single use, expiring, token stored hashed.

    The token is made when the mail is sent (by the outbox task), so it never sits in the
    database or the outbox in readable form.
    """

    __tablename__ = "one_time_links"
    __table_args__ = (Index("ix_one_time_links_user_purpose", "user_id", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[LinkPurpose] = mapped_column(str_enum(LinkPurpose))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    used_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
