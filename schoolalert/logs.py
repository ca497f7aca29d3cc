"""Logging set-up: no secret may reach a log line (tokens in link paths are redacted)."""

from __future__ import annotations

import logging
import re

from flask import Flask

_TOKEN_IN_PATH = re.compile(r"(/(?:invitation|password-reset)/)[^\s\"?/]+")
ACCESS_LOGGERS = ("werkzeug", "gunicorn.access")


class RedactTokens(logging.Filter):
    """Replace the token of invitation and password-reset links in a log line."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _TOKEN_IN_PATH.sub(r"\1[redacted]", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def configure_logging(app: Flask) -> None:
    if not app.debug and not app.testing and not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s"
        )
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, RedactTokens) for existing in logger.filters):
            logger.addFilter(RedactTokens())
