"""The blob store: names, permissions, atomic and durable writes, deletion (PRODUCT I2, I7)."""

from __future__ import annotations

import os
import stat

import pytest

from schoolalert import create_app
from schoolalert.alerts import storage
from schoolalert.alerts.storage import (
    BlobNotFound,
    BlobStore,
    InvalidBlobName,
    LocalBlobStore,
    blob_store_from_config,
    new_blob_name,
    validate_blob_name,
)
from tests.conftest import base_config


@pytest.fixture
def store(tmp_path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "images")


def mode(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_put_get_exists_delete(store):
    name = new_blob_name()
    assert not store.exists(name)
    store.put(name, b"ciphertext")
    assert store.exists(name)
    assert store.get(name) == b"ciphertext"
    store.put(name, b"replaced")
    assert store.get(name) == b"replaced"
    store.delete(name)
    assert not store.exists(name)
    assert not (store.root / name).exists()
    with pytest.raises(BlobNotFound):
        store.get(name)
    store.delete(name)  # idempotent


def test_nothing_is_created_until_the_first_write(store):
    assert not store.exists(new_blob_name())
    with pytest.raises(BlobNotFound):
        store.get(new_blob_name())
    store.delete(new_blob_name())
    assert not store.root.exists()


def test_the_local_store_satisfies_the_protocol(store):
    assert isinstance(store, BlobStore)


def test_names_are_random_and_valid():
    names = {new_blob_name() for _ in range(100)}
    assert len(names) == 100
    assert all(validate_blob_name(name) == name and len(name) == 32 for name in names)


@pytest.mark.parametrize(
    "name",
    [
        "",
        "../x",
        "a/b",
        "/etc/passwd",
        "../" + "0" * 29,
        "0" * 31,
        "0" * 33,
        "A" * 32,  # upper case is not what the store writes
        "0" * 31 + "\n",
        ".tmp-" + "0" * 27,
        None,
        b"0" * 32,
    ],
)
def test_names_the_store_did_not_choose_are_refused(store, name):
    with pytest.raises(InvalidBlobName):
        validate_blob_name(name)
    for operation in (store.get, store.delete, store.exists, lambda n: store.put(n, b"x")):
        with pytest.raises(InvalidBlobName):
            operation(name)
    assert not store.root.exists() or not any(store.root.iterdir())


@pytest.mark.parametrize("umask", [0o000, 0o022, 0o077])
def test_files_are_0600_in_a_0700_directory(store, umask):
    previous = os.umask(umask)
    try:
        name = new_blob_name()
        store.put(name, b"x")
    finally:
        os.umask(previous)
    assert mode(store.root) == 0o700
    assert mode(store.root / name) == 0o600


def test_an_existing_directory_is_tightened(store):
    store.root.mkdir(mode=0o755)
    store.root.chmod(0o755)
    store.put(new_blob_name(), b"x")
    assert mode(store.root) == 0o700


def test_a_failed_write_leaves_the_old_content_and_no_stray_file(store, monkeypatch):
    name, fresh = new_blob_name(), new_blob_name()
    store.put(name, b"old content")

    def broken_fsync(descriptor):
        raise OSError("disk full")

    monkeypatch.setattr(storage.os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk full"):
        store.put(name, b"new content")
    with pytest.raises(OSError, match="disk full"):
        store.put(fresh, b"new content")
    monkeypatch.undo()
    assert store.get(name) == b"old content"
    assert not store.exists(fresh)
    assert sorted(path.name for path in store.root.iterdir()) == [name]


def test_writes_and_deletes_are_synced_to_disk(store, monkeypatch):
    synced: list[str] = []
    real_fsync = os.fsync

    def recording_fsync(descriptor):
        synced.append("directory" if stat.S_ISDIR(os.fstat(descriptor).st_mode) else "file")
        real_fsync(descriptor)

    monkeypatch.setattr(storage.os, "fsync", recording_fsync)
    name = new_blob_name()
    store.put(name, b"x")
    assert synced == ["file", "directory"]
    store.delete(name)
    assert synced == ["file", "directory", "directory"]


def test_a_planted_symlink_is_not_followed(store, tmp_path):
    secret = tmp_path / "secret"
    secret.write_bytes(b"not a blob")
    store.put(new_blob_name(), b"x")
    name = new_blob_name()
    (store.root / name).symlink_to(secret)
    assert store.exists(name)  # visible, so a purge check does not miss it
    with pytest.raises(OSError, match="symbolic link"):  # ELOOP from O_NOFOLLOW
        store.get(name)
    store.delete(name)
    assert secret.read_bytes() == b"not a blob"
    assert not store.exists(name)


def test_the_store_of_an_app_lives_in_the_instance_folder(tmp_path):
    app = create_app(base_config(tmp_path))
    default = blob_store_from_config(app.config)
    assert isinstance(default, LocalBlobStore)
    assert default.root == tmp_path / "images"
    assert not default.root.exists()

    elsewhere = tmp_path / "encrypted"
    configured = blob_store_from_config({**app.config, "IMAGE_STORAGE_PATH": str(elsewhere)})
    assert configured.root == elsewhere
