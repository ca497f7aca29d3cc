"""Typed objects that plugins hand to the core through the ``schoolalert_register_*`` hooks.

Plugins import them from :mod:`schoolalert.plugin_api`; the core imports them from here.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import Blueprint
from sqlalchemy import ColumnElement


@dataclass(frozen=True)
class PluginBlueprint:
    """A blueprint and the roles allowed on each of its endpoints.

    ``permissions`` maps the view name inside the blueprint (``"settings"``) to the role names
    allowed there, or to ``{"public"}``. Every endpoint of the blueprint must be listed: the core
    denies what is not. The core mounts the blueprint under ``/plugins/<plugin name>/`` with the
    name ``plugin_<plugin name>`` and answers 404 on all of it while the plugin is disabled.
    """

    blueprint: Blueprint
    permissions: Mapping[str, Collection[str]]


@dataclass(frozen=True)
class PluginApiBlueprint:
    """A blueprint of JSON endpoints under ``/api/v1``, with the roles allowed on each.

    The core mounts it under ``/api/v1/<plugin name>`` — or under ``url_prefix`` when given,
    which must start with ``/api/v1/`` (for an action on a core resource, such as
    ``/api/v1/me/alerts``) and may not shadow a core route. Requests are authenticated with
    the core's bearer tokens, errors are the core's JSON errors, every endpoint answers 404
    while the plugin is disabled, and views with ``document(...)`` appear in the OpenAPI
    document. ``permissions`` works as for :class:`PluginBlueprint`.
    """

    blueprint: Blueprint
    permissions: Mapping[str, Collection[str]]
    url_prefix: str | None = None


@dataclass(frozen=True)
class NotificationType:
    """A kind of e-mail a plugin sends through the core (name prefixed with the plugin name).

    ``render(params)`` returns ``(subject, body)`` as plain text; it is called in the
    recipient's language when the mail goes out, with the primitive ``params`` given when it was
    queued. Like every Schoolalert mail it holds a link, never content (PRODUCT I3).
    """

    name: str
    render: Callable[[Mapping[str, Any]], tuple[str, str]]


@dataclass(frozen=True)
class Task:
    """Background work: ``func(**payload)`` runs in an app context, as one unit of work.

    Tasks are idempotent and take primitive values. A task with ``every`` set is periodic: the
    scheduler calls it without arguments about once per interval. Names are global, so plugin
    tasks are prefixed with the plugin name (``"referral.remind"``).

    The runner commits once when ``func`` returns (together with marking the work done) and rolls
    back when it raises; ``func`` only flushes. A task that must record what it did even when it
    fails midway (mail: what the mail server accepted is recorded before the error is raised)
    sets ``commits_per_item`` and commits itself, after each item or batch of items. A failed
    run is tried again after a back-off, up to ``OUTBOX_MAX_ATTEMPTS`` times, or until it
    succeeds with ``keep_trying`` (the task itself then decides when there is nothing left worth
    doing).
    """

    name: str
    func: Callable[..., Any]
    every: timedelta | None = None
    commits_per_item: bool = False
    keep_trying: bool = False


class TargetingError(ValueError):
    """A targeting value the selector cannot use; the message is shown to the investigator.

    ``unresolvable`` marks a value of the form the selector's ``schema`` describes that names
    nothing the current data knows (an unknown code, a circle beside the country): the API
    answers it with the error code ``unresolvable`` instead of ``unprocessable``.
    """

    def __init__(self, selector: str, message: str, *, unresolvable: bool = False) -> None:
        super().__init__(f"{selector}: {message}")
        self.selector = selector
        self.message = message
        self.unresolvable = unresolvable


@dataclass(frozen=True)
class TargetingSelector:
    """One key of an alert's ``targeting`` object, resolved to a set of school locations.

    ``parse`` validates the raw JSON value and returns its normal form (raise
    :class:`TargetingError` for a bad one). ``criterion`` turns the normal form into a SQL
    expression over :class:`schoolalert.schools.models.School` that selects every matching
    location in one query. ``form_template`` (optional) renders the selector's part of the draft
    form; ``from_form`` reads it back from the submitted form data (``None`` when left empty).
    ``schema`` returns the JSON Schema of the value for the OpenAPI document (called while the
    document is built, so it may read settings); without one the document says nothing about
    the value's shape.
    ``map_circles`` (optional) gives the circles the preview map draws for the normal form, as
    ``(latitude, longitude, km)`` tuples (a radius selector's area).
    """

    key: str
    label: str
    parse: Callable[[Any], Any]
    criterion: Callable[[Any], ColumnElement[bool]]
    form_template: str | None = None
    from_form: Callable[[Mapping[str, Any]], Any] | None = None
    describe: Callable[[Any], str] = field(default=lambda value: str(value))
    schema: Callable[[], dict[str, Any]] = field(default=lambda: {})
    map_circles: Callable[[Any], list[tuple[float, float, float]]] | None = None


@dataclass(frozen=True)
class PurgeReport:
    """What a plugin destroyed for a closed alert, for the purge record.

    ``verified`` is True only when the plugin checked that nothing readable remains (or, for a
    partner abroad, that the partner confirmed). A report with ``verified=False`` makes the purge
    record say so; it never hides the failure.
    """

    component: str
    description: str
    verified: bool


@dataclass(frozen=True)
class DraftPart:
    """A part of an alert's draft that a plugin adds, approved by the prosecutor with the rest.

    ``key`` is the draft's JSON field (``"share_with"``); ``parse`` validates the raw JSON value
    and returns its normal form (raise :class:`ValueError` with a message for the investigator:
    the API answers 422 naming ``key``). ``save(alert_id, value)`` stores the parsed value with
    the draft in the plugin's own table (``value`` is None when the draft does not use the part);
    ``load(alert_id)`` returns it again (None when unused), and ``describe(value)`` is the text
    the investigator and the prosecutor see on the alert page. While the plugin is disabled the
    key is an unknown field of the draft. ``form_template`` (optional) renders the part in the
    draft form (context: ``part``, ``value``); ``from_form`` reads it back from the submitted
    form data (``None`` when left empty). ``schema`` returns the JSON Schema of the value for the
    OpenAPI document, called while the document is built (``null`` is always allowed too: it
    leaves the part out). A part with ``for_exercises=False`` (one that carries the alert
    beyond Schoolalert) is refused on an exercise alert: 422 naming ``key``. A part that is
    allowed on an exercise only with some values gives ``exercise_check``: it is called with
    the parsed value on an exercise alert and raises :class:`ValueError` (a message for the
    investigator) to refuse it — 422 (``unresolvable``) naming ``key`` — as the exchange
    plugin's ``share_with`` does for a partner that does not accept exercises.
    """

    key: str
    label: str
    parse: Callable[[Any], Any]
    save: Callable[[int, Any], None]
    load: Callable[[int], Any]
    describe: Callable[[Any], str] = field(default=lambda value: str(value))
    form_template: str | None = None
    from_form: Callable[[Mapping[str, Any]], Any] | None = None
    schema: Callable[[], dict[str, Any]] = field(default=lambda: {})
    for_exercises: bool = True
    exercise_check: Callable[[Any], None] | None = None
