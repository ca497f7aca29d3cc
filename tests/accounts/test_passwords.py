"""Password rules (NIST SP 800-63B) and argon2id hashing."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from schoolalert.accounts.passwords import (
    PasswordRejected,
    check_password_choice,
    common_passwords,
    hash_password,
    verify_password,
)


@pytest.mark.parametrize(
    "password",
    [
        "short pass",  # 10 characters
        "x" * 129,
        "aaaaaaaaaaaaaaa",
        "abababababababab",
        "passwordpassword",  # common (zxcvbn list)
        "1qaz2wsx3edc4rfv",
        "Schoolalert2026!",  # context word with digits and symbols around it
        "wachtwoord12345",
        "Marieke.Jansen99",  # the user's own name
    ],
)
def test_weak_passwords_are_refused(password):
    with pytest.raises(PasswordRejected):
        check_password_choice(password, email="m.jansen@school.example", name="Marieke Jansen")


@pytest.mark.parametrize(
    "password",
    [
        "twelve chars",
        "correct horse battery staple",
        "x" * 100 + "yz" + "w" * 26,
        "Fiets 🚲 regen ☔ wind",
    ],
)
def test_good_passwords_are_accepted_without_composition_rules(password):
    check_password_choice(password, email="m.jansen@school.example", name="Marieke Jansen")


def test_the_block_list_is_shipped():
    assert len(common_passwords()) >= 29000
    assert "password" in common_passwords()


def test_hashes_are_argon2id_and_compared_exactly(app):
    with app.app_context():
        stored = hash_password("correct horse battery staple")
        assert stored.startswith("$argon2id$")
        assert verify_password(stored, "correct horse battery staple")
        assert not verify_password(stored, "correct horse battery staple ")  # no trimming
        assert not verify_password(stored, "Correct horse battery staple")  # no case folding
        assert not verify_password(None, "anything")


def test_production_cost_is_rfc_9106_second_recommendation(app_config):
    from schoolalert.config import DEFAULTS

    assert (DEFAULTS["PASSWORD_HASH_TIME_COST"], DEFAULTS["PASSWORD_HASH_MEMORY_KIB"]) == (3, 65536)
    hasher = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4)
    assert hasher.hash("x" * 12).startswith("$argon2id$v=19$m=65536,t=3,p=4$")
