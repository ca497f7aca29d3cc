"""The rate limits the web pages and the API share, defined once (an edge module).

The limits themselves are settings (``LIMIT_*``, CONTRACT §2); each decorator here reads its
setting at request time, so a test or an operator can change it without a restart.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app

from schoolalert.accounts.auth import signed_in_user
from schoolalert.extensions import limiter


def config_limit(name: str) -> Callable[[], str]:
    """The limit string of setting ``name``, read when a request is counted."""
    return lambda: current_app.config[name]


#: One budget per user for image uploads, shared by the API and the web page.
upload_limit = limiter.shared_limit(
    config_limit("LIMIT_UPLOAD"),
    scope="image-upload",
    key_func=lambda: f"upload:{signed_in_user().id}",
)
