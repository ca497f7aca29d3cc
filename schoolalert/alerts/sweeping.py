"""Removing what no committed row refers to, and deleting blobs after a commit.

An image upload stores its encrypted blob before the transaction commits (the row must never
point at a blob that is not there), and a new draft generates its keys in the key store before
it commits; a rollback leaves such a blob or key behind, unreadable but unwanted. The hourly
sweep destroys every blob and every generated key that no row refers to once it is older than
``ORPHAN_GRACE_SECONDS`` (long enough for any transaction still in flight), and retries the
purges that are not verified yet.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, union

from schoolalert.alerts import keys
from schoolalert.alerts.closing import retry_unverified_purges
from schoolalert.alerts.models import AlertImage, AlertKey
from schoolalert.alerts.settings import setting
from schoolalert.alerts.storage import configured_blob_stores, validate_blob_name
from schoolalert.audit import services as audit
from schoolalert.crypto.keystore import key_created_at
from schoolalert.database import utcnow
from schoolalert.extensions import db

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepResult:
    blobs: int
    keys: int
    purges_retried: int


def delete_blobs(names: list[str]) -> None:
    """Outbox task: delete blobs that a committed transaction no longer refers to."""
    still_referenced = set(
        db.session.scalars(select(AlertImage.blob_name).where(AlertImage.blob_name.in_(names)))
    )
    for store in configured_blob_stores(current_app.extensions):
        for name in names:
            if validate_blob_name(name) not in still_referenced:
                store.delete(name)


def sweep_orphans() -> SweepResult:
    """Periodic task (hourly): orphan blobs and keys, and unverified purges."""
    cutoff = utcnow() - timedelta(seconds=setting("ORPHAN_GRACE_SECONDS"))
    referenced_blobs = set(
        db.session.scalars(select(AlertImage.blob_name).where(AlertImage.blob_name.is_not(None)))
    )
    blobs = 0
    for store in configured_blob_stores(current_app.extensions):
        for blob in list(store.list_blobs()):
            if blob.name not in referenced_blobs and blob.modified_at <= cutoff:
                store.delete(blob.name)
                blobs += 1
    referenced_keys = set(
        db.session.scalars(
            union(
                select(AlertKey.image_key_id).where(AlertKey.image_key_id.is_not(None)),
                select(AlertKey.response_key_id).where(AlertKey.response_key_id.is_not(None)),
            )
        )
    )
    store = keys.key_store()
    destroyed = 0
    for key_id in list(store.key_ids()):
        created = key_created_at(key_id)  # None: a fixed name such as the audit key
        if created is not None and created <= cutoff and key_id not in referenced_keys:
            store.destroy(key_id)
            destroyed += 1
    retried = retry_unverified_purges()
    if blobs or destroyed:
        logger.warning("sweep removed %d orphan blob(s) and %d orphan key(s)", blobs, destroyed)
        audit.record("storage.orphans_removed", details={"blobs": blobs, "keys": destroyed})
    return SweepResult(blobs, destroyed, retried)
