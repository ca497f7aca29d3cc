"""Web forms of the alert pages, and reading the draft form into the API's draft object.

The draft form gives ``drafting.parse_draft`` the same dictionary as ``POST /api/v1/alerts``.
Its targeting part has the core fields ``all`` (checkbox), ``schools`` and ``exclude`` (codes),
then one part per enabled selector with a ``form_template``: the page includes that template
with ``selector`` and ``value`` (the selector's current value or None) in its context, and
``selector.from_form(request.form)`` reads it back (None: the selector is not used).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.fields import SelectChoice

from schoolalert.alerts.models import (
    Alert,
    CloseReason,
    ConfirmationOutcome,
    ImageKind,
    ResponseKind,
)
from schoolalert.alerts.targeting import EXCLUDE, available_selectors
from schoolalert.errors import InvalidInput
from schoolalert.plugin_types import TargetingError, TargetingSelector

CORE_TARGETING = ("all", "schools", EXCLUDE)
CODE_SEPARATORS = re.compile(r"[\s,;]+")

# A child's or a case's details: the browser must not remember them for autofill.
SENSITIVE = {"autocomplete": "off", "spellcheck": "false"}

IMAGE_KIND_LABELS = {
    ImageKind.FACE: _l("Face"),
    ImageKind.CLOTHING: _l("Clothing"),
    ImageKind.OBJECT: _l("Object"),
}


class DraftForm(FlaskForm):
    description = TextAreaField(
        _l("Description for schools"),
        description=_l(
            "Estimated age, visible features, clothing, period and region of the images. "
            "No case details: schools see exactly this text."
        ),
        render_kw={"autocomplete": "off"},
    )
    age_estimate = StringField(
        _l("Estimated age"), description=_l("An age or a range: 7 or 6-8."), render_kw=SENSITIVE
    )
    case_reference = StringField(_l("Case reference (police only)"), render_kw=SENSITIVE)
    justification = TextAreaField(
        _l("Justification (police and public prosecutor only)"),
        description=_l(
            "Abuse established in the Netherlands, why the child cannot be identified otherwise, "
            "why a school alert is proportionate."
        ),
        render_kw={"autocomplete": "off"},
    )
    order_number = StringField(_l("Order number of the public prosecutor"), render_kw=SENSITIVE)
    order_date = StringField(
        _l("Date of the order"), render_kw={"type": "date", "autocomplete": "off"}
    )
    other_means_exhausted = BooleanField(_l("Other means of identification are exhausted"))
    duration_days = StringField(_l("Proposed duration in days"))
    exercise = BooleanField(
        _l("This is an exercise"),
        description=_l(
            "Only schools whose board opted in to exercises receive it, it runs at most 2 days "
            "and it is marked as an exercise everywhere."
        ),
    )
    all = BooleanField(_l("All participating schools"))
    schools = TextAreaField(
        _l("School location codes"),
        description=_l("DUO location codes such as 16AH00, separated by spaces or new lines."),
    )
    exclude = TextAreaField(_l("Except these school location codes"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        maximum = current_app.config["ALERT_MAX_DAYS"]
        self.duration_days.render_kw = {"type": "number", "min": 1, "max": maximum}
        self.duration_days.description = ngettext(
            "At most %(num)d day.", "At most %(num)d days.", maximum
        )


def draft_form_data(alert: Alert, description: str | None) -> dict[str, Any]:
    """The stored draft as form data (for editing)."""
    targeting = alert.targeting or {}
    return {
        "description": description or "",
        "age_estimate": alert.age_estimate,
        "case_reference": alert.case_reference,
        "justification": alert.justification,
        "order_number": alert.order_number,
        "order_date": alert.order_date.isoformat() if alert.order_date else "",
        "other_means_exhausted": alert.other_means_exhausted,
        "duration_days": str(alert.proposed_duration_days),
        "exercise": alert.exercise,
        "all": bool(targeting.get("all")),
        "schools": "\n".join(targeting.get("schools") or []),
        "exclude": "\n".join(targeting.get(EXCLUDE) or []),
    }


def draft_payload(form: DraftForm, formdata: Mapping[str, Any]) -> dict[str, Any]:
    """The dictionary ``drafting.parse_draft`` validates, as the API would send it."""
    duration = (form.duration_days.data or "").strip()
    return {
        "description": form.description.data or "",
        "age_estimate": form.age_estimate.data or "",
        "case_reference": form.case_reference.data or "",
        "justification": form.justification.data or "",
        "order_number": form.order_number.data or "",
        "order_date": form.order_date.data or "",
        "other_means_exhausted": bool(form.other_means_exhausted.data),
        "duration_days": int(duration) if duration.isdigit() else duration,
        "exercise": bool(form.exercise.data),
        "targeting": targeting_from_form(formdata),
    }


def form_selectors() -> list[TargetingSelector]:
    """Enabled selectors (beyond the core fields) that bring their own part of the form."""
    return [
        selector
        for key, selector in available_selectors().items()
        if key not in CORE_TARGETING and selector.form_template and selector.from_form
    ]


def targeting_from_form(formdata: Mapping[str, Any]) -> dict[str, Any]:
    """The raw targeting object from the submitted form; keys left empty are omitted."""
    targeting: dict[str, Any] = {}
    if formdata.get("all"):
        targeting["all"] = True
    for key in ("schools", EXCLUDE):
        codes = [code for code in CODE_SEPARATORS.split(formdata.get(key) or "") if code]
        if codes:
            targeting[key] = codes
    for selector in form_selectors():
        assert selector.from_form is not None
        value = selector.from_form(formdata)
        if value is not None:
            targeting[selector.key] = value
    return targeting


def selector_values(targeting: Mapping[str, Any]) -> dict[str, Any]:
    """Each form selector's current value: parsed when it parses, else as it was read."""
    values: dict[str, Any] = {}
    for selector in form_selectors():
        if selector.key not in targeting:
            continue
        try:
            values[selector.key] = selector.parse(targeting[selector.key])
        except TargetingError:
            values[selector.key] = targeting[selector.key]
    return values


def place_error(form: FlaskForm, error: InvalidInput) -> dict[str, str]:
    """Put each of the service's errors at its field; returns errors for fields the form does
    not have (``targeting`` and plugin selectors), by name."""
    others: dict[str, str] = {}
    for name, message in error.problems:
        key = (name or "form").split(".")[0]
        field = form._fields.get(key)
        if field is not None:
            if message not in field.errors:
                field.errors = [*field.errors, message]
        else:
            others.setdefault(key, message)
    return others


class ImageForm(FlaskForm):
    file = FileField(_l("Image (JPEG, PNG or WebP)"), render_kw={"accept": "image/*"})
    kind = RadioField(
        _l("What the image shows"),
        choices=[SelectChoice(kind.value, label) for kind, label in IMAGE_KIND_LABELS.items()],
        default=ImageKind.FACE.value,
    )
    attest = BooleanField(
        _l(
            "I confirm that this image shows only a face, clothing or an object, and no sexual "
            "content or anything of the abuse."
        )
    )


EXERCISE_ATTEST = _l(
    "I confirm that this image is a drawing made for the exercise: no photograph of a real child, "
    "and no sexual content."
)


def image_form_for(alert: Alert, form: ImageForm | None = None) -> ImageForm:
    """The upload form; for an exercise its statement says the image is a drawing made for it."""
    form = form or ImageForm()
    if alert.exercise:
        form.attest.label.text = str(EXERCISE_ATTEST)
    return form


class ApproveForm(FlaskForm):
    duration_days = StringField(
        _l("Duration in days"),
        description=_l("Leave empty to keep the proposed duration; you may only shorten it."),
        render_kw={"type": "number", "min": 1},
    )
    images_checked = BooleanField(
        _l("I checked every image: only a face, clothing or an object, nothing of the abuse.")
    )


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason for the investigator"), render_kw={"autocomplete": "off"})


class CloseForm(FlaskForm):
    reason = RadioField(_l("How does the alert end?"), validate_choice=False)

    def __init__(self, *args: Any, identifiable: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [SelectChoice(CloseReason.WITHDRAWN.value, _l("The alert is withdrawn"))]
        if identifiable:  # only a published alert can have found the child
            choices.insert(
                0, SelectChoice(CloseReason.IDENTIFIED.value, _l("The child is identified"))
            )
        self.reason.choices = choices


class ResponseForm(FlaskForm):
    KINDS = (ResponseKind.RECOGNISED.value, ResponseKind.NOT_RECOGNISED.value)

    kind = RadioField(
        _l("Do you recognise this child?"),
        choices=[
            SelectChoice(ResponseKind.RECOGNISED.value, _l("Yes, I recognise this child")),
            SelectChoice(
                ResponseKind.NOT_RECOGNISED.value, _l("No, I do not recognise this child")
            ),
        ],
        validate_choice=False,
    )
    message = TextAreaField(_l("What do you know? (optional)"), render_kw=SENSITIVE)
    child_name = StringField(_l("Name of the child (optional)"), render_kw=SENSITIVE)
    class_name = StringField(_l("Class or group (optional)"), render_kw=SENSITIVE)
    phone = StringField(
        _l("Your phone number, so the police can call you (optional)"),
        render_kw={"type": "tel", **SENSITIVE},
    )
    # Set by the confirmation page when "I recognise this child" becomes "I do not".
    confirm = HiddenField()


class SchoolConfirmationForm(FlaskForm):
    """A staff member confirms the alert for their school (once per school)."""

    OUTCOMES = tuple(outcome.value for outcome in ConfirmationOutcome)

    outcome = RadioField(
        _l("Confirm for your school"),
        choices=[
            SelectChoice(
                ConfirmationOutcome.NOBODY_RECOGNISES.value,
                _l("We looked, and nobody at our school recognises the child"),
            ),
            SelectChoice(
                ConfirmationOutcome.RECOGNISED.value,
                _l("Someone at our school recognised the child (see our answer)"),
            ),
        ],
        validate_choice=False,
    )


class ConfirmForm(FlaskForm):
    """A button-only form: the CSRF token is its only field."""
