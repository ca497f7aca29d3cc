"""An audited export of a published alert's sanitised images and description for a plugin
(a partner abroad receives them): never the case reference, the justification or the order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from schoolalert.alerts import keys
from schoolalert.alerts.images import OUTPUT_MIME_TYPE
from schoolalert.alerts.models import Alert, AlertStatus
from schoolalert.audit import services as audit
from schoolalert.crypto.aead import associated_data, image_aad
from schoolalert.errors import Conflict, NotFound
from schoolalert.extensions import db


@dataclass(frozen=True)
class ExportedImage:
    kind: str
    mime_type: str
    data: bytes


@dataclass(frozen=True)
class AlertExport:
    alert_id: int
    description: str
    age_estimate: str
    approved_at: datetime
    expires_at: datetime
    images: list[ExportedImage]
    exercise: bool  # an exercise alert: never to be passed on as a real one


def export_alert(alert_id: int, *, purpose: str) -> AlertExport:
    """The published alert's description and images, decrypted; recorded in the audit trail
    with ``purpose`` (``"exchange:<partner>"``). 409 once the alert is no longer published."""
    alert = db.session.get(Alert, alert_id)
    if alert is None:
        raise NotFound("no such alert")
    if alert.status != AlertStatus.PUBLISHED or alert.description_sealed is None:
        raise Conflict("only a published alert can be exported")
    assert alert.approved_at is not None
    assert alert.expires_at is not None
    cipher = keys.image_cipher(alert.id)
    store = current_app.extensions["schoolalert.blobs"]
    images = [
        ExportedImage(
            kind=image.kind.value,
            mime_type=OUTPUT_MIME_TYPE,
            data=cipher.decrypt(store.get(image.blob_name), image_aad(alert.id, image.id)),
        )
        for image in alert.images
        if image.blob_name and image.destroyed_at is None
    ]
    description = cipher.decrypt(
        alert.description_sealed, associated_data("description", alert.id)
    ).decode()
    audit.record(
        "alert.exported",
        object_type="alert",
        object_id=alert.id,
        alert_id=alert.id,
        details={"purpose": purpose, "images": len(images)},
    )
    return AlertExport(
        alert_id=alert.id,
        description=description,
        age_estimate=alert.age_estimate,
        approved_at=alert.approved_at,
        expires_at=alert.expires_at,
        images=images,
        exercise=alert.exercise,
    )
