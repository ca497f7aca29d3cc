"""Sending e-mail: SMTP when configured, otherwise files in ``instance/mail/`` (embedded default).

Messages hold plain text only. They never carry images, descriptions of a child, case
references or tip texts (PRODUCT I3): callers pass rendered templates that contain a link.
"""

from __future__ import annotations

import os
import smtplib
import uuid
from email.header import Header
from email.message import Message
from email.mime.text import MIMEText
from email.utils import formatdate, make_msgid
from pathlib import Path
from types import TracebackType

from flask import current_app

from schoolalert.database import utcnow


def build_message(to: str, subject: str, body: str) -> Message:
    """A plain-text UTF-8 message (the lightweight compat32 model: fan-out builds thousands)."""
    config = current_app.config
    message = MIMEText(body, "plain", "utf-8")
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = Header(subject, "utf-8").encode()
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="schoolalert.invalid")
    message["Auto-Submitted"] = "auto-generated"
    return message


class Mailer:
    """One connection for a batch of messages (``with Mailer() as mailer: mailer.send(…)``).

    The connection opens with the first message, so a batch with nothing left to send (all sent,
    or skipped) finishes while the mail server is down.
    """

    def __init__(self) -> None:
        self.config = current_app.config
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        return self

    def _connect(self) -> smtplib.SMTP:
        smtp = smtplib.SMTP(self.config["MAIL_SERVER"], self.config["MAIL_PORT"], timeout=30)
        try:
            if self.config["MAIL_USE_TLS"]:
                smtp.starttls()
            if self.config.get("MAIL_USERNAME"):
                smtp.login(self.config["MAIL_USERNAME"], self.config["MAIL_PASSWORD"] or "")
        except Exception:
            smtp.close()
            raise
        return smtp

    def send(self, to: str, subject: str, body: str) -> None:
        """Deliver one message; raises when the server refuses (the outbox retries)."""
        message = build_message(to, subject, body)
        if self.config.get("MAIL_SERVER"):
            if self.smtp is None:
                self.smtp = self._connect()
            self.smtp.sendmail(self.config["MAIL_SENDER"], [to], message.as_bytes())
        else:
            write_to_directory(message, Path(self.config["MAIL_DIRECTORY"]))

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()


def send_mail(to: str, subject: str, body: str) -> None:
    with Mailer() as mailer:
        mailer.send(to, subject, body)


def write_to_directory(message: Message, directory: Path) -> Path:
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = f"{utcnow():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
    path = directory / name
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(message.as_bytes())
    return path
