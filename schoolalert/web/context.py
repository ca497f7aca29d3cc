"""Per-request identity for logs and the audit trail: request id and client address."""

from __future__ import annotations

import re
import uuid

from flask import g, has_app_context, has_request_context, request
from werkzeug.wrappers import Response

REQUEST_ID_HEADER = "X-Request-ID"
_ACCEPTABLE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def assign_request_id() -> None:
    """Keep a well-formed id from the load balancer, otherwise make one."""
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = offered if _ACCEPTABLE_ID.match(offered) else uuid.uuid4().hex


def add_request_id_header(response: Response) -> Response:
    if "request_id" in g:
        response.headers[REQUEST_ID_HEADER] = g.request_id
    return response


def current_request_id() -> str | None:
    return g.get("request_id") if has_app_context() else None


def client_address() -> str | None:
    """The client's address as the (proxy-corrected) request sees it; ``cli`` outside requests."""
    if has_request_context():
        return request.remote_addr
    return "cli"
