"""The two data keys of an alert: one for images and description, one for tip texts."""

from __future__ import annotations

from flask import current_app

from schoolalert.alerts.crypto import generate_data_key, unwrap_data_key, wrap_data_key
from schoolalert.alerts.models import AlertKey
from schoolalert.config import decode_master_key
from schoolalert.errors import NotFound
from schoolalert.extensions import db


def _master() -> bytes:
    return decode_master_key(current_app.config["MASTER_KEY"])


def create_keys(alert_id: int) -> AlertKey:
    master = _master()
    keys = AlertKey(
        alert_id=alert_id,
        image_key_wrapped=wrap_data_key(generate_data_key(), master_key=master, alert_id=alert_id),
        response_key_wrapped=wrap_data_key(
            generate_data_key(), master_key=master, alert_id=f"{alert_id}-responses"
        ),
    )
    db.session.add(keys)
    db.session.flush()
    return keys


def image_key(alert_id: int) -> bytes:
    """The unwrapped image key; NotFound once it has been destroyed."""
    keys = db.session.get(AlertKey, alert_id)
    if keys is None or keys.image_key_wrapped is None:
        raise NotFound("the images of this alert no longer exist")
    return unwrap_data_key(keys.image_key_wrapped, master_key=_master(), alert_id=alert_id)


def response_key(alert_id: int) -> bytes | None:
    """The unwrapped response key, or None after the retention period."""
    keys = db.session.get(AlertKey, alert_id)
    if keys is None or keys.response_key_wrapped is None:
        return None
    return unwrap_data_key(
        keys.response_key_wrapped, master_key=_master(), alert_id=f"{alert_id}-responses"
    )


def destroy_image_key(alert_id: int) -> None:
    keys = db.session.get(AlertKey, alert_id)
    if keys is not None:
        keys.image_key_wrapped = None
        _drop_when_empty(keys)


def destroy_response_key(alert_id: int) -> None:
    keys = db.session.get(AlertKey, alert_id)
    if keys is not None:
        keys.response_key_wrapped = None
        _drop_when_empty(keys)


def image_key_exists(alert_id: int) -> bool:
    """Asked from the database itself, for the purge verification."""
    wrapped = db.session.execute(
        db.select(AlertKey.image_key_wrapped).where(AlertKey.alert_id == alert_id)
    ).scalar_one_or_none()
    return wrapped is not None


def _drop_when_empty(keys: AlertKey) -> None:
    if keys.image_key_wrapped is None and keys.response_key_wrapped is None:
        db.session.delete(keys)
    db.session.flush()
