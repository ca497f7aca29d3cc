"""Keys derived from the master key for sealing small secrets at rest (AES-256-GCM).

Each purpose gets its own key (HKDF), and every sealed value is bound to where it belongs through
associated data, so a value copied to another row does not open. The format is that of
:mod:`schoolalert.crypto.aead`, which also raises :class:`DecryptionFailed` for a broken seal.
"""

from __future__ import annotations

from flask import current_app

from schoolalert.config import decode_master_key
from schoolalert.crypto.aead import decrypt, derive_key, encrypt


def purpose_key(purpose: str) -> bytes:
    master = decode_master_key(current_app.config["MASTER_KEY"])
    return derive_key(master, f"schoolalert:{purpose}".encode())


def seal(purpose: str, plaintext: bytes, associated_data: bytes) -> bytes:
    return encrypt(plaintext, data_key=purpose_key(purpose), associated_data=associated_data)


def unseal(purpose: str, sealed: bytes, associated_data: bytes) -> bytes:
    return decrypt(sealed, data_key=purpose_key(purpose), associated_data=associated_data)
