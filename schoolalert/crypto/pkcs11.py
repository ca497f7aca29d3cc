"""A key store in a hardware security module, through PKCS#11 (``python-pkcs11``).

Keys are generated inside the token as persistent secret-key objects (``CKA_TOKEN``) that are
sensitive and non-extractable: their value never leaves the module. Encryption (``CKM_AES_GCM``)
and the audit MAC (``CKM_SHA256_HMAC``) run inside it; :meth:`Pkcs11KeyStore.destroy` calls
``C_DestroyObject``. Objects are found by their label, which is the key id.

Tested against SoftHSM2 (Debian ``softhsm2``). Install with the ``hsm`` extra
(``pip install 'schoolalert[hsm]'``); configure ``KEY_STORE=pkcs11``, ``PKCS11_LIBRARY`` (the
module's shared library), ``PKCS11_TOKEN_LABEL`` and ``PKCS11_PIN`` (the user PIN; from the
environment, never from a file in the repository).

A PKCS#11 library is initialised once per process; after a fork (RQ's work horses) the child
initialises it again (:meth:`_library`), as the standard requires.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from schoolalert.crypto.aead import KEY_SIZE, NONCE_SIZE, VERSION, DecryptionFailed
from schoolalert.crypto.keystore import (
    KeyExists,
    KeyKind,
    KeyNotFound,
    new_key_id,
    split_blob,
    validate_key_id,
)

_lock = threading.Lock()
_loaded: dict[str, tuple[int, Any]] = {}  # library path -> (pid, pkcs11.lib)


class Pkcs11KeyStore:
    name = "pkcs11"

    def __init__(self, *, library: str, token_label: str, pin: Callable[[], Any]) -> None:
        self.library = library
        self.token_label = token_label
        self._pin = pin

    # -- the protocol -------------------------------------------------------------------------

    def generate(self, kind: KeyKind, key_id: str | None = None) -> str:
        import pkcs11

        kind = KeyKind(kind)
        key_id = validate_key_id(key_id or new_key_id(kind))
        with self._session() as session:
            if self._find(session, key_id):
                raise KeyExists(key_id)
            session.generate_key(
                pkcs11.KeyType.AES if kind == KeyKind.AES else pkcs11.KeyType.GENERIC_SECRET,
                KEY_SIZE * 8,
                label=key_id,
                id=key_id.encode(),
                store=True,
                capabilities=_capabilities(kind),
                template=_protected(),
            )
        return key_id

    def import_key(self, kind: KeyKind, material: bytes, key_id: str | None = None) -> str:
        import pkcs11
        from pkcs11 import Attribute

        kind = KeyKind(kind)
        key_id = validate_key_id(key_id or new_key_id(kind))
        with self._session() as session:
            if self._find(session, key_id):
                raise KeyExists(key_id)
            attributes = {
                Attribute.CLASS: pkcs11.ObjectClass.SECRET_KEY,
                Attribute.KEY_TYPE: (
                    pkcs11.KeyType.AES if kind == KeyKind.AES else pkcs11.KeyType.GENERIC_SECRET
                ),
                Attribute.VALUE: material,
                Attribute.TOKEN: True,
                Attribute.PRIVATE: True,
                Attribute.LABEL: key_id,
                Attribute.ID: key_id.encode(),
                **_protected(),
            }
            if kind == KeyKind.AES:
                attributes |= {Attribute.ENCRYPT: True, Attribute.DECRYPT: True}
            else:
                attributes |= {Attribute.SIGN: True, Attribute.VERIFY: True}
            session.create_object(attributes)
        return key_id

    def encrypt(self, key_id: str, plaintext: bytes, associated_data: bytes) -> bytes:
        from pkcs11 import GCMParams, Mechanism

        nonce = os.urandom(NONCE_SIZE)
        with self._session() as session:
            key = self._key(session, key_id)
            sealed = key.encrypt(
                plaintext,
                mechanism=Mechanism.AES_GCM,
                mechanism_param=GCMParams(nonce, VERSION + associated_data),
            )
        return VERSION + nonce + bytes(sealed)

    def decrypt(self, key_id: str, blob: bytes, associated_data: bytes) -> bytes:
        from pkcs11 import GCMParams, Mechanism, PKCS11Error

        nonce, sealed = split_blob(blob)
        with self._session() as session:
            key = self._key(session, key_id)
            try:
                return bytes(
                    key.decrypt(
                        sealed,
                        mechanism=Mechanism.AES_GCM,
                        mechanism_param=GCMParams(nonce, VERSION + associated_data),
                    )
                )
            except PKCS11Error:
                raise DecryptionFailed("the blob does not match its key or context") from None

    def mac(self, key_id: str, message: bytes) -> bytes:
        from pkcs11 import Mechanism

        with self._session() as session:
            key = self._key(session, key_id)
            return bytes(key.sign(message, mechanism=Mechanism.SHA256_HMAC))

    def destroy(self, key_id: str) -> None:
        with self._session() as session:
            for item in self._find(session, validate_key_id(key_id)):
                item.destroy()  # C_DestroyObject

    def exists(self, key_id: str) -> bool:
        with self._session() as session:
            return bool(self._find(session, validate_key_id(key_id)))

    def key_ids(self) -> Iterator[str]:
        import pkcs11
        from pkcs11 import Attribute

        with self._session() as session:
            labels = [
                item[Attribute.LABEL]
                for item in session.get_objects({Attribute.CLASS: pkcs11.ObjectClass.SECRET_KEY})
            ]
        yield from labels

    # -- inside -------------------------------------------------------------------------------

    def attributes(self, key_id: str) -> dict[str, bool]:
        """The protection attributes of a key, as the token reports them (for tests, audits)."""
        from pkcs11 import Attribute

        with self._session() as session:
            key = self._key(session, key_id)
            return {
                "token": bool(key[Attribute.TOKEN]),
                "sensitive": bool(key[Attribute.SENSITIVE]),
                "extractable": bool(key[Attribute.EXTRACTABLE]),
                "always_sensitive": bool(key[Attribute.ALWAYS_SENSITIVE]),
                "never_extractable": bool(key[Attribute.NEVER_EXTRACTABLE]),
            }

    def _find(self, session: Any, key_id: str) -> list[Any]:
        import pkcs11
        from pkcs11 import Attribute

        return list(
            session.get_objects(
                {Attribute.CLASS: pkcs11.ObjectClass.SECRET_KEY, Attribute.LABEL: key_id}
            )
        )

    def _key(self, session: Any, key_id: str) -> Any:
        found = self._find(session, validate_key_id(key_id))
        if not found:
            raise KeyNotFound(key_id)
        return found[0]

    @contextmanager
    def _session(self) -> Iterator[Any]:
        token = self._library().get_token(token_label=self.token_label)
        pin = self._pin()
        with token.open(rw=True, user_pin=pin) as session:
            yield session

    def _library(self) -> Any:
        import pkcs11

        with _lock:
            loaded = _loaded.get(self.library)
            if loaded is not None and loaded[0] == os.getpid():
                return loaded[1]
            library = pkcs11.lib(self.library)
            if loaded is not None:
                library.reinitialize()  # a forked child: C_Initialize again
            _loaded[self.library] = (os.getpid(), library)
            return library


def _capabilities(kind: KeyKind) -> Any:
    from pkcs11 import MechanismFlag

    if kind == KeyKind.AES:
        return MechanismFlag.ENCRYPT | MechanismFlag.DECRYPT
    return MechanismFlag.SIGN | MechanismFlag.VERIFY


def _protected() -> dict[Any, Any]:
    from pkcs11 import Attribute

    return {Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False}
