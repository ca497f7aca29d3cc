"""The OpenAPI 3 document, built from the routes themselves so it cannot drift from them."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask

API_PREFIX = "/api/v1"
VIEW = TypeVar("VIEW", bound=Callable[..., Any])
_PARAMETER = re.compile(r"<(?:(?P<converter>[a-z]+):)?(?P<name>\w+)>")
_CONVERTER_TYPES = {"int": {"type": "integer"}, None: {"type": "string"}}

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "field": {"type": "string", "description": "the refused field, when one is"},
            },
        }
    },
}


def document(
    *,
    summary: str,
    tags: list[str],
    request_body: dict[str, Any] | None = None,
    request_content_type: str = "application/json",
    responses: dict[int, str] | None = None,
    query: dict[str, dict[str, Any]] | None = None,
    auth: bool = True,
) -> Callable[[VIEW], VIEW]:
    """Describe an API view for the OpenAPI document.

    ``request_body`` is a JSON schema; ``responses`` maps status codes to descriptions (the
    success status first); ``query`` maps query parameter names to schemas.
    """

    def decorate(view: VIEW) -> VIEW:
        view.openapi = {  # type: ignore[attr-defined]
            "summary": summary,
            "tags": tags,
            "request_body": request_body,
            "request_content_type": request_content_type,
            "responses": responses or {200: "OK"},
            "query": query or {},
            "auth": auth,
        }
        return view

    return decorate


def build_document(app: Flask) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if not rule.rule.startswith(API_PREFIX + "/"):
            continue
        spec = getattr(app.view_functions[rule.endpoint], "openapi", None)
        if spec is None:
            continue
        path = _PARAMETER.sub(r"{\g<name>}", rule.rule[len(API_PREFIX) :])
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(rule.rule, spec)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Schoolalert API",
            "version": "1",
            "description": "Alerts from the Dutch police to participating primary schools. "
            "Authenticate with POST /auth/token (e-mail, password, one-time code) or a machine "
            "token, then send `Authorization: Bearer TOKEN`. Errors are "
            '`{"error": {"code", "message"}}`; what you may not see answers 404.',
        },
        "servers": [{"url": API_PREFIX}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": ERROR_SCHEMA},
        },
        "paths": paths,
    }


def _operation(rule: str, spec: dict[str, Any]) -> dict[str, Any]:
    parameters = [
        {
            "name": match["name"],
            "in": "path",
            "required": True,
            "schema": _CONVERTER_TYPES.get(match["converter"], {"type": "string"}),
        }
        for match in _PARAMETER.finditer(rule)
    ]
    parameters += [
        {"name": name, "in": "query", "required": False, "schema": schema}
        for name, schema in spec["query"].items()
    ]
    operation: dict[str, Any] = {
        "summary": spec["summary"],
        "tags": spec["tags"],
        "responses": {
            str(status): _response(status, text) for status, text in spec["responses"].items()
        },
    }
    if parameters:
        operation["parameters"] = parameters
    if spec["request_body"] is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {spec["request_content_type"]: {"schema": spec["request_body"]}},
        }
    operation["security"] = [{"bearer": []}] if spec["auth"] else []
    return operation


def _response(status: int, description: str) -> dict[str, Any]:
    if status >= 400:
        return {
            "description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
    return {"description": description}
