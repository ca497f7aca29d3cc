"""Files that survive a crash and die for good: the one way the file stores write and remove.

Both the blob store on local disk and the file key store keep one private directory of small
files. A write goes to a temporary file in that directory, is fsynced, moved into place and the
directory fsynced, so a crash leaves the old state or the new one, never a partial file. A removal
unlinks and fsyncs the directory, so the name is gone once it returns.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

PRIVATE_DIRECTORY_MODE = 0o700


def ensure_private_directory(directory: Path) -> None:
    """Create ``directory`` (mode 0700) if needed; mend its mode if it exists with another."""
    directory.mkdir(mode=PRIVATE_DIRECTORY_MODE, parents=True, exist_ok=True)
    if directory.stat().st_mode & 0o777 != PRIVATE_DIRECTORY_MODE:
        directory.chmod(PRIVATE_DIRECTORY_MODE)  # mkdir is subject to the umask; exist_ok keeps any


def sync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_file(path: Path, data: bytes, *, replace: bool) -> None:
    """Write ``data`` to ``path`` (mode 0600) durably. With ``replace`` false an existing file
    is never replaced: :class:`FileExistsError` instead."""
    ensure_private_directory(path.parent)
    descriptor, temporary = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        if replace:
            os.replace(temporary, path)
        else:
            os.link(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)
    sync_directory(path.parent)


def remove_file(path: Path) -> None:
    """Unlink ``path`` durably; nothing to do when it does not exist."""
    try:
        path.unlink()
    except FileNotFoundError:
        return
    sync_directory(path.parent)
