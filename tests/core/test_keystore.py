"""The key stores: the instance-folder file store and the PKCS#11 store (against SoftHSM2)."""

from __future__ import annotations

import base64
import os
import shutil
from pathlib import Path

import pytest

from schoolalert.config import ConfigurationError
from schoolalert.crypto.aead import DecryptionFailed, decrypt
from schoolalert.crypto.keystore import (
    FileKeyStore,
    KeyExists,
    KeyKind,
    KeyNotFound,
    KeyStore,
    ensure_key,
    key_created_at,
    key_store_from_config,
)

MASTER = base64.b64encode(bytes(range(1, 33))).decode()


@pytest.fixture(params=["file", "pkcs11"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> KeyStore:
    if request.param == "file":
        return key_store_from_config({"INSTANCE_PATH": str(tmp_path), "MASTER_KEY": MASTER})
    return key_store_from_config(request.getfixturevalue("softhsm_token"))


def test_keys_encrypt_decrypt_and_are_gone_once_destroyed(store):
    key_id = store.generate(KeyKind.AES)
    assert key_id.startswith("aes-")
    assert key_created_at(key_id) is not None
    blob = store.encrypt(key_id, b"Girl of about seven", b"description:1")
    assert b"Girl" not in blob
    assert store.decrypt(key_id, blob, b"description:1") == b"Girl of about seven"
    with pytest.raises(DecryptionFailed):
        store.decrypt(key_id, blob, b"description:2")
    with pytest.raises(DecryptionFailed):
        store.decrypt(key_id, blob[:-1] + bytes([blob[-1] ^ 1]), b"description:1")
    assert store.exists(key_id)
    assert key_id in set(store.key_ids())
    store.destroy(key_id)
    store.destroy(key_id)  # idempotent
    assert not store.exists(key_id)
    assert key_id not in set(store.key_ids())
    with pytest.raises(KeyNotFound):
        store.decrypt(key_id, blob, b"description:1")


def test_the_blob_format_does_not_depend_on_the_store(store):
    material = bytes(range(100, 132))
    key_id = store.import_key(KeyKind.AES, material)
    blob = store.encrypt(key_id, b"tip", b"tip:1:2")
    assert decrypt(blob, data_key=material, associated_data=b"tip:1:2") == b"tip"


def test_hmac_keys_and_fixed_names(store):
    key_id = ensure_key(store, KeyKind.HMAC, "audit-chain")
    assert ensure_key(store, KeyKind.HMAC, "audit-chain") == key_id
    with pytest.raises(KeyExists):
        store.generate(KeyKind.HMAC, "audit-chain")
    mac = store.mac(key_id, b"entry")
    assert len(mac) == 32
    assert mac == store.mac(key_id, b"entry") != store.mac(key_id, b"other")
    assert key_created_at(key_id) is None  # a fixed name is never an orphan
    store.destroy(key_id)


def test_the_file_store_keeps_keys_wrapped_private_and_atomic(tmp_path):
    store = FileKeyStore(tmp_path / "keys", master_key=lambda: MASTER)
    material = os.urandom(32)
    key_id = store.import_key(KeyKind.AES, material)
    path = tmp_path / "keys" / f"{key_id}.key"
    assert (tmp_path / "keys").stat().st_mode & 0o777 == 0o700
    assert path.stat().st_mode & 0o777 == 0o600
    assert material not in path.read_bytes()  # wrapped under the master key
    assert [p.name for p in (tmp_path / "keys").iterdir()] == [path.name]  # no temporary left
    with pytest.raises(KeyExists):
        store.import_key(KeyKind.AES, os.urandom(32), key_id)
    assert store.encrypt(key_id, b"x", b"a")  # the first key is still the one stored
    # Another master key, or a key file copied under another id, opens nothing.
    other = FileKeyStore(tmp_path / "keys", master_key=lambda: base64.b64encode(bytes(32 * [7])))
    with pytest.raises(DecryptionFailed):
        other.encrypt(key_id, b"x", b"a")
    shutil.copy(path, tmp_path / "keys" / "aes-1-00000000000000000000000000000000.key")
    with pytest.raises(DecryptionFailed):
        store.encrypt("aes-1-00000000000000000000000000000000", b"x", b"a")
    # An AES key is not an HMAC key.
    with pytest.raises(KeyNotFound):
        store.mac(key_id, b"x")


def test_the_store_is_chosen_by_configuration(tmp_path):
    default = key_store_from_config({"INSTANCE_PATH": str(tmp_path), "MASTER_KEY": MASTER})
    assert isinstance(default, FileKeyStore)
    assert default.root == tmp_path / "keys"
    elsewhere = key_store_from_config(
        {"INSTANCE_PATH": str(tmp_path), "KEY_STORE_PATH": str(tmp_path / "k")}
    )
    assert elsewhere.root == tmp_path / "k"
    with pytest.raises(ConfigurationError, match="PKCS11_LIBRARY"):
        key_store_from_config({"INSTANCE_PATH": str(tmp_path), "KEY_STORE": "pkcs11"})
    with pytest.raises(ConfigurationError, match="KEY_STORE must be"):
        key_store_from_config({"INSTANCE_PATH": str(tmp_path), "KEY_STORE": "vault"})


def test_hsm_keys_are_generated_in_the_token_and_never_extractable(softhsm_token):
    store = key_store_from_config(softhsm_token)
    key_id = store.generate(KeyKind.AES)
    assert store.attributes(key_id) == {
        "token": True,
        "sensitive": True,
        "extractable": False,
        "always_sensitive": True,
        "never_extractable": True,
    }
    # Imported keys (the migration) are sensitive and non-extractable from then on.
    imported = store.import_key(KeyKind.AES, os.urandom(32))
    attributes = store.attributes(imported)
    assert attributes["sensitive"]
    assert not attributes["extractable"]
    import pkcs11
    from pkcs11 import Attribute

    with store._session() as session:
        key = store._key(session, key_id)
        with pytest.raises(pkcs11.PKCS11Error):
            key[Attribute.VALUE]
    store.destroy(key_id)  # C_DestroyObject
    with store._session() as session:
        assert store._find(session, key_id) == []
