"""Invitation and password-reset links: single use, expiring, token stored hashed.

The token is made by the outbox task that sends the mail, so the readable token exists only in
the message to the user — never in the database, the outbox or a log.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update

from schoolalert.accounts.models import LinkPurpose, OneTimeLink, User
from schoolalert.database import utcnow
from schoolalert.errors import NotFound
from schoolalert.extensions import db
from schoolalert.notifications.mail import send_mail
from schoolalert.tasks import enqueue

SEND_LINK_TASK = "accounts.send_link"
PATHS = {LinkPurpose.INVITATION: "/invitation/", LinkPurpose.PASSWORD_RESET: "/password-reset/"}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_link(user: User, purpose: LinkPurpose, *, created_by: User | None) -> OneTimeLink:
    """A new link (earlier unused links of the same purpose stop working) and its mail."""
    now = utcnow()
    db.session.execute(
        update(OneTimeLink)
        .where(
            OneTimeLink.user_id == user.id,
            OneTimeLink.purpose == purpose,
            OneTimeLink.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    hours = current_app.config[
        "INVITATION_HOURS" if purpose == LinkPurpose.INVITATION else "PASSWORD_RESET_HOURS"
    ]
    link = OneTimeLink(
        user_id=user.id,
        purpose=purpose,
        expires_at=now + timedelta(hours=hours),
        created_by_id=created_by.id if created_by else None,
    )
    db.session.add(link)
    db.session.flush()
    enqueue(SEND_LINK_TASK, {"link_id": link.id}, key=f"link:{link.id}")
    return link


def send_link(link_id: int) -> None:
    """Outbox task: make the token, store its hash, mail the link (once)."""
    link = db.session.get(OneTimeLink, link_id)
    if link is None or link.sent_at or link.used_at or link.expires_at <= utcnow():
        return
    token = secrets.token_urlsafe(32)
    link.token_hash = _hash(token)
    link.sent_at = utcnow()
    db.session.flush()
    user = link.user
    url = current_app.config["BASE_URL"].rstrip("/") + PATHS[link.purpose] + token
    template = "invitation" if link.purpose == LinkPurpose.INVITATION else "password_reset"
    with force_locale(user.language):
        subject = (
            _("Your invitation to Schoolalert")
            if link.purpose == LinkPurpose.INVITATION
            else _("Choose a new Schoolalert password")
        )
        body = render_template(
            f"mail/{template}.txt",
            user=user,
            url=url,
            expires_at=link.expires_at,
            board=inviting_board(link),
        )
    send_mail(user.email, subject, body)


def inviting_board(link: OneTimeLink) -> str | None:
    """The name of the school board that invited: the inviter's board, else the invited
    person's (a board's own staff); None for accounts the administrators make."""
    inviter = db.session.get(User, link.created_by_id) if link.created_by_id else None
    for person in (inviter, link.user):
        if person is None:
            continue
        board = person.board or (person.school.board if person.school else None)
        if board is not None and board.name:
            return board.name
    return None


def redeemable_link(token: str, purpose: LinkPurpose) -> OneTimeLink:
    """The live link for ``token``; NotFound for unknown, used, expired or wrong-purpose ones."""
    link = db.session.scalar(select(OneTimeLink).where(OneTimeLink.token_hash == _hash(token)))
    if (
        link is None
        or link.purpose != purpose
        or link.used_at is not None
        or link.expires_at <= utcnow()
        or not link.user.active
    ):
        raise NotFound("this link is not valid (any more)")
    return link


def consume(link: OneTimeLink) -> None:
    """Mark the link used; a conditional update, so two submissions cannot both succeed."""
    spent = db.session.execute(
        update(OneTimeLink)
        .where(OneTimeLink.id == link.id, OneTimeLink.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:
        raise NotFound("this link is not valid (any more)")
