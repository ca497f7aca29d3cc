"""Drafting an alert (investigator): the texts, the targeting, the images, and submitting it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any, BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from pydantic import (
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from schoolalert.accounts.models import User
from schoolalert.accounts.roles import Role, require_role
from schoolalert.alerts import draft_parts, keys
from schoolalert.alerts.images import sanitize_image
from schoolalert.alerts.models import Alert, AlertImage, AlertStatus, ImageKind
from schoolalert.alerts.police import police_alert
from schoolalert.alerts.settings import setting
from schoolalert.alerts.storage import DELETE_BLOBS_TASK, new_blob_name
from schoolalert.alerts.targeting import parse_targeting, resolve_school_ids, targeting_schema
from schoolalert.audit import services as audit
from schoolalert.crypto.aead import associated_data, image_aad
from schoolalert.database import utcnow
from schoolalert.errors import Conflict, InvalidInput, PermissionDenied, Unresolvable
from schoolalert.events import AlertSubmitted
from schoolalert.extensions import db
from schoolalert.notifications.services import notify_prosecutors
from schoolalert.tasks.outbox import enqueue
from schoolalert.validation import (
    RequestModel,
    domain_rule,
    integral_number,
    text,
    validate,
    whole_number,
)

# An age of 0 to 18 or a range of two, with a hyphen or an en dash: "7", "6-8", "8 - 6"
# (spaces only: the pattern is also the document's, where \s means more than here).
AGE = re.compile(r"^ *(1[0-8]|0?[0-9]) *(?:[-\u2013] *(1[0-8]|0?[0-9]) *)?$")
TEXT_LIMITS = {"description": 2000, "justification": 5000, "case_reference": 100}
MAX_DURATION_DAYS = 366  # the schema's bound; the setting ALERT_MAX_DAYS is checked as well
MAX_EXERCISE_DAYS = 2


def live_schema(schema: dict[str, Any]) -> None:
    """Fill in what depends on the enabled plugins and the settings when the document is built:
    the plugins' draft parts, the selectors of ``targeting`` and the longest ``duration_days``."""
    properties = schema["properties"]
    if "case_reference" in properties:  # the draft itself: plugins' parts are fields of it
        for key, part in draft_parts.available_parts().items():
            properties[key] = {"anyOf": [part.schema(), {"type": "null"}]}
    if "targeting" in properties:
        properties["targeting"] = targeting_schema()
    if "duration_days" in properties:
        properties["duration_days"] = {
            "anyOf": [
                {"type": "integer", "minimum": 1, "maximum": setting("ALERT_MAX_DAYS")},
                {"type": "null"},
            ],
            "description": "days the alert runs (null or absent: the default duration)",
        }


#: A targeting object in its normal form (its schema comes from :func:`live_schema`).
Targeting = Annotated[dict[str, Any], domain_rule(parse_targeting)]


class DraftInput(RequestModel):
    """What an investigator writes: ``POST``/``PUT /api/v1/alerts`` and the draft form.

    The one definition of a draft's input: it validates both and is the request schema of the
    OpenAPI document.
    """

    model_config = ConfigDict(json_schema_extra=live_schema)

    case_reference: text(TEXT_LIMITS["case_reference"])  # type: ignore[valid-type]
    justification: text(TEXT_LIMITS["justification"])  # type: ignore[valid-type]
    description: text(TEXT_LIMITS["description"])  # type: ignore[valid-type]
    age_estimate: Annotated[
        Annotated[str, WithJsonSchema({"type": "string", "pattern": AGE.pattern})]
        | whole_number(minimum=0, maximum=18),
        Field(description="an age or a range of ages up to 18, such as 7 or 6-8"),
    ]
    targeting: Targeting
    exercise: bool = Field(
        default=False,
        description="an exercise: only schools opted in to exercises, at most 2 days, "
        "marked as exercise everywhere, never in the statistics",
    )
    duration_days: whole_number(maximum=MAX_DURATION_DAYS) | None = Field(  # type: ignore[valid-type]
        default=None, validate_default=True
    )
    order_number: text(50, required=False) = ""  # type: ignore[valid-type]
    order_date: Annotated[
        str | None, Field(description="YYYY-MM-DD", json_schema_extra={"format": "date"})
    ] = None
    other_means_exhausted: bool = False

    @field_validator("age_estimate", mode="after")
    @classmethod
    def _normal_age(cls, value: str | int) -> str:
        return _age(value)

    @field_validator("duration_days", mode="before")
    @classmethod
    def _whole_days(cls, value: Any) -> Any:
        value = integral_number(value)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValueError(str(_l("The duration must be a whole number of days.")))
        return value

    @field_validator("duration_days", mode="after")
    @classmethod
    def _duration(cls, value: int | None, info: ValidationInfo) -> int:
        maximum = setting("ALERT_MAX_DAYS")
        default = setting("ALERT_DEFAULT_DAYS")
        if info.data.get("exercise") is True:  # a longer one is refused by parse_draft
            default = min(default, MAX_EXERCISE_DAYS)
        days = default if value is None else value
        if not 1 <= days <= maximum:
            raise ValueError(str(_l("The duration must be 1 to %(max)d days.", max=maximum)))
        return days

    @field_validator("order_date", mode="after")
    @classmethod
    def _order_date(cls, value: str | None) -> date | None:
        return _date(value)


class TargetingRequest(RequestModel):
    """``POST /api/v1/targeting/preview``: the schools a targeting reaches now."""

    model_config = ConfigDict(json_schema_extra=live_schema)

    targeting: Targeting
    exercise: bool = Field(default=False, description="only schools opted in to exercises")


def parse_draft(data: Mapping[str, Any]) -> DraftInput:
    """Validate what an investigator wrote; InvalidInput names the first bad field.

    The fields of plugins' draft parts are left to :func:`draft_parts.parse_parts`."""
    draft = validate(DraftInput, draft_parts.without_parts(data))
    if draft.exercise and draft.duration_days > MAX_EXERCISE_DAYS:
        # A duration the document allows, refused by this draft's own data (an exercise).
        raise Unresolvable(
            str(_l("An exercise runs at most %(max)d days.", max=MAX_EXERCISE_DAYS)),
            field="duration_days",
        )
    return draft


def create_draft(actor: User, draft: DraftInput, parts: Mapping[str, Any] | None = None) -> Alert:
    require_role(actor, Role.INVESTIGATOR)
    alert = Alert(
        status=AlertStatus.DRAFT,
        created_by_id=actor.id,
        age_estimate="",
        case_reference="",
        justification="",
        order_number="",
        proposed_duration_days=draft.duration_days,
    )
    db.session.add(alert)
    db.session.flush()
    keys.create_keys(alert.id)
    _apply(alert, draft)
    if parts is not None:
        if draft.exercise:
            draft_parts.refuse_for_exercise(parts)
        draft_parts.save_parts(alert.id, parts)
    audit.record(
        "alert.created", actor=actor, object_type="alert", object_id=alert.id, alert_id=alert.id
    )
    return alert


def create_external_draft(
    actor: User,
    draft: DraftInput,
    images: list[tuple[bytes, str]],
    *,
    origin: str,
) -> Alert:
    """A draft whose description and images come from outside (a partner abroad): the
    investigator adds the Dutch case data, and it goes out only after submission and approval
    like any draft. Every image is sanitised and stored as an upload would be; the investigator
    who takes it over attests them. ``origin`` (``"exchange:<sender>"``) is recorded."""
    alert = create_draft(actor, draft)
    for data, kind in images:
        add_image(actor, alert.id, data, kind=kind, attested=True)
    audit.record(
        "alert.created_from_external",
        actor=actor,
        object_type="alert",
        object_id=alert.id,
        alert_id=alert.id,
        details={"origin": origin, "images": len(images)},
    )
    return alert


def update_draft(
    actor: User, alert_id: int, draft: DraftInput, parts: Mapping[str, Any] | None = None
) -> Alert:
    alert = own_draft(actor, alert_id)
    _apply(alert, draft)
    if parts is not None:
        if draft.exercise:
            draft_parts.refuse_for_exercise(parts)
        draft_parts.save_parts(alert.id, parts)
    audit.record(
        "alert.updated", actor=actor, object_type="alert", object_id=alert.id, alert_id=alert.id
    )
    return alert


def add_image(
    actor: User, alert_id: int, source: bytes | BinaryIO | None, *, kind: str, attested: bool
) -> AlertImage:
    """Re-encode, encrypt and store one image of a draft (PRODUCT I6). ``source`` is None when
    no file was chosen; that, the kind and the attestation are refused together."""
    alert = own_draft(actor, alert_id)
    problems: list[tuple[str | None, str]] = []  # every one at once, for the form
    if source is None:
        problems.append(("file", str(_l("Choose an image file."))))
    if kind not in {member.value for member in ImageKind}:
        problems.append(("kind", str(_l("Choose the kind of image: face, clothing or object."))))
    if not attested:
        problems.append(("attest", str(_l("Confirm that the image shows no sexual content."))))
    if problems:
        raise InvalidInput(problems[0][1], field=problems[0][0], problems=problems)
    assert source is not None
    if len(alert.images) >= setting("ALERT_MAX_IMAGES"):
        raise Conflict(
            str(_l("An alert has at most %(count)d images.", count=setting("ALERT_MAX_IMAGES")))
        )
    config = current_app.config
    clean = sanitize_image(
        source,
        max_bytes=config["IMAGE_MAX_BYTES"],
        max_pixels=config["IMAGE_MAX_PIXELS"],
        max_edge=config["IMAGE_MAX_EDGE"],
    )
    image = AlertImage(
        alert=alert,
        kind=ImageKind(kind),
        sha256=clean.sha256,
        width=clean.width,
        height=clean.height,
        size_bytes=len(clean.data),
        attested_by_id=actor.id,
    )
    db.session.add(image)
    db.session.flush()
    store = current_app.extensions["schoolalert.blobs"]
    name = new_blob_name()
    # Stored before the commit: a rollback leaves an orphan, which the sweep removes
    # (schoolalert.alerts.sweeping); the row never points at a blob that is not there.
    store.put(name, keys.image_cipher(alert.id).encrypt(clean.data, image_aad(alert.id, image.id)))
    image.blob_name = name
    try:
        db.session.flush()
    except Exception:
        store.delete(name)
        raise
    audit.record(
        "alert.image_added",
        actor=actor,
        object_type="image",
        object_id=image.id,
        alert_id=alert.id,
        details={"kind": kind, "sha256": clean.sha256},
    )
    return image


def remove_image(actor: User, alert_id: int, image_id: int) -> None:
    alert = own_draft(actor, alert_id)
    image = next((image for image in alert.images if image.id == image_id), None)
    if image is None:
        raise InvalidInput(str(_l("No such image.")), field="image")
    if image.blob_name:
        # Deleted once the removal has committed: a rollback keeps a complete draft.
        enqueue(DELETE_BLOBS_TASK, {"names": [image.blob_name]})
    alert.images.remove(image)
    db.session.flush()
    audit.record(
        "alert.image_removed",
        actor=actor,
        object_type="image",
        object_id=image_id,
        alert_id=alert.id,
    )


def check_submission(actor: User, alert_id: int) -> Alert:
    """What :func:`submit` would refuse, refused now without changing anything (the
    investigator's check-your-answers step); returns the draft."""
    alert = own_draft(actor, alert_id)
    # The draft as stored is not ready: a conflict with its state, not a bad request.
    if not alert.images:
        raise Conflict(str(_l("Add at least one image before submitting.")), field="images")
    if not resolve_school_ids(parse_targeting(alert.targeting), exercise=alert.exercise):
        refusal = (
            _l("No school opted in to exercises matches the targeting.")
            if alert.exercise
            else _l("No participating school matches the targeting.")
        )
        raise Conflict(str(refusal), field="targeting")
    return alert


def submit(actor: User, alert_id: int) -> Alert:
    """Send the draft to a prosecutor; it becomes read-only for the investigator."""
    alert = check_submission(actor, alert_id)
    alert.status = AlertStatus.SUBMITTED
    alert.submitted_at = utcnow()
    alert.rejection_reason = None
    alert.updated_at = utcnow()
    audit.record(
        "alert.submitted", actor=actor, object_type="alert", object_id=alert.id, alert_id=alert.id
    )
    notify_prosecutors(alert.id, extra=f"{alert.submitted_at:%Y%m%dT%H%M%S%f}")
    current_app.extensions["schoolalert.plugins"].track_event(
        AlertSubmitted(alert_id=alert.id, actor_id=actor.id)
    )
    db.session.flush()
    return alert


def seal_description(alert_id: int, text: str) -> bytes:
    return keys.image_cipher(alert_id).encrypt(
        text.encode(), associated_data("description", alert_id)
    )


def _apply(alert: Alert, draft: DraftInput) -> None:
    alert.description_sealed = seal_description(alert.id, draft.description)
    alert.age_estimate = draft.age_estimate
    alert.case_reference = draft.case_reference
    alert.justification = draft.justification
    alert.order_number = draft.order_number
    alert.order_date = draft.order_date
    alert.other_means_exhausted = draft.other_means_exhausted
    alert.targeting = draft.targeting
    alert.exercise = draft.exercise
    alert.proposed_duration_days = draft.duration_days
    alert.updated_at = utcnow()
    db.session.flush()


def own_draft(actor: User, alert_id: int) -> Alert:
    """A draft its creator may change (locked for update); 403 for others, 409 once submitted."""
    alert = police_alert(actor, alert_id, for_update=True)
    if actor.role != Role.INVESTIGATOR or alert.created_by_id != actor.id:
        raise PermissionDenied(str(_l("Only the investigator who made the draft may change it.")))
    if alert.status != AlertStatus.DRAFT:
        raise Conflict(str(_l("This alert is no longer a draft.")))
    return alert


def _age(value: str | int) -> str:
    raw = str(value) if isinstance(value, int) else value
    match = AGE.match(raw)
    if not match:
        raise ValueError(str(_l("Give an age or a range, such as 7 or 6-8.")))
    low, high = sorted((int(match[1]), int(match[2] or match[1])))
    return f"{low}" if low == high else f"{low}-{high}"


def _date(value: str | None) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(str(_l("Give the date as YYYY-MM-DD."))) from None
