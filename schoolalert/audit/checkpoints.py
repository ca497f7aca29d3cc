"""Signed checkpoints of the audit chain: sequence number, head and time, outside the database.

A checkpoint is one JSON line ``{"sequence", "head", "time", "reason", "mac"}``, the MAC being
HMAC-SHA-256 under the audit key (:mod:`schoolalert.audit.chain`). It is appended to an
append-only file in the instance folder (``AUDIT_CHECKPOINT_PATH``, default
``<instance>/audit-checkpoints.jsonl``; opened with ``O_APPEND`` and fsynced) and written to the
log (logger ``schoolalert.audit.checkpoint``, level INFO), from where an operator ships it to a
second system (syslog, WORM storage; see docs/security.md). Someone who cuts the tail of the
chain, or rebuilds it, cannot make it agree with checkpoints they cannot rewrite.

Checkpoints are written every 15 minutes (periodic task ``audit.checkpoint``), after every
purge, and when a chain is re-anchored.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app

from schoolalert.audit.chain import audit_key_store, canonical, checkpoint_mac, same
from schoolalert.audit.models import AuditHead
from schoolalert.database import utcnow
from schoolalert.extensions import db

CHECKPOINT_TASK = "audit.checkpoint"
logger = logging.getLogger("schoolalert.audit.checkpoint")


@dataclass(frozen=True)
class Checkpoint:
    sequence: int
    head: str
    time: str
    reason: str
    mac: str

    def content(self) -> bytes:
        return canonical(
            {"sequence": self.sequence, "head": self.head, "time": self.time, "reason": self.reason}
        )

    def as_line(self) -> str:
        return json.dumps(self.__dict__, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class CheckpointLine:
    number: int  # 1-based line number in the file
    checkpoint: Checkpoint | None  # None: the line is not a checkpoint at all
    genuine: bool


def checkpoint_path() -> Path:
    configured = current_app.config.get("AUDIT_CHECKPOINT_PATH")
    return Path(configured or Path(current_app.config["INSTANCE_PATH"]) / "audit-checkpoints.jsonl")


def sign(sequence: int, head: str, time: datetime, reason: str) -> Checkpoint:
    unsigned = Checkpoint(sequence, head, time.isoformat(timespec="seconds"), reason, "")
    return Checkpoint(
        sequence, head, unsigned.time, reason, checkpoint_mac(audit_key_store(), unsigned.content())
    )


def write_checkpoint(
    reason: str = "periodic", *, sequence: int | None = None, head: str | None = None
) -> Checkpoint:
    """Sign the committed head of the chain (or the one given) and append it to the file and
    the log."""
    if sequence is None or head is None:
        current = db.session.get(AuditHead, 1, populate_existing=True)
        sequence, head = (current.sequence, current.last_hash) if current else (0, "")
    checkpoint = sign(sequence, head, utcnow(), reason[:100])
    append(checkpoint_path(), checkpoint)
    logger.info("audit checkpoint %s", checkpoint.as_line())
    return checkpoint


def append(path: Path, checkpoint: Checkpoint) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, (checkpoint.as_line() + "\n").encode())
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def read_checkpoints(path: Path | None = None) -> list[CheckpointLine]:
    """Every line of the checkpoint file, each checked against the audit key."""
    path = path or checkpoint_path()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    store = audit_key_store()
    result = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        checkpoint = _parse(line)
        genuine = checkpoint is not None and same(
            checkpoint.mac, checkpoint_mac(store, checkpoint.content())
        )
        result.append(CheckpointLine(number, checkpoint, genuine))
    return result


def _parse(line: str) -> Checkpoint | None:
    try:
        data: Any = json.loads(line)
        checkpoint = Checkpoint(
            sequence=data["sequence"],
            head=data["head"],
            time=data["time"],
            reason=data["reason"],
            mac=data["mac"],
        )
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(checkpoint.sequence, int) or not all(
        isinstance(value, str)
        for value in (checkpoint.head, checkpoint.time, checkpoint.reason, checkpoint.mac)
    ):
        return None
    return checkpoint


def checkpoint_task(reason: str = "periodic") -> None:
    write_checkpoint(reason)
