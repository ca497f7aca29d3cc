"""The one input boundary of the web pages and the API (an edge module).

- **Ids** in paths: the ``int`` URL converter is bounded to the database's integer range, so an
  id of 20 digits (SQLite) or of 2^31 and more (PostgreSQL) is a plain 404, never a database
  error. :data:`MAX_ID` is also the bound of id query parameters and of the OpenAPI document.
- **Text**: a lone surrogate or a control character (other than tab, newline and carriage
  return) is refused before anything is stored — a 422 naming the field, in JSON and in forms.
- **JSON** nesting deeper than :data:`MAX_JSON_DEPTH` is a 400; ``NaN``/``Infinity`` are not
  JSON; integers beyond :data:`MAX_JSON_INTEGER` are a 422 naming the field.
- **Output**: text already stored with a lone surrogate renders with U+FFFD instead of breaking
  the page (a Jinja ``finalize``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from flask import Flask, request
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # PostgreSQL's integer; SQLite's is larger, so one bound serves both
MAX_JSON_DEPTH = 16
MAX_JSON_INTEGER = 2**53  # what every JSON reader represents exactly

_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class BadText(ValueError):
    """A text with a lone surrogate or a control character; ``field`` names where."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field

    @property
    def message(self) -> str:
        return str(
            _l(
                "%(field)s contains a character that is not allowed (a control character or "
                "broken Unicode).",
                field=self.field,
            )
        )


class BoundedIdConverter(IntegerConverter):
    """``<int:…>``: a non-negative integer of the database's range; larger ones do not match."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str) -> int:
        # Not a ValidationError: the router would then try the other methods' rules and
        # answer 405. An id beyond the range names nothing that exists.
        if len(value) > len(str(MAX_ID)) or int(value) > MAX_ID:
            raise NotFound()
        return super().to_python(value)


MAX_PAGE = 100_000  # page numbers of listings: far past the last page, never an overflow


class BadQueryNumber(ValueError):
    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field
        self.message = str(
            _l("%(field)s must be a whole number of at most %(max)d.", field=field, max=MAX_ID)
        )


def query_integer(raw: str | None, field: str, maximum: int = MAX_ID) -> int | None:
    """A whole number from a query parameter (ASCII digits, at most ``maximum``), or None."""
    text = (raw or "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or len(text) > 12 or int(text) > maximum:
        raise BadQueryNumber(field)
    return int(text)


def page_number(raw: str | None) -> int:
    """The page of a web listing: anything that is not a sensible page number is page 1."""
    text = (raw or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 6:
        return 1
    return min(max(1, int(text)), MAX_PAGE)


def bad_text(value: str) -> bool:
    return bool(_SURROGATE.search(value) or _CONTROL.search(value))


def check_text(value: str, field: str) -> str:
    if bad_text(value):
        raise BadText(field)
    return value


def json_depth_exceeds(raw: bytes | str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether brackets nest deeper than ``limit`` (strings skipped), before any parsing."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _walk(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and bad_text(key):
                yield path or "body", key
                continue
            yield from _walk(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]" if path else f"[{index}]")


def first_bad_json_value(body: Any) -> tuple[str, str] | None:
    """(field, kind) of the first bad string or out-of-range integer in a parsed body."""
    for path, value in _walk(body, ""):
        if isinstance(value, str) and bad_text(value):
            return path or "body", "text"
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_JSON_INTEGER:
            return path or "body", "number"
    return None


def first_bad_form_field() -> str | None:
    """The first form or query field of this request whose text is not allowed."""
    sources = [request.args]
    if request.mimetype == "application/x-www-form-urlencoded":
        sources.append(request.form)  # multipart uploads are read by their view, within limits
    for source in sources:
        for name, value in source.items(multi=True):
            if name == "next" and source is request.args:
                continue  # a bad redirect target falls back to the home page instead
            if bad_text(name) or bad_text(value):
                return name if not bad_text(name) else "?"
    return None


def _clean_output(value: Any) -> Any:
    """Jinja ``finalize``: stored text with a lone surrogate is shown with U+FFFD."""
    if isinstance(value, str) and _SURROGATE.search(value):
        cleaned = _SURROGATE.sub("\ufffd", value)
        # Only the broken code points change; Markup stays Markup (already escaped).
        return Markup(cleaned) if isinstance(value, Markup) else cleaned  # noqa: S704
    return value


def init_app(app: Flask) -> None:
    """Before any route is registered: the bounded id converter and the output guard."""
    app.url_map.converters["int"] = BoundedIdConverter
    app.jinja_env.finalize = _clean_output
