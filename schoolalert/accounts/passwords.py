"""Passwords: argon2id hashes and the choice rules of NIST SP 800-63B §3.1.1.2.

At least 12 characters, up to 128, no composition rules, compared exactly as typed (no
trimming or case folding), refused when common or built from context words.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 12
MAX_LENGTH = 128
CONTEXT_WORDS = frozenset(
    {
        "schoolalert", "politie", "police", "school", "basisschool", "wachtwoord", "password",
        "welkom", "welcome", "geheim", "openbaarministerie", "justitie", "officier", "leraar",
        "juf", "meester", "nederland",
    }
)  # fmt: skip
_SEPARATORS = re.compile(r"[\W_]+")
_EDGE_NOISE = re.compile(r"^[\d\W_]+|[\d\W_]+$")


class PasswordRejected(ValueError):
    """The password breaks a rule; ``reason`` is a translatable sentence."""

    def __init__(self, reason: str) -> None:
        super().__init__(str(reason))
        self.reason = reason


def hasher() -> PasswordHasher:
    """argon2id with the configured cost (RFC 9106 second recommendation by default)."""
    config = current_app.config
    return _hasher(
        config["PASSWORD_HASH_TIME_COST"],
        config["PASSWORD_HASH_MEMORY_KIB"],
        config["PASSWORD_HASH_PARALLELISM"],
    )


@cache
def _hasher(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Constant work whether or not there is a hash, so timing reveals no unknown accounts."""
    if stored_hash is None:
        hash_password(password)
        return False
    try:
        return hasher().verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return hasher().check_needs_rehash(stored_hash)


def check_password_choice(password: str, *, email: str = "", name: str = "") -> None:
    """Raise :class:`PasswordRejected` when the password may not be chosen."""
    if len(password) < MIN_LENGTH:
        raise PasswordRejected(_l("Use at least %(count)d characters.", count=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        raise PasswordRejected(_l("Use at most %(count)d characters.", count=MAX_LENGTH))
    lowered = password.lower()
    if len(set(lowered)) <= 2 or _is_repetition(lowered):
        raise PasswordRejected(_l("This password repeats the same characters."))
    core = _EDGE_NOISE.sub("", lowered)
    if lowered in common_passwords() or core in common_passwords():
        raise PasswordRejected(_l("This password is too common. Choose another one."))
    local_part = email.split("@")[0].lower()
    personal = {
        _SEPARATORS.sub("", local_part),
        _SEPARATORS.sub("", name.lower()),
        *_SEPARATORS.split(f"{local_part} {name.lower()}"),
    }
    words = CONTEXT_WORDS | {part for part in personal if len(part) >= 4}
    if _SEPARATORS.sub("", core) in words:
        raise PasswordRejected(
            _l("This password is made of a name or a word of this service. Choose another one.")
        )


def _is_repetition(text: str) -> bool:
    """``passwordpassword``, ``abcabcabcabc``: a short piece said several times."""
    return any(
        len(text) % size == 0 and text == text[:size] * (len(text) // size)
        for size in range(1, len(text) // 2 + 1)
    )


@cache
def common_passwords() -> frozenset[str]:
    text = (
        resources.files("schoolalert.accounts")
        .joinpath("data/common-passwords.txt")
        .read_text(encoding="utf-8")
    )
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))
