"""The two keys of an alert, in the key store: one for images and description, one for tips.

The ``alert_keys`` row holds only the key ids and when each key was destroyed; the keys
themselves are in the configured :class:`~schoolalert.crypto.keystore.KeyStore`, outside the
database, so a copy of the database (a dump, a replica, the heap's old row versions) together
with the master key decrypts nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from schoolalert.alerts.models import AlertKey
from schoolalert.crypto.keystore import KeyKind, KeyNotFound, KeyStore
from schoolalert.database import utcnow
from schoolalert.errors import NotFound
from schoolalert.extensions import db


def key_store() -> KeyStore:
    return current_app.extensions["schoolalert.keys"]


@dataclass(frozen=True)
class AlertCipher:
    """Encrypts and decrypts with one key of an alert, inside the key store."""

    store: KeyStore
    key_id: str

    def encrypt(self, plaintext: bytes, associated_data: bytes) -> bytes:
        try:
            return self.store.encrypt(self.key_id, plaintext, associated_data)
        except KeyNotFound:
            raise NotFound("the key of this alert no longer exists") from None

    def decrypt(self, blob: bytes, associated_data: bytes) -> bytes:
        try:
            return self.store.decrypt(self.key_id, blob, associated_data)
        except KeyNotFound:
            raise NotFound("the key of this alert no longer exists") from None


def create_keys(alert_id: int) -> AlertKey:
    """Generate both keys in the key store. A rollback leaves two unused keys there, which the
    orphan sweep destroys (:func:`schoolalert.alerts.sweeping.sweep_orphans`)."""
    store = key_store()
    keys = AlertKey(
        alert_id=alert_id,
        image_key_id=store.generate(KeyKind.AES),
        response_key_id=store.generate(KeyKind.AES),
    )
    db.session.add(keys)
    db.session.flush()
    return keys


def image_cipher(alert_id: int) -> AlertCipher:
    """The cipher of images and description; NotFound once the key has been destroyed."""
    keys = db.session.get(AlertKey, alert_id)
    if keys is None or keys.image_key_id is None or keys.image_key_destroyed_at is not None:
        raise NotFound("the images of this alert no longer exist")
    return AlertCipher(key_store(), keys.image_key_id)


def response_cipher(alert_id: int) -> AlertCipher | None:
    """The cipher of tips, or None after the retention period."""
    keys = db.session.get(AlertKey, alert_id)
    if keys is None or keys.response_key_id is None or keys.response_key_destroyed_at is not None:
        return None
    return AlertCipher(key_store(), keys.response_key_id)


def destroy_image_key(alert_id: int) -> str | None:
    """Destroy the image key in the key store now and mark it; returns its id."""
    keys = db.session.get(AlertKey, alert_id)
    if keys is None or keys.image_key_id is None:
        return None
    key_store().destroy(keys.image_key_id)
    if keys.image_key_destroyed_at is None:
        keys.image_key_destroyed_at = utcnow()
    db.session.flush()
    return keys.image_key_id


def destroy_response_key(alert_id: int) -> str | None:
    keys = db.session.get(AlertKey, alert_id)
    if keys is None or keys.response_key_id is None:
        return None
    key_store().destroy(keys.response_key_id)
    if keys.response_key_destroyed_at is None:
        keys.response_key_destroyed_at = utcnow()
    db.session.flush()
    return keys.response_key_id


def image_key_exists(alert_id: int) -> bool:
    """Asked from the key store itself, for the purge verification."""
    keys = db.session.get(AlertKey, alert_id)
    if keys is None or keys.image_key_id is None:
        return False
    return key_store().exists(keys.image_key_id)


def response_key_exists(alert_id: int) -> bool:
    keys = db.session.get(AlertKey, alert_id)
    if keys is None or keys.response_key_id is None:
        return False
    return key_store().exists(keys.response_key_id)
