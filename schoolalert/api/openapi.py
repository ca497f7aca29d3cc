"""The OpenAPI 3 document, built from the routes themselves so it cannot drift from them."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask
from pydantic import BaseModel

from schoolalert.web.input import MAX_ID, MAX_PAGE

API_PREFIX = "/api/v1"
VIEW = TypeVar("VIEW", bound=Callable[..., Any])
_PARAMETER = re.compile(r"<(?:(?P<converter>[a-z]+):)?(?P<name>\w+)>")
_CONVERTER_TYPES = {
    "int": {"type": "integer", "minimum": 0, "maximum": MAX_ID},
    None: {"type": "string"},
}
#: Query parameters that hold an id or a page number (as ``query_integer`` reads them).
ID_QUERY = {"type": "integer", "minimum": 0, "maximum": MAX_ID}
PAGE_QUERY = {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}
#: What an operation can answer besides what it lists itself.
_AUTH_ERRORS = {401: "no or an expired token", 403: "the role may not do this"}
_PATH_ERRORS = {404: "unknown, or not visible to the caller"}
# A plugin's operations answer 404 while an administrator has the plugin disabled.
_PLUGIN_ERRORS = {404: "the plugin is disabled (or the object is unknown)"}
PLUGIN_API_ENDPOINT_PREFIX = "plugin_api_"
_JSON_ERRORS = {
    400: "not JSON, not an object, or nested too deeply",
    413: "the body is too large",
    415: "not application/json",
    422: "a field is missing or wrong (named in error.field)",
}
# Every operation refuses query parameters it does not list.
_QUERY_ERRORS = {422: "a query parameter is wrong or unknown (named in error.field)"}

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
    request_body: dict[str, Any] | Callable[[], dict[str, Any]] | None = None,
    request_model: type[BaseModel] | None = None,
    request_content_type: str = "application/json",
    response_model: type[BaseModel] | None = None,
    responses: dict[int, str] | None = None,
    query: dict[str, dict[str, Any]] | None = None,
    auth: bool = True,
) -> Callable[[VIEW], VIEW]:
    """Describe an API view for the OpenAPI document.

    ``request_model`` is the Pydantic model that validates the body (its JSON Schema is
    embedded, so the description is the validation); ``request_body`` a JSON schema for a body
    that is not JSON (a multipart upload), or a function returning one when the document is
    built. ``response_model`` is the model the view answers with
    (:func:`schoolalert.api.helpers.answer`): its schema describes the success response.
    ``responses`` maps status codes to descriptions (the success status first); ``query`` maps
    query parameter names to schemas. The statuses every operation of its kind can answer
    (401/403 with a token, 404 with a path id, 400/413/415/422 with a JSON body, 422 for the
    query) are added by the document itself.
    """

    def decorate(view: VIEW) -> VIEW:
        view.openapi = {  # type: ignore[attr-defined]
            "summary": summary,
            "tags": tags,
            "request_body": request_body,
            "request_model": request_model,
            "request_content_type": request_content_type,
            "response_model": response_model,
            "responses": responses or {200: "OK"},
            "query": query or {},
            "auth": auth,
        }
        return view

    return decorate


def build_document(app: Flask) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {"Error": ERROR_SCHEMA}
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if not rule.rule.startswith(API_PREFIX + "/"):
            continue
        spec = getattr(app.view_functions[rule.endpoint], "openapi", None)
        if spec is None:
            continue
        path = _PARAMETER.sub(r"{\g<name>}", rule.rule[len(API_PREFIX) :])
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(
                rule.rule,
                spec,
                schemas,
                plugin=rule.endpoint.startswith(PLUGIN_API_ENDPOINT_PREFIX),
            )
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
            "schemas": schemas,
        },
        "paths": paths,
    }


def _model_schema(model: type[BaseModel], schemas: dict[str, Any]) -> dict[str, Any]:
    """The model's JSON Schema under components/schemas; a reference to it."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(schema.pop("$defs", {}))
    if schemas.setdefault(model.__name__, schema) != schema:
        raise ValueError(f"two models are named {model.__name__}: rename one")
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _operation(
    rule: str, spec: dict[str, Any], schemas: dict[str, Any], *, plugin: bool
) -> dict[str, Any]:
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
    body = spec["request_body"]
    if callable(body):
        body = body()
    if spec["request_model"] is not None:
        body = _model_schema(spec["request_model"], schemas)
    statuses = dict(spec["responses"])
    extra: dict[int, str] = {}
    if spec["auth"]:
        extra |= _AUTH_ERRORS
    if "<" in rule:
        extra |= _PATH_ERRORS
    elif plugin:
        extra |= _PLUGIN_ERRORS
    if body is not None and spec["request_content_type"] == "application/json":
        extra |= _JSON_ERRORS
    extra |= _QUERY_ERRORS
    for status, text in extra.items():
        statuses.setdefault(status, text)
    answered = spec["response_model"] and _model_schema(spec["response_model"], schemas)
    operation: dict[str, Any] = {
        "summary": spec["summary"],
        "tags": spec["tags"],
        "responses": {
            str(status): _response(status, text, answered if 200 <= status < 300 else None)
            for status, text in sorted(statuses.items())
        },
    }
    if parameters:
        operation["parameters"] = parameters
    if body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {spec["request_content_type"]: {"schema": body}},
        }
    operation["security"] = [{"bearer": []}] if spec["auth"] else []
    return operation


def _response(
    status: int, description: str, schema: dict[str, Any] | None = None
) -> dict[str, Any]:
    if status >= 400:
        schema = {"$ref": "#/components/schemas/Error"}
    if schema is None:
        return {"description": description}
    return {"description": description, "content": {"application/json": {"schema": schema}}}
