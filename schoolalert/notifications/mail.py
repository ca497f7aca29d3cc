"""Sending e-mail: SMTP when configured, otherwise files in ``instance/mail/`` (embedded default).

Messages hold plain text only. They never carry images, descriptions of a child, case
references or tip texts (PRODUCT I3): callers pass rendered templates that contain a link.
"""

from __future__ import annotations

import os
import smtplib
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app

from schoolalert.database import utcnow


def build_message(to: str, subject: str, body: str) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="schoolalert.invalid")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    return message


def send_mail(to: str, subject: str, body: str) -> None:
    """Deliver one message; raises when the server refuses (the outbox retries)."""
    message = build_message(to, subject, body)
    config = current_app.config
    if config.get("MAIL_SERVER"):
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(message)
        return
    write_to_directory(message, Path(config["MAIL_DIRECTORY"]))


def write_to_directory(message: EmailMessage, directory: Path) -> Path:
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = f"{utcnow():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
    path = directory / name
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(bytes(message))
    return path
