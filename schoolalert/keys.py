"""Keys derived from the master key for sealing small secrets at rest (AES-256-GCM).

Each purpose gets its own key (HKDF-SHA256), and every sealed value is bound to where it belongs
through associated data, so a value copied to another row does not open.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from schoolalert.config import decode_master_key

FORMAT_VERSION = b"\x01"
NONCE_BYTES = 12


class SealBroken(ValueError):
    """The sealed value was changed, belongs elsewhere, or the key is not the right one."""


def purpose_key(purpose: str) -> bytes:
    master = decode_master_key(current_app.config["MASTER_KEY"])
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=f"schoolalert:{purpose}".encode()
    ).derive(master)


def seal(purpose: str, plaintext: bytes, associated_data: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return (
        FORMAT_VERSION
        + nonce
        + AESGCM(purpose_key(purpose)).encrypt(nonce, plaintext, associated_data)
    )


def unseal(purpose: str, sealed: bytes, associated_data: bytes) -> bytes:
    if not sealed.startswith(FORMAT_VERSION) or len(sealed) < 1 + NONCE_BYTES + 16:
        raise SealBroken("unknown sealed format")
    nonce, ciphertext = sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :]
    try:
        return AESGCM(purpose_key(purpose)).decrypt(nonce, ciphertext, associated_data)
    except InvalidTag as error:
        raise SealBroken("the sealed value does not open") from error
