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

from collections.abc import Callable, Mapping
from typing import Annotated, Any, ClassVar, TypeVar

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)
from pydantic_core import PydanticCustomError

from schoolalert.errors import InvalidInput, Unresolvable
from schoolalert.web.input import MAX_ID

MODEL = TypeVar("MODEL", bound=BaseModel)
_CONTROL = {*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F}
# The same rule for the document (ECMA-262 patterns): no control character but tab and line
# breaks; a required text also holds something besides white space.
_ALLOWED = r"[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]"
_VISIBLE = r"[^\s\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]"
TEXT_PATTERN = f"^{_ALLOWED}*$"
REQUIRED_TEXT_PATTERN = f"^{_ALLOWED}*{_VISIBLE}{_ALLOWED}*$"


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
            json_schema_extra={"pattern": REQUIRED_TEXT_PATTERN if required else TEXT_PATTERN},
        ),
        AfterValidator(_clean_text),
    ]


def secret(max_length: int, *, description: str | None = None) -> Any:
    """A password or code exactly as typed (not stripped), at least one character."""
    return Annotated[
        str,
        StringConstraints(strip_whitespace=False),
        Field(
            min_length=1,
            max_length=max_length,
            description=description,
            json_schema_extra={"pattern": TEXT_PATTERN},
        ),
        AfterValidator(_clean_text),
    ]


def code(pattern: str, *, description: str | None = None) -> Any:
    """An identifier of a fixed shape, such as a school location code (``16AH00``)."""
    return Annotated[str, Field(pattern=pattern, description=description)]


def integral_number(value: Any) -> Any:
    """JSON does not tell 7 from 7.0: a number without a fraction is a whole number."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def whole_number(*, minimum: int = 1, maximum: int = MAX_ID, description: str | None = None) -> Any:
    """A whole number in bounds, also when written 7.0 (as JSON Schema's ``integer`` allows)."""
    return Annotated[
        Annotated[int, Field(ge=minimum, le=maximum)],
        BeforeValidator(integral_number),
        Field(description=description),
    ]


class RequestModel(BaseModel):
    """Strict JSON types (no "7" for 7, no 1 for true), unknown fields refused, texts stripped.

    ``refusals`` gives a field a message of its own for whatever is wrong with it (for a
    statement that must be made, "confirm that …" says more than "this field is required").
    """

    model_config = ConfigDict(strict=True, extra="forbid", str_strip_whitespace=True, frozen=True)
    refusals: ClassVar[Mapping[str, Any]] = {}


class ResponseModel(BaseModel):
    """An API answer: every field named and typed, nothing else (its schema is the document's)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


DOMAIN_ERROR = "domain"


def domain_rule(rule: Callable[[Any], Any]) -> AfterValidator:
    """A service's own check (raising :class:`InvalidInput`) as a validator of a field: its
    refusal is collected with the model's other errors, keeping its field, message and code."""

    def check(value: Any) -> Any:
        try:
            return rule(value)
        except InvalidInput as error:
            context = {"message": error.message, "field": error.field, "code": error.code}
            raise PydanticCustomError(DOMAIN_ERROR, "{message}", context) from None

    return AfterValidator(check)


def validate(model: type[MODEL], data: Mapping[str, Any]) -> MODEL:
    """``model`` from ``data``, or InvalidInput naming the first bad field (``problems`` holds
    every bad field; :class:`Unresolvable` when the first names nothing known)."""
    try:
        return model.model_validate(dict(data))
    except ValidationError as errors:
        # Of a union's errors, one about the value beats one about a type the value is not.
        found = sorted(
            errors.errors(include_url=False), key=lambda error: error["type"].endswith("_type")
        )
        problems: dict[str | None, tuple[str, str]] = {}
        for error in found:
            context = error.get("ctx") or {}
            if error["type"] == DOMAIN_ERROR:
                field = context["field"] or _field(error["loc"])
                problems.setdefault(field, (context["message"], context["code"]))
                continue
            field = _field(error["loc"])
            own = model.refusals.get(field or "")
            problems.setdefault(field, (str(own) if own else _message(error), InvalidInput.code))
        field, (message, code) = next(iter(problems.items()))
        refusal = Unresolvable if code == Unresolvable.code else InvalidInput
        every = [(name, text) for name, (text, _code) in problems.items()]
        raise refusal(message, field=field, problems=every) from None


def _field(location: tuple[str | int, ...]) -> str | None:
    """The field and list positions of an error's location, without the names of union types."""
    if not location:
        return None
    return ".".join(
        [str(location[0]), *(str(part) for part in location[1:] if isinstance(part, int))]
    )


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
    if kind == "string_pattern_mismatch":
        return str(_l("This value does not have the expected form."))
    if kind in {"literal_error", "enum"}:
        return str(_l("Choose one of: %(choices)s.", choices=context.get("expected", "")))
    if kind.startswith(("string_", "str_")):
        return str(_l("Give a text."))
    if kind in {"dict_type", "model_type"}:
        return str(_l("Give an object."))
    if kind in {"list_type"}:
        return str(_l("Give a list."))
    return str(_l("This value is not valid."))
