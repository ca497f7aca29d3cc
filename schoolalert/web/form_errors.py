"""The error summary of a page: every error of every form it shows, with a link to its field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context
from wtforms import Form


@pass_context
def page_errors(context: Context) -> list[tuple[str, str]]:
    """``(href, message)`` for the summary: the errors of each WTForms form in the template's
    context, then ``errors`` (a mapping of name to message, for parts of a form that are not
    WTForms fields, shown with ``form_error(name, …)``), then ``error`` (a refusal of the page)."""
    items: list[tuple[str, str]] = []
    for value in context.get_all().values():
        if isinstance(value, Form):
            items.extend(_form_errors(value))
    errors = context.get("errors")
    if isinstance(errors, Mapping):
        items.extend(
            (f"#{name}-error", str(message)) for name, message in errors.items() if message
        )
    error = context.get("error")
    if isinstance(error, str) and error:
        items.append(("#page-error", error))
    return items


def _form_errors(form: Form) -> list[tuple[str, str]]:
    items = []
    for field in form:
        messages: Any = field.errors
        if isinstance(messages, Mapping):
            messages = [message for values in messages.values() for message in values]
        target = f"{field.id}-0" if field.type == "RadioField" else field.id
        items.extend((f"#{target}", str(message)) for message in messages)
    # Errors of the whole form (WTForms' form_errors), shown where the form has ``form-error``.
    items.extend(("#form-error", str(message)) for message in getattr(form, "form_errors", []))
    return items
