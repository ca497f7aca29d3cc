"""Domain errors raised by services; the web and API layers turn them into responses."""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    """Unknown — or not visible to this user, which must look exactly the same."""

    status = 404
    code = "not_found"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    """The request does not fit the object's current state (e.g. approving twice)."""

    status = 409
    code = "conflict"


class InvalidInput(DomainError):
    """Bad input; ``field`` and ``message`` are the first problem, ``problems`` every one found
    (``(field, message)`` pairs) so that a form can show them all at once."""

    status = 422
    code = "unprocessable"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        problems: list[tuple[str | None, str]] | None = None,
    ) -> None:
        super().__init__(message, field=field)
        self.problems = problems or [(field, message)]


class Unresolvable(InvalidInput):
    """Well-formed input — as the OpenAPI document describes it — that names what the current
    data cannot resolve: an unknown school location or municipality, a terms version that was
    never published, a circle that reaches no part of the country. A 422 with its own code, so
    a client can tell a typing error from a stale reference."""

    code = "unresolvable"
