"""keys leave the database; the audit chain is re-anchored under an HMAC key

Revision ID: 0006_keystore
Revises: 0005_alerts
Create Date: 2026-12-01 19:00:00

Data migration, in the instance's own app context (``schoolalert init``): it reaches the key
store and the master key through the running application's configuration
(``current_app.extensions["schoolalert.keys"]``, ``MASTER_KEY``), exactly as the application
will use them afterwards.

1. Every alert key still wrapped in ``alert_keys`` is unwrapped with the master key, imported
   into the key store (as a non-extractable object in an HSM) and replaced by its id; the
   wrapped-key columns are dropped. Keys destroyed before this migration stay destroyed.
2. The audit chain is re-anchored: the old SHA-256 chain is verified, every entry is chained
   again with HMAC-SHA-256 under the audit key, a transition entry
   ``audit.chain_reanchored`` records how many entries there were, the old head and whether the
   old chain was intact, and a signed checkpoint of the new head is written. On an empty chain
   nothing is written.

Copies of the database taken *before* this migration still hold the wrapped keys of the alerts
that were live then: docs/security.md says how to treat such backups.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from flask import current_app

from schoolalert.database import UTCDateTime

revision = "0006_keystore"
down_revision = "0005_alerts"
branch_labels = None
depends_on = None

GENESIS = "0" * 64

alert_keys = sa.table(
    "alert_keys",
    sa.column("alert_id", sa.Integer),
    sa.column("image_key_wrapped", sa.LargeBinary),
    sa.column("response_key_wrapped", sa.LargeBinary),
    sa.column("image_key_id", sa.String),
    sa.column("response_key_id", sa.String),
    sa.column("image_key_destroyed_at", UTCDateTime),
    sa.column("response_key_destroyed_at", UTCDateTime),
)
purge_records = sa.table(
    "purge_records",
    sa.column("purged_at", UTCDateTime),
    sa.column("checked_at", UTCDateTime),
)
audit_events = sa.table(
    "audit_events",
    sa.column("id", sa.Integer),
    sa.column("sequence", sa.Integer),
    sa.column("occurred_at", UTCDateTime),
    sa.column("actor_id", sa.Integer),
    sa.column("actor_role", sa.String),
    sa.column("action", sa.String),
    sa.column("object_type", sa.String),
    sa.column("object_id", sa.String),
    sa.column("alert_id", sa.Integer),
    sa.column("client_address", sa.String),
    sa.column("request_id", sa.String),
    sa.column("details", sa.JSON),
    sa.column("previous_hash", sa.String),
    sa.column("hash", sa.String),
)
audit_head = sa.table(
    "audit_head",
    sa.column("id", sa.Integer),
    sa.column("sequence", sa.Integer),
    sa.column("last_hash", sa.String),
)
FIELDS = (
    "sequence",
    "actor_id",
    "actor_role",
    "action",
    "object_type",
    "object_id",
    "alert_id",
    "client_address",
    "request_id",
    "details",
)


def upgrade():
    with op.batch_alter_table("alert_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("image_key_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("response_key_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("image_key_destroyed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("response_key_destroyed_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("purge_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("checked_at", sa.DateTime(), nullable=True))
    bind = op.get_bind()
    _move_keys(bind)
    with op.batch_alter_table("alert_keys", schema=None) as batch_op:
        batch_op.drop_column("image_key_wrapped")
        batch_op.drop_column("response_key_wrapped")
    # Earlier purges were checked in their own transaction; that is what they say.
    bind.execute(purge_records.update().values(checked_at=purge_records.c.purged_at))
    _reanchor_audit_chain(bind)


def downgrade():
    bind = op.get_bind()
    live = bind.execute(
        sa.select(sa.func.count())
        .select_from(alert_keys)
        .where(
            sa.or_(
                alert_keys.c.image_key_destroyed_at.is_(None),
                alert_keys.c.response_key_destroyed_at.is_(None),
            )
        )
    ).scalar_one()
    if live:
        raise RuntimeError(
            f"{live} alert(s) have live keys in the key store; keys do not move back into the "
            "database (close the alerts and let the responses' retention end first)"
        )
    with op.batch_alter_table("purge_records", schema=None) as batch_op:
        batch_op.drop_column("checked_at")
    with op.batch_alter_table("alert_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("image_key_wrapped", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("response_key_wrapped", sa.LargeBinary(), nullable=True))
        batch_op.drop_column("response_key_destroyed_at")
        batch_op.drop_column("image_key_destroyed_at")
        batch_op.drop_column("response_key_id")
        batch_op.drop_column("image_key_id")
    # The audit chain stays HMAC-chained: the older code cannot verify it (it never could
    # verify a chain it did not write), and rewriting it back to plain SHA-256 would only
    # weaken it.


def _move_keys(bind) -> None:
    from schoolalert.config import decode_master_key
    from schoolalert.crypto.aead import unwrap_data_key
    from schoolalert.crypto.keystore import KeyKind

    rows = bind.execute(
        sa.select(
            alert_keys.c.alert_id,
            alert_keys.c.image_key_wrapped,
            alert_keys.c.response_key_wrapped,
        )
    ).all()
    if not rows:
        return
    store = current_app.extensions["schoolalert.keys"]
    master = decode_master_key(current_app.config.get("MASTER_KEY"))
    now = datetime.now(UTC)
    for alert_id, image_wrapped, response_wrapped in rows:
        values = {}
        for name, wrapped, context in (
            ("image", image_wrapped, alert_id),
            ("response", response_wrapped, f"{alert_id}-responses"),
        ):
            if wrapped is None:
                values[f"{name}_key_destroyed_at"] = now
                continue
            material = unwrap_data_key(bytes(wrapped), master_key=master, alert_id=context)
            values[f"{name}_key_id"] = store.import_key(KeyKind.AES, material)
        bind.execute(
            alert_keys.update().where(alert_keys.c.alert_id == alert_id).values(**values)
        )


def _legacy_hash(fields: dict, occurred_at: datetime, previous_hash: str) -> str:
    """The plain SHA-256 of the chain before this migration (schoolalert 0.1)."""
    content = fields | {
        "occurred_at": occurred_at.isoformat(timespec="microseconds"),
        "previous_hash": previous_hash,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _reanchor_audit_chain(bind) -> None:
    from schoolalert.audit.chain import audit_key_store, entry_content, entry_mac
    from schoolalert.audit.checkpoints import write_checkpoint

    rows = bind.execute(sa.select(audit_events).order_by(audit_events.c.sequence)).mappings().all()
    if not rows:
        return
    store = audit_key_store()
    legacy_previous, legacy_broken_at, expected = GENESIS, None, 1
    for row in rows:
        fields = {name: row[name] for name in FIELDS} | {"details": row["details"] or {}}
        intact = (
            row["sequence"] == expected
            and row["previous_hash"] == legacy_previous
            and _legacy_hash(fields, row["occurred_at"], row["previous_hash"]) == row["hash"]
        )
        if not intact and legacy_broken_at is None:
            legacy_broken_at = expected
        legacy_previous, expected = row["hash"], row["sequence"] + 1
    legacy_head = bind.execute(
        sa.select(audit_head.c.sequence, audit_head.c.last_hash).where(audit_head.c.id == 1)
    ).one()
    if legacy_broken_at is None and (
        legacy_head.sequence != len(rows) or legacy_head.last_hash != legacy_previous
    ):
        legacy_broken_at = len(rows) + 1

    _allow_audit_rewrite(bind, allow=True)
    previous = GENESIS
    for row in rows:
        fields = {name: row[name] for name in FIELDS} | {"details": row["details"] or {}}
        mac = entry_mac(store, entry_content(fields, row["occurred_at"], previous))
        bind.execute(
            audit_events.update()
            .where(audit_events.c.id == row["id"])
            .values(previous_hash=previous, hash=mac)
        )
        previous = mac
    _allow_audit_rewrite(bind, allow=False)

    sequence = rows[-1]["sequence"] + 1
    transition = {
        "sequence": sequence,
        "actor_id": None,
        "actor_role": None,
        "action": "audit.chain_reanchored",
        "object_type": None,
        "object_id": None,
        "alert_id": None,
        "client_address": None,
        "request_id": "migration-0006_keystore",
        "details": {
            "legacy_entries": len(rows),
            "legacy_head": legacy_head.last_hash,
            "legacy_intact": legacy_broken_at is None,
            "legacy_broken_at": legacy_broken_at,
            "algorithm": "HMAC-SHA-256",
        },
    }
    occurred_at = datetime.now(UTC)
    mac = entry_mac(store, entry_content(transition, occurred_at, previous))
    bind.execute(
        audit_events.insert().values(
            **transition, occurred_at=occurred_at, previous_hash=previous, hash=mac
        )
    )
    bind.execute(
        audit_head.update().where(audit_head.c.id == 1).values(sequence=sequence, last_hash=mac)
    )
    write_checkpoint("audit chain re-anchored", sequence=sequence, head=mac)


def _allow_audit_rewrite(bind, *, allow: bool) -> None:
    """Lift the append-only triggers for the re-anchoring only (this transaction)."""
    if bind.dialect.name == "postgresql":
        state = "DISABLE" if allow else "ENABLE"
        op.execute(f"ALTER TABLE audit_events {state} TRIGGER audit_events_append_only")
        return
    for event in ("UPDATE", "DELETE"):
        if allow:
            op.execute(f"DROP TRIGGER audit_events_no_{event.lower()}")
        else:
            op.execute(
                f"CREATE TRIGGER audit_events_no_{event.lower()} BEFORE {event} ON audit_events "
                "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
            )
