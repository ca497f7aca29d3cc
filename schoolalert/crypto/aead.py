"""The encryption format at rest, one key per alert, and crypto-shredding (PRODUCT I2, I6).

All AES-256-GCM (``cryptography``):

- every alert has its own random 256-bit keys, kept in the key store
  (:mod:`schoolalert.crypto.keystore`), never in the database;
- the file key store keeps each key wrapped (:func:`wrap_data_key`) under a key-encryption key
  derived from the master key with HKDF-SHA256, with the key's id and kind as associated data,
  so a wrapped key copied under another id does not unwrap; an HSM keeps keys non-extractable;
- every blob (image, description, tip text) is encrypted with a fresh random 96-bit nonce and
  associated data naming its purpose and ids (:func:`image_aad`, :func:`tip_aad`), so a
  ciphertext moved to another alert, image or response does not decrypt.

Formats (the leading version byte is authenticated as part of the associated data)::

    wrapped key  01 | master key id (4) | nonce (12) | encrypted data key (32) | tag (16)
    blob         01 | nonce (12) | ciphertext | tag (16)

The master key id is derived from the master key (HKDF; it reveals nothing about it). A future
rotation can find the key files still wrapped by an old master key by that prefix and re-wrap
them (unwrap with the old, wrap with the new) without touching any blob.

Crypto-shredding: Python cannot reliably erase key material (bytes are immutable and may have
been copied or swapped out), so nothing here pretends to zeroise. Destruction consists of
destroying the key in the key store; since the database never held it, no copy of the database
or of a blob (backup, replica, a dead row version in the heap or the WAL, a file that escaped
deletion) can be decrypted afterwards, even with the master key.
"""

from __future__ import annotations

import os
import re
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_SIZE = 32
NONCE_SIZE = 12
TAG_SIZE = 16
KEY_ID_SIZE = 4
VERSION = b"\x01"
WRAPPED_KEY_SIZE = len(VERSION) + KEY_ID_SIZE + NONCE_SIZE + KEY_SIZE + TAG_SIZE

Identifier = int | str | UUID
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


class DecryptionFailed(Exception):
    """The data cannot be decrypted: wrong key or context, tampered, truncated or unknown format.

    Deliberately says no more than that, whichever of these it was.
    """


def generate_data_key() -> bytes:
    """A new random 256-bit data key for one alert."""
    return AESGCM.generate_key(bit_length=KEY_SIZE * 8)


def master_key_id(master_key: bytes) -> bytes:
    """The 4-byte identifier of a master key, as written in front of the keys it wraps."""
    return derive_key(master_key, b"schoolalert master key id v1", KEY_ID_SIZE)


def wrap_data_key(data_key: bytes, *, master_key: bytes, alert_id: Identifier) -> bytes:
    """The data key encrypted under the master key, bound to ``alert_id``; store this."""
    _check_key(data_key, "data key")
    header = VERSION + master_key_id(master_key)
    nonce = os.urandom(NONCE_SIZE)
    sealed = _wrapping_cipher(master_key).encrypt(nonce, data_key, header + _wrap_aad(alert_id))
    return header + nonce + sealed


def unwrap_data_key(wrapped: bytes, *, master_key: bytes, alert_id: Identifier) -> bytes:
    """The data key of ``alert_id``; :class:`DecryptionFailed` if anything does not match."""
    header = VERSION + master_key_id(master_key)
    if len(wrapped) != WRAPPED_KEY_SIZE or not wrapped.startswith(header):
        raise DecryptionFailed("the wrapped key has another format or master key")
    nonce, sealed = wrapped[len(header) : len(header) + NONCE_SIZE], wrapped[-KEY_SIZE - TAG_SIZE :]
    try:
        return _wrapping_cipher(master_key).decrypt(nonce, sealed, header + _wrap_aad(alert_id))
    except InvalidTag:
        raise DecryptionFailed("the wrapped key does not belong to this alert or key") from None


def encrypt(plaintext: bytes, *, data_key: bytes, associated_data: bytes) -> bytes:
    """Encrypt one object with a fresh nonce; ``associated_data`` must be given again to decrypt."""
    _check_key(data_key, "data key")
    nonce = os.urandom(NONCE_SIZE)
    return VERSION + nonce + AESGCM(data_key).encrypt(nonce, plaintext, VERSION + associated_data)


def decrypt(blob: bytes, *, data_key: bytes, associated_data: bytes) -> bytes:
    """The plaintext of :func:`encrypt`; :class:`DecryptionFailed` on any mismatch or tampering."""
    _check_key(data_key, "data key")
    if len(blob) < len(VERSION) + NONCE_SIZE + TAG_SIZE or not blob.startswith(VERSION):
        raise DecryptionFailed("the blob has another format")
    nonce, sealed = blob[1 : 1 + NONCE_SIZE], blob[1 + NONCE_SIZE :]
    try:
        return AESGCM(data_key).decrypt(nonce, sealed, VERSION + associated_data)
    except InvalidTag:
        raise DecryptionFailed("the blob does not match its key or context") from None


def associated_data(purpose: str, *ids: Identifier) -> bytes:
    """``purpose:id:id…`` as bytes; every part is checked so that no two contexts collide."""
    return ":".join(_token(part) for part in (purpose, *ids)).encode("ascii")


def image_aad(alert_id: Identifier, image_id: Identifier) -> bytes:
    """Associated data of an image of an alert: ``b"image:{alert_id}:{image_id}"``."""
    return associated_data("image", alert_id, image_id)


def tip_aad(alert_id: Identifier, response_id: Identifier) -> bytes:
    """Associated data of the text of a response (tip): ``b"tip:{alert_id}:{response_id}"``."""
    return associated_data("tip", alert_id, response_id)


def _wrap_aad(alert_id: Identifier) -> bytes:
    return associated_data("data-key", alert_id)


def _token(value: Identifier) -> str:
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    if isinstance(value, str) and _TOKEN.fullmatch(value):
        return value
    raise ValueError(f"not a usable identifier: {value!r}")


def _wrapping_cipher(master_key: bytes) -> AESGCM:
    return AESGCM(derive_key(master_key, b"schoolalert data key wrapping v1"))


def derive_key(master_key: bytes, info: bytes, length: int = KEY_SIZE) -> bytes:
    """A key for one purpose, derived from the master key (HKDF-SHA256)."""
    _check_key(master_key, "master key")
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(master_key)


def _check_key(key: bytes, name: str) -> None:
    if not isinstance(key, bytes) or len(key) != KEY_SIZE:
        raise ValueError(f"the {name} must be {KEY_SIZE} bytes")
