"""Where the work of this moment comes from: the client's address and the request id.

The edge sets it once — the web layer for each request (:mod:`schoolalert.web.context`), the
application for every other app context (a command, a job: ``cli`` and one ``job-…`` id per app
context) — and the services read it (the audit trail, the session table) without knowing about
HTTP. It is a context variable, so it follows the request, command or job it belongs to.
"""

from __future__ import annotations

import uuid
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Origin:
    #: The client's (proxy-corrected) address for a request; ``cli`` for commands and jobs.
    client_address: str | None
    #: The id that groups what one request, command or job wrote (logs, audit trail).
    request_id: str

    @classmethod
    def outside_requests(cls) -> Origin:
        """A command or a job: no client address, a fresh id."""
        return cls(client_address="cli", request_id="job-" + uuid.uuid4().hex)


_current: ContextVar[Origin | None] = ContextVar("schoolalert_origin", default=None)


def set_origin(origin: Origin) -> None:
    """Called by the edge only: at the start of a request, or when an app context is pushed."""
    _current.set(origin)


def current_origin() -> Origin:
    """The origin the edge set; outside any, a fresh one for commands and jobs."""
    return _current.get() or Origin.outside_requests()
