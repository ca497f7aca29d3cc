"""Per-request identity for logs and the audit trail: request id and client address."""

from __future__ import annotations

import re
import uuid

from flask import g, request
from werkzeug.wrappers import Response

from schoolalert.origin import Origin, set_origin

REQUEST_ID_HEADER = "X-Request-ID"
_ACCEPTABLE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def assign_request_id() -> None:
    """Keep a well-formed id from the load balancer, otherwise make one; with the client's
    address it is the origin the services see for this request (:mod:`schoolalert.origin`)."""
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = offered if _ACCEPTABLE_ID.match(offered) else uuid.uuid4().hex
    set_origin(Origin(client_address=request.remote_addr, request_id=g.request_id))


def add_request_id_header(response: Response) -> Response:
    if "request_id" in g:
        response.headers[REQUEST_ID_HEADER] = g.request_id
    return response
