"""Error pages (HTML) and error documents (JSON under /api/), never with a traceback."""

from __future__ import annotations

from flask import Flask, jsonify, render_template
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, InternalServerError, NotFound
from werkzeug.wrappers import Response

from schoolalert.errors import DomainError
from schoolalert.permissions import is_api_request

ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}

PAGE_TITLES = {
    400: _l("The request could not be understood"),
    401: _l("Please sign in"),
    403: _l("You may not do this"),
    404: _l("Page not found"),
    405: _l("This action is not possible here"),
    409: _l("This conflicts with the current state"),
    410: _l("This is no longer available"),
    413: _l("The upload is too large"),
    415: _l("This type of file is not accepted"),
    422: _l("The data could not be processed"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong"),
    503: _l("Temporarily unavailable"),
}

API_MESSAGES = {
    401: _l("Authentication required: send Authorization: Bearer TOKEN."),
    403: _l("Your role may not do this."),
    404: _l("Not found."),
    405: _l("This method is not allowed here."),
    500: _l("Internal error; it has been logged."),
    503: _l("Temporarily unavailable."),
}

PAGE_MESSAGES = {
    404: _l("This page does not exist, or you have no access to it."),
    429: _l("Please wait a moment and try again."),
    500: _l("The error has been logged. Please try again later."),
}


class ApiError(HTTPException):
    """An API error with a machine-readable code and a human message."""

    def __init__(self, status: int, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(description=message)
        self.code = status
        self.error_code = code
        self.field = field


def error_response(status: int, code: str, message: str, field: str | None = None) -> Response:
    error = {"code": code, "message": message}
    if field:
        error["field"] = field
    response = jsonify({"error": error})
    response.status_code = status
    return response


def handle_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    if is_api_request():
        code = getattr(error, "error_code", None) or ERROR_CODES.get(status, "error")
        response = error_response(
            status, code, _api_message(error, status), getattr(error, "field", None)
        )
    else:
        response = Response(
            render_template(
                "error.html",
                status=status,
                title=PAGE_TITLES.get(status, error.name),
                message=_page_message(error, status),
            ),
            status=status,
            mimetype="text/html",
        )
    for name, value in error.get_headers():
        if name.lower() != "content-type":  # Allow, Retry-After, WWW-Authenticate
            response.headers[name] = value
    return response


def handle_domain_error(error: DomainError) -> Response:
    """A service refused: the same status and message on the web and in the API."""
    if error.status == 404:
        return handle_http_exception(NotFound())  # never more than "not found"
    return handle_http_exception(
        ApiError(error.status, error.code, error.message, field=error.field)
    )


def handle_server_error(error: InternalServerError) -> Response:
    """Flask has logged the original exception; the answer says nothing about it."""
    return handle_http_exception(InternalServerError())


def _api_message(error: HTTPException, status: int) -> str:
    if isinstance(error, ApiError) or status not in API_MESSAGES:
        return str(error.description)
    return str(API_MESSAGES[status])


def _page_message(error: HTTPException, status: int) -> str:
    if status in PAGE_MESSAGES:
        return str(PAGE_MESSAGES[status])
    if isinstance(error, ApiError) or status in (400, 409, 413, 415, 422):
        return str(error.description)
    return ""


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(InternalServerError, handle_server_error)
    app.register_error_handler(DomainError, handle_domain_error)
