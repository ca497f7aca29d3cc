"""One unit of work per request: the request commits once, at its end, or rolls back.

Views, API endpoints and services never commit; services ``flush()``. At the end of every
request this module decides, from the response:

- **below 400** (a page, a redirect, a JSON answer): commit. Only then does the work the
  request enqueued start (:func:`schoolalert.transaction.commit`, PRODUCT I8);
- **400 and above**, and any exception: roll back, so a refused or failed request leaves
  nothing half-written;
- **a refusal on record**: a few refusals must themselves be kept — a failed sign-in attempt
  writes an audit entry (the trail of password guessing) and answers 401. The edge that answers
  such a refusal calls :func:`keep_refusal` first, on a path where the refusal's own record is
  the only thing written; then the request commits despite its status.

A view that catches a refused service call (a bad field, a rejected upload, a refused button)
rolls back the refused attempt itself (:func:`schoolalert.transaction.rollback`) before it shows
the page again or redirects: the page shows the state from before the attempt, and a refusal
answered below 400 (a form shown again with its error, a redirect with a message) commits
nothing of it.

The request loader's own writes (a session's last-seen time, a session ended by a timeout, a
token's last use) are part of the request's unit of work: an error response rolls them back,
and the next request writes them again.
"""

from __future__ import annotations

from flask import Flask, g
from werkzeug.wrappers import Response

from schoolalert.transaction import commit, rollback

_KEEP_REFUSAL = "schoolalert_keep_refusal"


def keep_refusal() -> None:
    """Commit this request although it answers with an error (see the module docstring)."""
    setattr(g, _KEEP_REFUSAL, True)


def end_request(response: Response) -> Response:
    """``after_request``: commit or roll back, by the response (a failed commit answers 500)."""
    if response.status_code < 400 or g.pop(_KEEP_REFUSAL, False):
        commit()
    else:
        rollback()
    return response


def discard_on_error(error: BaseException | None) -> None:
    """``teardown_request``: whatever an exception left behind is rolled back."""
    if error is not None:
        rollback()


def init_app(app: Flask) -> None:
    # Registered before every other after_request function, so it runs after all of them.
    app.after_request(end_request)
    app.teardown_request(discard_on_error)
