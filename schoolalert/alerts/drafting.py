"""Drafting an alert (investigator): the texts, the targeting, the images, and submitting it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l

from schoolalert.accounts.models import User
from schoolalert.accounts.roles import Role, require_role
from schoolalert.alerts import keys
from schoolalert.alerts.images import sanitize_image
from schoolalert.alerts.models import Alert, AlertImage, AlertStatus, ImageKind
from schoolalert.alerts.police import police_alert
from schoolalert.alerts.settings import setting
from schoolalert.alerts.storage import DELETE_BLOBS_TASK, new_blob_name
from schoolalert.alerts.targeting import parse_targeting, resolve_school_ids
from schoolalert.audit import services as audit
from schoolalert.crypto.aead import associated_data, image_aad
from schoolalert.database import utcnow
from schoolalert.errors import Conflict, InvalidInput, PermissionDenied
from schoolalert.events import AlertSubmitted
from schoolalert.extensions import db
from schoolalert.tasks.outbox import enqueue

AGE = re.compile(r"^\s*(\d{1,2})\s*(?:[-\u2013]\s*(\d{1,2})\s*)?$")  # hyphen or en dash
TEXT_LIMITS = {"description": 2000, "justification": 5000, "case_reference": 100}


@dataclass(frozen=True)
class DraftInput:
    description: str
    age_estimate: str
    case_reference: str
    justification: str
    targeting: dict[str, Any]
    duration_days: int
    order_number: str = ""
    order_date: date | None = None
    other_means_exhausted: bool = False


def parse_draft(data: Mapping[str, Any]) -> DraftInput:
    """Validate what an investigator wrote; InvalidInput names the first bad field."""
    texts = {name: _text(data, name, limit) for name, limit in TEXT_LIMITS.items()}
    duration = data.get("duration_days", setting("ALERT_DEFAULT_DAYS"))
    if isinstance(duration, bool) or not isinstance(duration, int):
        raise InvalidInput(
            str(_l("The duration must be a whole number of days.")), field="duration_days"
        )
    maximum = setting("ALERT_MAX_DAYS")
    if not 1 <= duration <= maximum:
        raise InvalidInput(
            str(_l("The duration must be 1 to %(max)d days.", max=maximum)), field="duration_days"
        )
    order_number = str(data.get("order_number") or "").strip()
    if len(order_number) > 50:
        raise InvalidInput(str(_l("The order number is too long.")), field="order_number")
    exhausted = data.get("other_means_exhausted", False)
    if not isinstance(exhausted, bool):
        raise InvalidInput(str(_l("Answer true or false.")), field="other_means_exhausted")
    return DraftInput(
        description=texts["description"],
        age_estimate=_age(data.get("age_estimate")),
        case_reference=texts["case_reference"],
        justification=texts["justification"],
        targeting=parse_targeting(data.get("targeting")),
        duration_days=duration,
        order_number=order_number,
        order_date=_date(data.get("order_date")),
        other_means_exhausted=exhausted,
    )


def create_draft(actor: User, draft: DraftInput) -> Alert:
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
    audit.record(
        "alert.created", actor=actor, object_type="alert", object_id=alert.id, alert_id=alert.id
    )
    return alert


def update_draft(actor: User, alert_id: int, draft: DraftInput) -> Alert:
    alert = own_draft(actor, alert_id)
    _apply(alert, draft)
    audit.record(
        "alert.updated", actor=actor, object_type="alert", object_id=alert.id, alert_id=alert.id
    )
    return alert


def add_image(
    actor: User, alert_id: int, source: bytes | BinaryIO, *, kind: str, attested: bool
) -> AlertImage:
    """Re-encode, encrypt and store one image of a draft (PRODUCT I6)."""
    alert = own_draft(actor, alert_id)
    if kind not in {member.value for member in ImageKind}:
        raise InvalidInput(
            str(_l("Choose the kind of image: face, clothing or object.")), field="kind"
        )
    if not attested:
        raise InvalidInput(
            str(_l("Confirm that the image shows no sexual content.")), field="attest"
        )
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


def submit(actor: User, alert_id: int) -> Alert:
    """Send the draft to a prosecutor; it becomes read-only for the investigator."""
    alert = own_draft(actor, alert_id)
    if not alert.images:
        raise InvalidInput(str(_l("Add at least one image before submitting.")), field="images")
    if not resolve_school_ids(parse_targeting(alert.targeting)):
        raise InvalidInput(
            str(_l("No participating school matches the targeting.")), field="targeting"
        )
    alert.status = AlertStatus.SUBMITTED
    alert.submitted_at = utcnow()
    alert.rejection_reason = None
    alert.updated_at = utcnow()
    audit.record(
        "alert.submitted", actor=actor, object_type="alert", object_id=alert.id, alert_id=alert.id
    )
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


def _text(data: Mapping[str, Any], name: str, limit: int) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(str(_l("This field is required.")), field=name)
    if len(value) > limit:
        raise InvalidInput(str(_l("At most %(count)d characters.", count=limit)), field=name)
    return value.strip()


def _age(value: Any) -> str:
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    match = AGE.match(text) if isinstance(text, str) else None
    if not match:
        raise InvalidInput(
            str(_l("Give an age or a range, such as 7 or 6-8.")), field="age_estimate"
        )
    low, high = int(match[1]), int(match[2] or match[1])
    if not 0 <= low <= high <= 18:
        raise InvalidInput(
            str(_l("Give an age or a range, such as 7 or 6-8.")), field="age_estimate"
        )
    return f"{low}" if low == high else f"{low}-{high}"


def _date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(str(_l("Give the date as YYYY-MM-DD.")), field="order_date") from None
