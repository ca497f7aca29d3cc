"""Mails about an account that carry no link: an invitation for an address that already has an
account, and a locked second factor. They go through the outbox, like every mail.

Also the password-reset request: the web page only writes one outbox message, for a known
address or not, so the answer takes the same work either way; the task looks the account up.
"""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from schoolalert.accounts.models import LinkPurpose, User
from schoolalert.audit import services as audit
from schoolalert.extensions import db
from schoolalert.notifications.mail import send_mail
from schoolalert.tasks import enqueue

SEND_NOTICE_TASK = "accounts.send_notice"
RESET_REQUEST_TASK = "accounts.password_reset"
EXISTING_ACCOUNT = "existing_account"
SECOND_FACTOR_LOCKED = "second_factor_locked"
NOTICES = frozenset({EXISTING_ACCOUNT, SECOND_FACTOR_LOCKED})


def queue_notice(user: User, notice: str) -> None:
    if notice not in NOTICES:
        raise ValueError(f"unknown notice {notice!r}")
    enqueue(SEND_NOTICE_TASK, {"user_id": user.id, "notice": notice})


def send_notice(user_id: int, notice: str) -> None:
    """Outbox task: the neutral notice to the account's own address."""
    user = db.session.get(User, user_id)
    if user is None or not user.active or notice not in NOTICES:
        return
    with force_locale(user.language):
        subject = (
            _("About your Schoolalert account")
            if notice == EXISTING_ACCOUNT
            else _("Your Schoolalert sign-in is locked")
        )
        body = render_template(f"mail/{notice}.txt", user=user)
    send_mail(user.email, subject, body)


def queue_password_reset(email: str) -> None:
    """The same work for every address: one outbox message with what was typed."""
    enqueue(RESET_REQUEST_TASK, {"email": email.strip()[:320]})


def password_reset(email: str) -> None:
    """Outbox task: a reset link for an active account with a password; nothing otherwise."""
    from schoolalert.accounts import links
    from schoolalert.accounts.services import find_user_by_email

    user = find_user_by_email(email)
    if user is None or not user.active or user.password_hash is None:
        return
    links.create_link(user, LinkPurpose.PASSWORD_RESET, created_by=None)
    audit.record("user.password_reset_requested", actor=None, object_type="user", object_id=user.id)
