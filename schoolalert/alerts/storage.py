"""Where encrypted blobs live: a small ``BlobStore`` protocol and the local-disk store.

Blobs are opaque bytes (already encrypted by :mod:`schoolalert.crypto.aead`) under flat,
server-chosen random names (:func:`new_blob_name`, 32 hex characters), never a user's file
name. The protocol is deliberately what an S3-compatible object store offers too (put, get,
delete, exists, list), so such a store can be added later without changing its callers.
``exists`` is asked after a purge has committed, to verify that every blob is gone;
``list_blobs`` feeds the sweep of orphans (blobs no committed row refers to).
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

_NAME = re.compile(r"[0-9a-f]{32}")
_DIRECTORY_MODE = 0o700

# The outbox task that deletes blobs once the transaction that dropped them has committed.
DELETE_BLOBS_TASK = "alerts.delete_blobs"


class InvalidBlobName(ValueError):
    """A name that the store did not choose (wrong form; possibly a path traversal attempt)."""


class BlobNotFound(LookupError):
    """No blob of that name (never stored, or deleted)."""


@dataclass(frozen=True)
class StoredBlob:
    name: str
    modified_at: datetime  # aware, UTC


@runtime_checkable
class BlobStore(Protocol):
    """Flat storage of opaque bytes by name."""

    def put(self, name: str, data: bytes) -> None:
        """Store ``data`` under ``name`` (replacing it); durable when this returns."""

    def get(self, name: str) -> bytes:
        """The bytes stored under ``name``; :class:`BlobNotFound` if there are none."""

    def delete(self, name: str) -> None:
        """Remove ``name`` durably; no error if it does not exist (idempotent)."""

    def exists(self, name: str) -> bool:
        """Whether ``name`` is stored, asked from the store itself (used to verify a purge)."""

    def list_blobs(self) -> Iterator[StoredBlob]:
        """Every stored blob with its last modification time (for the orphan sweep)."""


def new_blob_name() -> str:
    """A fresh random name (128 bits, hexadecimal)."""
    return secrets.token_hex(16)


def validate_blob_name(name: str) -> str:
    """``name`` if it has the form of :func:`new_blob_name`; :class:`InvalidBlobName` otherwise."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise InvalidBlobName(f"invalid blob name: {name!r}")
    return name


class LocalBlobStore:
    """Blobs as files in one directory (mode 0700), each file mode 0600.

    Writes go to a temporary file in the same directory, are fsynced, renamed into place and the
    directory fsynced: a crash leaves the old state or the new one, never a partial file.
    The directory is created at the first write, not when the store is built.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).absolute()

    def put(self, name: str, data: bytes) -> None:
        path = self._path(name)
        self._ensure_root()
        descriptor, temporary = tempfile.mkstemp(prefix=".tmp-", dir=self.root)  # mode 0600
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self._sync_root()

    def get(self, name: str) -> bytes:
        path = self._path(name)
        try:
            descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except FileNotFoundError:
            raise BlobNotFound(name) from None
        with os.fdopen(descriptor, "rb") as file:
            return file.read()

    def delete(self, name: str) -> None:
        path = self._path(name)
        try:
            path.unlink()
        except FileNotFoundError:
            return
        self._sync_root()

    def exists(self, name: str) -> bool:
        return os.path.lexists(self._path(name))

    def list_blobs(self) -> Iterator[StoredBlob]:
        if not self.root.is_dir():
            return
        for entry in os.scandir(self.root):
            if _NAME.fullmatch(entry.name):
                modified = entry.stat(follow_symlinks=False).st_mtime
                yield StoredBlob(entry.name, datetime.fromtimestamp(modified, UTC))

    def _path(self, name: str) -> Path:
        return self.root / validate_blob_name(name)

    def _ensure_root(self) -> None:
        self.root.mkdir(mode=_DIRECTORY_MODE, parents=True, exist_ok=True)
        if self.root.stat().st_mode & 0o777 != _DIRECTORY_MODE:
            self.root.chmod(_DIRECTORY_MODE)  # mkdir is subject to the umask; exist_ok keeps any

    def _sync_root(self) -> None:
        descriptor = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def configured_blob_stores(extensions: Mapping[str, Any]) -> list[BlobStore]:
    """Every store that may hold an alert's blobs; a purge deletes from and checks each."""
    return [extensions["schoolalert.blobs"]]


def blob_store_from_config(config: Mapping[str, Any]) -> BlobStore:
    """The image store of an app's configuration: ``IMAGE_STORAGE_PATH``, else
    ``<instance>/images``."""
    root = config.get("IMAGE_STORAGE_PATH") or Path(config["INSTANCE_PATH"]) / "images"
    return LocalBlobStore(root)
