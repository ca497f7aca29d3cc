"""The web session cookie: it carries the random id of a session row (an edge module).

The rows and their limits are :mod:`schoolalert.accounts.sessions`.
"""

from __future__ import annotations

from flask import g, request, session

from schoolalert.accounts.models import User, UserSession
from schoolalert.accounts.sessions import live_session, open_session

SESSION_KEY = "sid"


def start_session(user: User) -> UserSession:
    """Sign ``user`` in: a new session id, nothing carried over from before."""
    token, row = open_session(user, request.user_agent.string or "")
    session.clear()
    session[SESSION_KEY] = token
    return row


def session_user() -> User | None:
    """The user of this request's web session, when the session is still alive."""
    token = session.get(SESSION_KEY)
    if not token:
        return None
    found = live_session(token)
    if found is None:
        session.pop(SESSION_KEY, None)
        return None
    g.user_session, user = found
    return user


def current_session() -> UserSession | None:
    return g.get("user_session")
