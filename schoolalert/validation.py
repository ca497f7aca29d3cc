"""Request models: one Pydantic v2 definition validates an input and describes it.

A model validates the JSON the API receives (and the dictionary a web form builds), and its
JSON Schema is what the OpenAPI document embeds (:func:`schoolalert.api.openapi.document` with
``request_model=``), so the check and the description cannot drift apart. :func:`validate`
turns Pydantic's errors into :class:`~schoolalert.errors.InvalidInput` naming the first bad
field (and listing every one), with messages in the user's language.

Every string of a model is checked for lone surrogates and control characters (tab and line
breaks are allowed in texts), the same rule as the web boundary.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from schoolalert.errors import InvalidInput

MODEL = TypeVar("MODEL", bound=BaseModel)
_CONTROL = {*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F}


def _clean_text(value: str) -> str:
    if any(0xD800 <= ord(char) <= 0xDFFF or ord(char) in _CONTROL for char in value):
        raise ValueError(
            str(
                _l(
                    "This text contains a character that is not allowed (a control character "
                    "or broken Unicode)."
                )
            )
        )
    return value


def text(max_length: int, *, required: bool = True, description: str | None = None) -> Any:
    """A stripped text of at most ``max_length`` characters (required: at least one)."""
    return Annotated[
        str,
        Field(
            min_length=1 if required else 0,
            max_length=max_length,
            description=description,
            json_schema_extra={"pattern": r"\S"} if required else None,
        ),
        AfterValidator(_clean_text),
    ]


class RequestModel(BaseModel):
    """Strict JSON types (no "7" for 7, no 1 for true), unknown fields refused, texts stripped."""

    model_config = ConfigDict(strict=True, extra="forbid", str_strip_whitespace=True, frozen=True)


def validate(model: type[MODEL], data: Mapping[str, Any]) -> MODEL:
    """``model`` from ``data``, or InvalidInput naming the first bad field."""
    try:
        return model.model_validate(dict(data))
    except ValidationError as errors:
        problems = [
            (".".join(str(part) for part in error["loc"]) or None, _message(error))
            for error in errors.errors(include_url=False)
        ]
        field, message = problems[0]
        raise InvalidInput(message, field=field, problems=problems) from None


def _message(error: Mapping[str, Any]) -> str:
    kind, context = error["type"], error.get("ctx") or {}
    if kind == "value_error":
        return str(context.get("error") or error["msg"]).removeprefix("Value error, ")
    if kind in {"missing", "string_too_short"}:
        return str(_l("This field is required."))
    if kind == "string_too_long":
        limit = context["max_length"]
        return ngettext("At most %(num)d character.", "At most %(num)d characters.", limit)
    if kind == "extra_forbidden":
        return str(_l("Unknown field: %(name)s.", name=str(error["loc"][-1])))
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        return str(_l("This number is out of range."))
    if kind.startswith(("int_", "float_")):
        return str(_l("Give a whole number."))
    if kind.startswith("bool_"):
        return str(_l("Answer true or false."))
    if kind.startswith(("string_", "str_")):
        return str(_l("Give a text."))
    if kind in {"dict_type", "model_type"}:
        return str(_l("Give an object."))
    if kind in {"list_type"}:
        return str(_l("Give a list."))
    return str(_l("This value is not valid."))
