"""The rate limits the web pages and the API share, defined once (an edge module).

The limits themselves are settings (``LIMIT_*``, CONTRACT §2); each decorator here reads its
setting at request time, so a test or an operator can change it without a restart.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable

from flask import current_app

from schoolalert.accounts.auth import signed_in_user
from schoolalert.accounts.services import find_user_by_email, normalise_email
from schoolalert.errors import InvalidInput
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


def account_key(scope: str, email: object) -> str:
    """The throttle key of the account an e-mail address names, however it is spelt.

    An existing account is keyed on its id (found with the same normalisation as the sign-in
    lookup), so every spelling of its address shares one counter, from every client address.
    An unknown address is keyed on its normalised form. The key holds a hash, never the text.
    """
    text = email if isinstance(email, str) else ""
    user = find_user_by_email(text)
    if user is not None:
        return f"{scope}:user:{user.id}"
    try:
        canonical = normalise_email(text)
    except InvalidInput:
        canonical = unicodedata.normalize("NFKC", text).strip().casefold()
    digest = hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{scope}:address:{digest}"
