"""The audit chain's MAC: HMAC-SHA-256 under a key that is not in the database.

Each entry's ``hash`` is ``HMAC(audit key, canonical JSON of its content and previous_hash)``,
hex-encoded; the first entry chains to :data:`GENESIS_HASH`. The key is the fixed-name HMAC key
:data:`AUDIT_KEY_ID` in the key store (file store or HSM), so whoever can write the database but
not use that key cannot append, change, reorder or recompute entries without
``schoolalert audit verify`` noticing. Checkpoints (:mod:`schoolalert.audit.checkpoints`) are
MACed under the same key with another prefix, so an entry MAC can never pass for a checkpoint.
"""

from __future__ import annotations

import hmac
import json
from datetime import datetime
from typing import Any

from flask import current_app

from schoolalert.crypto.keystore import KeyKind, KeyStore, ensure_key

AUDIT_KEY_ID = "audit-chain"
ENTRY_PREFIX = b"schoolalert audit entry v2\n"
CHECKPOINT_PREFIX = b"schoolalert audit checkpoint v1\n"


def audit_key_store() -> KeyStore:
    store: KeyStore = current_app.extensions["schoolalert.keys"]
    ensure_key(store, KeyKind.HMAC, AUDIT_KEY_ID)
    return store


def canonical(content: dict[str, Any]) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def entry_content(fields: dict[str, Any], occurred_at: datetime, previous_hash: str) -> bytes:
    """What the MAC covers: the entry's fields, its time and the MAC of the entry before."""
    return canonical(
        fields
        | {"occurred_at": occurred_at.isoformat(timespec="microseconds")}
        | {"previous_hash": previous_hash}
    )


def entry_mac(store: KeyStore, content: bytes) -> str:
    return store.mac(AUDIT_KEY_ID, ENTRY_PREFIX + content).hex()


def checkpoint_mac(store: KeyStore, content: bytes) -> str:
    return store.mac(AUDIT_KEY_ID, CHECKPOINT_PREFIX + content).hex()


def same(left: str | None, right: str | None) -> bool:
    return left is not None and right is not None and hmac.compare_digest(left, right)
