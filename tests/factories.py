"""Factories for test data; each returns committed rows and takes only what a test cares about."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from schoolalert.accounts.models import User
from schoolalert.accounts.roles import Role
from schoolalert.extensions import db

_sequence = itertools.count(1)


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    def make(role: Role | str = Role.ADMIN, **fields: Any) -> User:
        number = next(_sequence)
        with app.app_context():
            user = User(
                email=fields.pop("email", f"user{number}@example.test"),
                name=fields.pop("name", f"Test User {number}"),
                role=Role(role),
                **fields,
            )
            db.session.add(user)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
        return user

    return make
