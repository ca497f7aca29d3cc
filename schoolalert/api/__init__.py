"""The JSON API under ``/api/v1``: bearer tokens only (no cookies, so no CSRF), JSON errors.

Domain packages define their own API blueprints (``<domain>/api.py``) with :func:`document`
on every view; :mod:`schoolalert.api.blueprint` nests them under ``/api/v1``.
"""

from schoolalert.api.helpers import answer, iso, json_body, not_found, unprocessable
from schoolalert.api.openapi import document

__all__ = ["answer", "document", "iso", "json_body", "not_found", "unprocessable"]
