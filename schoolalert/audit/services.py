"""Recording, verifying and searching the audit trail."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, event, func, insert, select, update
from sqlalchemy.orm import ORMExecuteState, Session

from schoolalert.accounts.models import User
from schoolalert.accounts.roles import AUDIT_READERS
from schoolalert.audit.chain import audit_key_store, entry_content, entry_mac, same
from schoolalert.audit.checkpoints import CheckpointLine, read_checkpoints
from schoolalert.audit.models import GENESIS_HASH, AuditEvent, AuditHead
from schoolalert.database import utcnow
from schoolalert.errors import InvalidInput, PermissionDenied
from schoolalert.extensions import db
from schoolalert.origin import current_origin

# Keys that must never appear in details: secrets and the content of tips (PRODUCT I3, I4).
FORBIDDEN_DETAIL_KEYS = frozenset(
    {"password", "otp", "code", "token", "secret", "tip", "message", "description"}
)
PAGE_SIZE = 100


class AppendOnlyViolation(RuntimeError):
    pass


def record(
    action: str,
    *,
    actor: User | None = None,
    object_type: str | None = None,
    object_id: int | str | None = None,
    alert_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an entry to the current transaction; it joins the chain when that commits.

    Its sequence number, link and MAC are given right before the commit (:func:`_chain`), so
    the chain's head is locked for the commit itself, not for the rest of the request; a
    transaction (or savepoint) that rolls back leaves no entry and no gap.
    """
    details = dict(details or {})
    leaked = FORBIDDEN_DETAIL_KEYS & {key.lower() for key in details}
    if leaked:
        raise ValueError(f"audit details must not contain {sorted(leaked)}")
    origin = current_origin()
    entry = AuditEvent(
        occurred_at=utcnow(),
        actor_id=actor.id if actor else None,
        actor_role=actor.role.value if actor else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        alert_id=alert_id,
        client_address=origin.client_address,
        request_id=origin.request_id,
        details=details,
    )
    session = db.session()
    session.connection()  # the transaction this entry belongs to has begun
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append((entry, transaction))
    return entry


_PENDING = "schoolalert_audit_pending"


@event.listens_for(Session, "before_commit")
def _chain(session: Session) -> None:
    """Chain the transaction's entries in one step: one update of the head claims their
    sequence numbers (and locks it until the commit that follows), then they are MACed in
    order, inserted, and the head moves to the last one.

    Both statements are built once and take their values as parameters, so SQLAlchemy compiles
    them once per process (a multi-row ``VALUES`` would be compiled anew on every commit);
    several entries go in as one ``executemany``.
    """
    if session.in_nested_transaction():
        return
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    entries = [entry for entry, _transaction in pending]
    connection = session.connection()  # Core statements: no ORM bookkeeping for the head
    last, previous_hash = connection.execute(_CLAIM, {"count": len(entries)}).one()
    for number, entry in enumerate(entries, start=last - len(entries) + 1):
        entry.sequence, entry.previous_hash = number, previous_hash
        entry.hash = previous_hash = entry_hash(entry)
    rows = [{column: getattr(entry, column) for column in _COLUMNS} for entry in entries]
    connection.execute(_INSERT, rows)
    connection.execute(_MOVE, {"last_hash": previous_hash})


_COLUMNS = [column.key for column in AuditEvent.__table__.columns if column.key != "id"]
_HEAD = AuditHead.__table__
_CLAIM = (
    update(_HEAD)
    .where(_HEAD.c.id == 1)
    .values(sequence=_HEAD.c.sequence + bindparam("count"))
    .returning(_HEAD.c.sequence, _HEAD.c.last_hash)
)
_INSERT = insert(AuditEvent.__table__)
_MOVE = update(_HEAD).where(_HEAD.c.id == 1).values(last_hash=bindparam("last_hash"))


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous_transaction: Any) -> None:
    """Entries written in a transaction or savepoint that rolled back never happened."""
    pending = session.info.get(_PENDING)
    if pending:
        session.info[_PENDING] = [
            (entry, transaction)
            for entry, transaction in pending
            if not _within(transaction, previous_transaction)
        ]


def _within(transaction: Any, ended: Any) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


def entry_fields(entry: AuditEvent) -> dict[str, Any]:
    """What an entry says, besides when and how it is chained."""
    return {
        "sequence": entry.sequence,
        "actor_id": entry.actor_id,
        "actor_role": entry.actor_role,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "alert_id": entry.alert_id,
        "client_address": entry.client_address,
        "request_id": entry.request_id,
        "details": entry.details or {},
    }


def entry_hash(entry: AuditEvent) -> str:
    """The entry's MAC (HMAC-SHA-256 under the audit key in the key store; hex)."""
    content = entry_content(entry_fields(entry), entry.occurred_at, entry.previous_hash)
    return entry_mac(audit_key_store(), content)


@dataclass(frozen=True)
class ChainVerification:
    intact: bool
    checked: int
    broken_sequence: int | None = None
    reason: str | None = None
    # Set when entries are missing: the first and last missing sequence number.
    missing: tuple[int, int] | None = None
    checkpoints: int = 0


def verify_chain(checkpoints: list[CheckpointLine] | None = None) -> ChainVerification:
    """Recompute every MAC in order and hold the chain against the signed checkpoints; report
    the first entry that does not fit, or the range of entries that is missing."""
    if checkpoints is None:
        checkpoints = read_checkpoints()
    store = audit_key_store()
    expected_sequence, previous_hash, checked = 1, GENESIS_HASH, 0
    heads: dict[int, str] = {}
    wanted = {line.checkpoint.sequence for line in checkpoints if line.checkpoint}
    entries = db.session.scalars(
        select(AuditEvent).order_by(AuditEvent.sequence).execution_options(yield_per=1000)
    )
    for entry in entries:
        if entry.sequence != expected_sequence:
            missing = (expected_sequence, entry.sequence - 1)
            return ChainVerification(
                False, checked, expected_sequence, f"{_range(missing)} missing", missing
            )
        if not same(entry.previous_hash, previous_hash):
            return ChainVerification(False, checked, entry.sequence, "chain link broken")
        expected_mac = entry_mac(
            store, entry_content(entry_fields(entry), entry.occurred_at, entry.previous_hash)
        )
        if not same(expected_mac, entry.hash):
            return ChainVerification(
                False, checked, entry.sequence, "content changed or not written by the application"
            )
        if entry.sequence in wanted:
            heads[entry.sequence] = entry.hash
        previous_hash, expected_sequence, checked = entry.hash, expected_sequence + 1, checked + 1
    head = db.session.get(AuditHead, 1)
    if head is None or head.sequence < checked:
        return ChainVerification(False, checked, checked, "the chain head is behind its entries")
    if head.sequence > checked:
        missing = (checked + 1, head.sequence)
        return ChainVerification(
            False, checked, checked + 1, f"{_range(missing)} missing at the end", missing
        )
    if not same(head.last_hash, previous_hash):
        return ChainVerification(False, checked, checked, "the chain head does not match")
    return _against_checkpoints(checkpoints, heads, checked)


def _against_checkpoints(
    checkpoints: list[CheckpointLine], heads: dict[int, str], checked: int
) -> ChainVerification:
    for line in checkpoints:
        checkpoint = line.checkpoint
        if checkpoint is None or not line.genuine:
            return ChainVerification(
                False, checked, None, f"checkpoint on line {line.number} is not genuine"
            )
        if checkpoint.sequence > checked:
            missing = (checked + 1, checkpoint.sequence)
            return ChainVerification(
                False,
                checked,
                checked + 1,
                f"{_range(missing)} missing at the end "
                f"(the checkpoint of {checkpoint.time} covers them)",
                missing,
            )
        if checkpoint.sequence and not same(heads.get(checkpoint.sequence), checkpoint.head):
            return ChainVerification(
                False,
                checked,
                checkpoint.sequence,
                f"the chain differs from the checkpoint of {checkpoint.time}",
            )
    return ChainVerification(True, checked, checkpoints=len(checkpoints))


def _range(missing: tuple[int, int]) -> str:
    first, last = missing
    return f"entry {first}" if first == last else f"entries {first}-{last}"


@dataclass(frozen=True)
class AuditFilter:
    alert_id: int | None = None
    actor_id: int | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def search(viewer: User, filters: AuditFilter, page: int = 1) -> tuple[list[AuditEvent], int]:
    """Entries matching ``filters``, newest first; for administrators and prosecutors."""
    if viewer.role not in AUDIT_READERS:
        raise PermissionDenied("only administrators and prosecutors read the audit trail")
    if page < 1:
        raise InvalidInput("page must be 1 or more", field="page")
    query = _filtered(select(AuditEvent), filters)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(
        query.order_by(AuditEvent.sequence.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    return list(rows), total


def actor_names(viewer: User, entries: Iterable[AuditEvent]) -> dict[int, str]:
    """The names of the users who acted in ``entries``, for the trail's readers."""
    if viewer.role not in AUDIT_READERS:
        raise PermissionDenied("only administrators and prosecutors read the audit trail")
    ids = {entry.actor_id for entry in entries if entry.actor_id is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def _filtered(query: Select[Any], filters: AuditFilter) -> Select[Any]:
    if filters.alert_id is not None:
        query = query.where(AuditEvent.alert_id == filters.alert_id)
    if filters.actor_id is not None:
        query = query.where(AuditEvent.actor_id == filters.actor_id)
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.since:
        query = query.where(AuditEvent.occurred_at >= filters.since)
    if filters.until:
        query = query.where(AuditEvent.occurred_at < filters.until)
    return query


# -- Append-only, enforced in the ORM (and by a database trigger, see the migration) -----------


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(*_args: Any) -> None:
    raise AppendOnlyViolation("audit entries cannot be changed")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(*_args: Any) -> None:
    raise AppendOnlyViolation("audit entries cannot be deleted")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and _touches_audit(state.all_mappers):
        raise AppendOnlyViolation("audit entries cannot be changed or deleted")


def _touches_audit(mappers: Iterable[Any]) -> bool:
    return any(mapper.class_ is AuditEvent for mapper in mappers)
