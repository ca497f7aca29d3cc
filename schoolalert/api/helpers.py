"""Small helpers every API view uses: reading JSON bodies, answering errors."""

from __future__ import annotations

import json
from typing import Any, NoReturn

from flask import Response, current_app, jsonify, request
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel

from schoolalert.formats import iso
from schoolalert.web.errors import ApiError
from schoolalert.web.input import BadText, first_bad_json_value, json_depth_exceeds

__all__ = ["answer", "iso", "json_body", "not_found", "unprocessable"]


def answer(model: type[BaseModel], data: Any, status: int = 200) -> tuple[Response, int]:
    """``data`` as the JSON answer, checked against ``model`` — the schema the OpenAPI document
    gives for it — so the serialiser and the document cannot drift apart."""
    return jsonify(model.model_validate(data).model_dump(mode="json", exclude_unset=True)), status


def json_body() -> dict[str, Any]:
    """The request's JSON object; 415 for another type, 413 when too large, 400 when broken or
    nested too deeply, 422 naming the field of a text or number the boundary refuses."""
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "send the body as application/json")
    limit = current_app.config["MAX_JSON_BODY"]
    if request.content_length is not None and request.content_length > limit:
        raise ApiError(413, "payload_too_large", f"JSON bodies are limited to {limit} bytes")
    raw = request.get_data(cache=True)
    if len(raw) > limit:
        raise ApiError(413, "payload_too_large", f"JSON bodies are limited to {limit} bytes")
    if json_depth_exceeds(raw):
        raise ApiError(400, "bad_request", "the JSON body is nested too deeply")
    try:
        body = json.loads(raw or b"null", parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ApiError(400, "bad_request", "the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "the body must be a JSON object")
    bad = first_bad_json_value(body)
    if bad is not None:
        field, kind = bad
        raise ApiError(
            422,
            "unprocessable",
            str(
                _l("%(field)s: this number is out of range.", field=field)
                if kind == "number"
                else BadText(field).message
            ),
            field=field,
        )
    return body


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def peek_json_body() -> Any:
    """The request's JSON for a rate-limit key, or None: never raises (the view answers)."""
    try:
        return json_body()
    except (ApiError, RecursionError):
        return None


def not_found() -> NoReturn:
    raise ApiError(404, "not_found", "not found")


def unprocessable(message: str, code: str = "unprocessable") -> NoReturn:
    raise ApiError(422, code, message)
