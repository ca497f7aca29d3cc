"""Where encrypted blobs live: a small ``BlobStore`` protocol, the local-disk store and an
S3-compatible object store.

Blobs are opaque bytes (already encrypted by :mod:`schoolalert.crypto.aead`) under flat,
server-chosen random names (:func:`new_blob_name`, 32 hex characters), never a user's file
name. Both stores offer the same operations (put, get, delete, exists, list_blobs); a
delete removes every copy the store holds — on a versioned bucket every version and delete
marker — and ``exists`` looks at every copy too, so the purge's check after the commit that
nothing is left means what it says. ``list_blobs`` feeds the sweep of orphans (blobs no
committed row refers to).

The configuration chooses the store (:func:`blob_store_from_config`): ``IMAGE_S3_BUCKET`` set →
S3 (several web nodes share it), otherwise files under ``IMAGE_STORAGE_PATH``.
"""

from __future__ import annotations

import os
import re
import secrets
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from schoolalert.config import ConfigurationError
from schoolalert.durable_files import remove_file, write_file

_NAME = re.compile(r"[0-9a-f]{32}")

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


class BlobStoreError(RuntimeError):
    """The store could not do what was asked (for instance a copy survived a delete)."""


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
        write_file(self._path(name), data, replace=True)

    def get(self, name: str) -> bytes:
        path = self._path(name)
        try:
            descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except FileNotFoundError:
            raise BlobNotFound(name) from None
        with os.fdopen(descriptor, "rb") as file:
            return file.read()

    def delete(self, name: str) -> None:
        remove_file(self._path(name))

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


class S3BlobStore:
    """Blobs as objects ``<prefix><name>`` in one bucket of an S3-compatible object store.

    Credentials and region come the usual way of the AWS SDK (``AWS_ACCESS_KEY_ID``,
    ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``, ``AWS_DEFAULT_REGION``, a profile or an
    instance role); ``endpoint_url`` points at a store other than AWS (MinIO, Ceph, a provider's
    S3 endpoint). The client is made at first use in each process (after a web server forked).

    ``delete`` removes every version and delete marker of the key, so a versioned bucket keeps
    no older copy of the ciphertext, and then checks that none is left. ``exists`` is true while
    any version is left, current or not.
    """

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
        client: Any = None,
    ) -> None:
        if not bucket:
            raise ValueError("an S3 blob store needs a bucket")
        self.bucket = bucket
        self.prefix = prefix
        self.endpoint_url = endpoint_url or None
        self.region = region or None
        self._client = client
        self._lock = threading.Lock()

    @property
    def client(self) -> Any:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._make_client()
        return self._client

    def _make_client(self) -> Any:
        try:
            import boto3
            from botocore.config import Config
        except ImportError as error:  # pragma: no cover - depends on the installed extras
            raise BlobStoreError(
                "IMAGE_S3_BUCKET is set but boto3 is not installed: install schoolalert[s3]"
            ) from error
        config = Config(
            connect_timeout=5,
            read_timeout=30,
            retries={"max_attempts": 5, "mode": "standard"},
            # Checksums only where S3 requires them: stores other than AWS (older MinIO, Ceph)
            # refuse the newer default trailing checksums.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        return boto3.session.Session().client(
            "s3", endpoint_url=self.endpoint_url, region_name=self.region, config=config
        )

    def key(self, name: str) -> str:
        return self.prefix + validate_blob_name(name)

    def put(self, name: str, data: bytes) -> None:
        self.client.put_object(
            Bucket=self.bucket,
            Key=self.key(name),
            Body=data,
            ContentType="application/octet-stream",
        )

    def get(self, name: str) -> bytes:
        from botocore.exceptions import ClientError

        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self.key(name))
        except ClientError as error:
            if _error_code(error) in {"NoSuchKey", "404", "NotFound"}:
                raise BlobNotFound(name) from None
            raise
        with response["Body"] as body:
            return body.read()

    def delete(self, name: str) -> None:
        key = self.key(name)
        versions = list(self._versions(key))
        if versions:
            for start in range(0, len(versions), 1000):
                batch = versions[start : start + 1000]
                response = self.client.delete_objects(
                    Bucket=self.bucket,
                    Delete={
                        "Objects": [{"Key": key, "VersionId": version} for version in batch],
                        "Quiet": True,
                    },
                )
                if response.get("Errors"):
                    problem = response["Errors"][0]
                    raise BlobStoreError(
                        f"could not delete {key}: {problem.get('Code')} {problem.get('Message')}"
                    )
        else:
            # A store that lists no versions (or an object written a moment ago elsewhere).
            self.client.delete_object(Bucket=self.bucket, Key=key)
        left = list(self._versions(key))
        if left:
            raise BlobStoreError(f"{key} still has {len(left)} version(s) after the delete")

    def exists(self, name: str) -> bool:
        return any(True for _ in self._versions(self.key(name), markers=False))

    def list_blobs(self) -> Iterator[StoredBlob]:
        """Every blob name under the prefix with any version left (current or not), with the
        time of its newest version."""
        newest: dict[str, datetime] = {}
        paginator = self.client.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for entry in page.get("Versions", []):
                name = entry["Key"][len(self.prefix) :]
                if _NAME.fullmatch(name):
                    modified = entry["LastModified"].astimezone(UTC)
                    newest[name] = max(newest.get(name, modified), modified)
        for name, modified in newest.items():
            yield StoredBlob(name, modified)

    def _versions(self, key: str, *, markers: bool = True) -> Iterator[str]:
        """The version ids of ``key`` (``"null"`` on a bucket without versioning)."""
        paginator = self.client.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=key):
            entries = page.get("Versions", []) + (page.get("DeleteMarkers", []) if markers else [])
            for entry in entries:
                if entry["Key"] == key:
                    yield entry["VersionId"]


def _error_code(error: Any) -> str:
    return str(getattr(error, "response", {}).get("Error", {}).get("Code", ""))


def configured_blob_stores(extensions: Mapping[str, Any]) -> list[BlobStore]:
    """Every store that may hold an alert's blobs; a purge deletes from and checks each."""
    return [extensions["schoolalert.blobs"]]


def blob_store_from_config(config: Mapping[str, Any]) -> BlobStore:
    """The image store of an app's configuration: an S3 bucket when ``IMAGE_S3_BUCKET`` is set,
    else files under ``IMAGE_STORAGE_PATH``, else under ``<instance>/images``."""
    bucket = config.get("IMAGE_S3_BUCKET")
    if bucket and config.get("IMAGE_STORAGE_PATH"):
        raise ConfigurationError(
            "set IMAGE_S3_BUCKET or IMAGE_STORAGE_PATH, not both: the images live in one place"
        )
    if bucket:
        return S3BlobStore(
            bucket,
            prefix=config.get("IMAGE_S3_PREFIX") or "",
            endpoint_url=config.get("IMAGE_S3_ENDPOINT_URL"),
            region=config.get("IMAGE_S3_REGION"),
        )
    root = config.get("IMAGE_STORAGE_PATH") or Path(config["INSTANCE_PATH"]) / "images"
    return LocalBlobStore(root)
