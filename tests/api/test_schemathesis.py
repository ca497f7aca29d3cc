"""Schemathesis over /api/v1/openapi.json, for every role with its own token (and without one).

A bounded number of examples per operation keeps the run to a few minutes. The checks: no
server error, no status the document does not list, and no response that breaks its schema
or declared content type.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from schoolalert.accounts.roles import Role

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 10
NEGATIVE_CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance]
ROLES = [Role.ADMIN, Role.INVESTIGATOR, Role.PROSECUTOR, Role.BOARD_ADMIN, Role.SCHOOL_STAFF]


@pytest.fixture
def role_headers(app, make_user, make_board, make_school, bearer):
    board = make_board()
    school = make_school(board)
    users = {
        Role.ADMIN: make_user("admin"),
        Role.INVESTIGATOR: make_user("investigator"),
        Role.PROSECUTOR: make_user("prosecutor"),
        Role.BOARD_ADMIN: make_user("board_admin", board_id=board.id),
        Role.SCHOOL_STAFF: make_user("school_staff", school_id=school.id),
    }
    return [bearer(users[role]) for role in ROLES] + [{}]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_keeps_to_its_document(app, role_headers, mode):
    """Valid requests (every check) and invalid ones (no server error, a listed status)."""
    checks = CHECKS if mode is GenerationMode.POSITIVE else NEGATIVE_CHECKS
    api = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    calls: list[int] = []
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) > 20

    for operation in operations:

        @given(case=operation.as_strategy(mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def exercise(case):
            for headers in role_headers:
                response = case.call_and_validate(headers=headers, checks=checks)
                calls.append(response.status_code)

        try:
            exercise()
        except Unsatisfiable:
            continue  # nothing to make invalid: an operation without parameters or body
        except Exception as failure:  # collected: one report for every operation
            failures.append(f"{operation.label}: {str(failure)[:600]}")
    assert not failures, "\n\n".join(failures)
    statuses = sorted(set(calls))
    print(f"schemathesis: {len(operations)} operations, {len(calls)} calls, statuses {statuses}")
    assert len(calls) >= len(operations) * len(role_headers)
    assert {401, 404, 422} <= set(calls)
