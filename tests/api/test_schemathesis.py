"""Schemathesis over /api/v1/openapi.json, for every role with its own token (and without one).

A bounded number of examples per operation keeps the run to a few minutes. Every check
schemathesis has runs: no server error, no status the document does not list, no response that
breaks its schema or content type, no schema-valid request refused and no schema-invalid one
accepted, authentication not ignored.

One refusal of schema-valid data is by design: a well-formed value that names nothing the
database knows (a school code of the right shape that no school has) is a 422 with the error
code ``unresolvable`` — the document describes the form of a code, not which codes exist.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import positive_data_acceptance

from schoolalert.accounts.roles import Role
from schoolalert.plugin_admin import services as plugin_admin
from schoolalert.transaction import commit

EXAMPLES = 10
HEADER = ParameterLocation.HEADER
BUNDLED_PLUGINS = ["regional", "referral"]
ROLES = [Role.ADMIN, Role.INVESTIGATOR, Role.PROSECUTOR, Role.BOARD_ADMIN, Role.SCHOOL_STAFF]


@pytest.fixture
def role_headers(app, make_user, make_board, make_school, bearer):
    """A token per role, with the bundled plugins on: their operations and selectors too."""
    with app.app_context():
        for name in BUNDLED_PLUGINS:
            plugin_admin.set_enabled(app.extensions["schoolalert.plugins"], name, True, actor=None)
        commit()
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


@schemathesis.check
def accepts_valid_data(ctx, response, case):
    """Schema-valid data is accepted — or names what does not exist (``unresolvable``)."""
    if response.status_code == 422 and _error_code(response) == "unresolvable":
        return None
    return positive_data_acceptance(ctx, response, case)


def _error_code(response):
    try:
        return response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_keeps_to_its_document(app, role_headers, mode):
    """Valid requests and invalid ones, for every role and without a token."""
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
            # A case whose headers were made invalid (the token left out) is sent as made.
            header_mutated = case.meta is not None and case.meta.is_negative_at(HEADER)
            for headers in [{}] if header_mutated else role_headers:
                response = case.call_and_validate(
                    headers=headers,
                    excluded_checks=[positive_data_acceptance],
                    additional_checks=[accepts_valid_data],
                )
                calls.append(response.status_code)

        try:
            exercise()
        except Unsatisfiable:
            continue  # nothing to make invalid: an operation without parameters or body
        except (Exception, BaseExceptionGroup) as failure:  # collected: one report each
            failures.append(f"{operation.label}: {str(failure)[:600]}")
    assert not failures, "\n\n".join(failures)
    statuses = sorted(set(calls))
    print(f"schemathesis: {len(operations)} operations, {len(calls)} calls, statuses {statuses}")
    assert len(calls) >= len(operations) * len(role_headers)
    assert {401, 404, 422} <= set(calls)
