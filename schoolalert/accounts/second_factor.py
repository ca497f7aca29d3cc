"""Second factors: TOTP (RFC 6238) with replay protection, and single-use recovery codes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

import pyotp
import segno
from markupsafe import Markup
from sqlalchemy import func, select, update

from schoolalert.accounts.models import Authenticator, AuthenticatorKind, RecoveryCode, User
from schoolalert.crypto.sealing import purpose_key, seal, unseal
from schoolalert.database import utcnow
from schoolalert.extensions import db

ISSUER = "Schoolalert"
TOTP_STEP = 30
TOTP_DRIFT_STEPS = 1  # accept the previous and next 30-second window for clock drift
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I confusion


@dataclass(frozen=True)
class Enrolment:
    authenticator_id: int
    secret: str
    provisioning_uri: str

    @property
    def grouped_secret(self) -> str:
        """The key in groups of four, as authenticator apps accept it typed."""
        return " ".join(self.secret[i : i + 4] for i in range(0, len(self.secret), 4))

    def qr_svg(self) -> Markup:
        """The provisioning URI as an inline SVG QR code, drawn by the app (no external service)."""
        qr = segno.make(self.provisioning_uri, error="m")
        svg = qr.svg_inline(scale=4, dark="#000", light="#fff", omitsize=True)
        return Markup(svg)  # noqa: S704 (segno's own SVG output, no user input)


def has_confirmed_factor(user: User) -> bool:
    return any(factor.confirmed_at is not None for factor in user.authenticators)


def begin_totp_enrolment(user: User) -> Enrolment:
    """A fresh, unconfirmed TOTP secret; earlier unconfirmed ones are dropped."""
    for factor in list(user.authenticators):
        if factor.confirmed_at is None:
            user.authenticators.remove(factor)
    secret = pyotp.random_base32(length=32)
    factor = Authenticator(kind=AuthenticatorKind.TOTP)
    user.authenticators.append(factor)
    db.session.flush()
    factor.secret_sealed = _seal_secret(factor, secret)
    db.session.flush()
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return Enrolment(factor.id, secret, uri)


def enrolment_for(user: User, authenticator_id: int) -> Enrolment | None:
    """Show the pending enrolment again (a page reload must not make a new secret)."""
    factor = _factor(user, authenticator_id)
    if factor is None or factor.confirmed_at is not None:
        return None
    secret = _open_secret(factor)
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return Enrolment(factor.id, secret, uri)


def set_confirmed_totp(user: User, secret: str) -> None:
    """Give the user a TOTP factor with a known secret (``users create --totp-secret``)."""
    pyotp.TOTP(secret).now()  # raises for a secret that is not base32
    user.authenticators.clear()
    factor = Authenticator(kind=AuthenticatorKind.TOTP, confirmed_at=utcnow())
    user.authenticators.append(factor)
    db.session.flush()
    factor.secret_sealed = _seal_secret(factor, secret)
    db.session.flush()


def confirm_totp_enrolment(user: User, authenticator_id: int, code: str) -> bool:
    factor = _factor(user, authenticator_id)
    if factor is None or factor.confirmed_at is not None or not _accept_code(factor, code):
        return False
    factor.confirmed_at = utcnow()
    for other in list(user.authenticators):
        if other is not factor and other.kind == AuthenticatorKind.TOTP:
            user.authenticators.remove(other)  # one TOTP factor at a time
    db.session.flush()
    return True


def verify_totp(user: User, code: str) -> bool:
    """True when ``code`` is current for a confirmed factor and was not used before."""
    return any(
        _accept_code(factor, code)
        for factor in user.authenticators
        if factor.kind == AuthenticatorKind.TOTP and factor.confirmed_at is not None
    )


def remove_second_factors(user: User) -> None:
    """An administrator's reset: the user enrols again at the next sign-in."""
    user.authenticators.clear()
    db.session.execute(db.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.flush()


def new_recovery_codes(user: User) -> list[str]:
    """Ten fresh codes (shown once); earlier codes stop working."""
    db.session.execute(db.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [
        "-".join("".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(5)) for _ in range(2))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_code_hash(code)) for code in codes)
    db.session.flush()
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    """Spend a recovery code; each works once."""
    normalised = code.strip().upper().replace(" ", "")
    if len(normalised) == 10:
        normalised = f"{normalised[:5]}-{normalised[5:]}"
    spent = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _code_hash(normalised),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )
    return spent.rowcount == 1


def remaining_recovery_codes(user: User) -> int:
    return db.session.scalar(
        select(func.count()).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def _accept_code(factor: Authenticator, code: str) -> bool:
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return False
    totp = pyotp.TOTP(_open_secret(factor))
    now_step = int(time.time()) // TOTP_STEP
    for step in range(now_step - TOTP_DRIFT_STEPS, now_step + TOTP_DRIFT_STEPS + 1):
        if step <= factor.last_used_step:
            continue  # replay, or older than the last accepted code
        if hmac.compare_digest(totp.at(step * TOTP_STEP), code):
            # Conditional update: two requests racing with the same code cannot both win.
            won = db.session.execute(
                update(Authenticator)
                .where(Authenticator.id == factor.id, Authenticator.last_used_step < step)
                .values(last_used_step=step)
                .execution_options(synchronize_session="fetch")
            )
            return won.rowcount == 1
    return False


def _factor(user: User, authenticator_id: int) -> Authenticator | None:
    return next((f for f in user.authenticators if f.id == authenticator_id), None)


def _seal_secret(factor: Authenticator, secret: str) -> bytes:
    return seal("totp", secret.encode(), _binding(factor))


def _open_secret(factor: Authenticator) -> str:
    assert factor.secret_sealed is not None
    return unseal("totp", factor.secret_sealed, _binding(factor)).decode()


def _binding(factor: Authenticator) -> bytes:
    return f"totp:{factor.user_id}:{factor.id}".encode()


def _code_hash(code: str) -> str:
    key = purpose_key("recovery-codes")
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()
