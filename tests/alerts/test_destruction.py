"""Destruction that holds against whoever has the database (issue: keys out of the database).

What a thief of the database gets — a dump of every table as a backup holds it, the heap's old
row versions, the WAL — together with the master key must open nothing: no description, no tip,
no image. After closing, the key is gone from the key store and every blob from every store,
and the purge record says so only after checking each of them once the closing committed.
"""

from __future__ import annotations

import base64
import contextlib
import shutil
import subprocess
from typing import Any

import pytest
from sqlalchemy import select, text

from schoolalert import hookimpl
from schoolalert.alerts import closing, drafting, keys
from schoolalert.alerts.models import Alert, AlertImage, AlertKey, PurgeRecord, Response
from schoolalert.alerts.storage import LocalBlobStore
from schoolalert.alerts.sweeping import sweep_orphans
from schoolalert.config import decode_master_key
from schoolalert.crypto.aead import (
    VERSION,
    WRAPPED_KEY_SIZE,
    DecryptionFailed,
    associated_data,
    decrypt,
    derive_key,
    image_aad,
    master_key_id,
    tip_aad,
    unwrap_data_key,
)
from schoolalert.crypto.keystore import KeyKind
from schoolalert.extensions import db
from schoolalert.plugin_api import PurgeReport
from schoolalert.plugins import InstalledPlugin
from schoolalert.tasks.models import OutboxMessage
from schoolalert.transaction import commit, rollback

DESCRIPTION = "Girl of about seven, blue striped T-shirt with a star."
TIP = "Noor uit groep 3b"


def live_alert_with_tip(world) -> int:
    alert_id = world.published()
    answered = world.api(
        "POST",
        f"/me/alerts/{alert_id}/response",
        world.staff[0],
        json={"kind": "recognised", "message": TIP},
    )
    assert answered.status_code == 201
    return alert_id


def dump_every_table(app) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, as a backup would hold it."""
    with app.app_context():
        return {
            table.name: [dict(row) for row in db.session.execute(table.select()).mappings()]
            for table in db.metadata.sorted_tables
        }


def ciphertexts(app, alert_id: int) -> list[tuple[bytes, bytes]]:
    """(ciphertext, associated data) of the description, the tips and the images (the image
    files too, as if copied from the blob store)."""
    with app.app_context():
        alert = db.session.get(Alert, alert_id)
        found = [(alert.description_sealed, associated_data("description", alert_id))]
        for response in db.session.scalars(select(Response).where(Response.alert_id == alert_id)):
            found.append((response.tip_sealed, tip_aad(alert_id, response.id)))
        store = app.extensions["schoolalert.blobs"]
        for image in alert.images:
            found.append((store.get(image.blob_name), image_aad(alert_id, image.id)))
    assert all(blob for blob, _ in found)
    assert len(found) >= 3
    return found


def key_material(app, alert_id: int) -> list[bytes]:
    """The alert's two keys, read from the file store (what a copy of it would give)."""
    with app.app_context():
        row = db.session.get(AlertKey, alert_id)
        store = app.extensions["schoolalert.keys"]
        return [
            store._material(key_id, KeyKind.AES)
            for key_id in (row.image_key_id, row.response_key_id)
        ]


def values_of(dump: dict[str, list[dict[str, Any]]]) -> list[Any]:
    return [value for rows in dump.values() for row in rows for value in row.values()]


def as_bytes(value: Any) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return str(value).encode()


def candidate_keys(master: bytes, values: list[Any]) -> list[bytes]:
    """Every key someone holding the dump and the master key could try."""
    candidates = [master, derive_key(master, b"schoolalert data key wrapping v1")]
    for value in values:
        raw = as_bytes(value)
        if len(raw) == 32:
            candidates.append(raw)
        if len(raw) == WRAPPED_KEY_SIZE:  # anything shaped like a wrapped key
            for context in ("1", "1-responses"):
                with contextlib.suppress(DecryptionFailed):
                    candidates.append(unwrap_data_key(raw, master_key=master, alert_id=context))
    return candidates


def assert_nothing_opens(sealed: list[tuple[bytes, bytes]], candidates: list[bytes]) -> None:
    for blob, aad in sealed:
        for candidate in candidates:
            with pytest.raises(DecryptionFailed):
                decrypt(blob, data_key=candidate, associated_data=aad)


def test_a_dump_of_every_table_and_the_master_key_decrypt_nothing_of_a_live_alert(world):
    alert_id = live_alert_with_tip(world)
    dump = dump_every_table(world.app)
    values = values_of(dump)
    master = decode_master_key(world.app.config["MASTER_KEY"])
    everything = b"\n".join(as_bytes(value) for value in values)
    # Nothing in the database is a wrapped key, nor any form of the alert's keys.
    assert VERSION + master_key_id(master) not in everything
    for material in key_material(world.app, alert_id):
        for form in (material, material.hex().encode(), base64.b64encode(material)):
            assert form not in everything
    assert DESCRIPTION.encode() not in everything
    assert TIP.encode() not in everything
    assert {row["alert_id"] for row in dump["alert_keys"]} == {alert_id}
    assert set(dump["alert_keys"][0]) >= {"image_key_id", "response_key_id"}
    assert_nothing_opens(ciphertexts(world.app, alert_id), candidate_keys(master, values))
    # And yet the alert is live: the key store opens it for those who may see it.
    assert world.staff_alert(alert_id, world.staff[1]).json["description"] == DESCRIPTION


def test_after_closing_the_key_and_every_blob_are_gone_and_the_record_says_so(world, run_jobs):
    alert_id = live_alert_with_tip(world)
    with world.app.app_context():
        row = db.session.get(AlertKey, alert_id)
        image_key_id, response_key_id = row.image_key_id, row.response_key_id
        names = [image.blob_name for image in db.session.get(Alert, alert_id).images]
    store = world.app.extensions["schoolalert.blobs"]
    key_store = world.app.extensions["schoolalert.keys"]
    assert all(store.exists(name) for name in names)
    assert key_store.exists(image_key_id)
    world.api(
        "POST", f"/alerts/{alert_id}/close", world.investigator, json={"reason": "identified"}
    )
    run_jobs()
    assert not key_store.exists(image_key_id)
    assert not any(store.exists(name) for name in names)
    assert key_store.exists(response_key_id)  # the tips stay for the investigation
    record = world.api("GET", f"/alerts/{alert_id}/purge", world.prosecutor).json
    assert record["verified"]
    assert record["files_removed"]
    assert record["key_destroyed"]
    assert record["decryption_impossible"]
    assert record["checked_at"] >= record["purged_at"]
    with world.app.app_context():
        images = db.session.scalars(select(AlertImage).where(AlertImage.alert_id == alert_id))
        assert all(image.blob_name is None and image.destroyed_at for image in images)


def test_on_postgresql_neither_heap_wal_nor_an_earlier_pg_dump_opens_anything(world, run_jobs):
    if world.app.config["REDIS_URL"] is None:
        pytest.skip("the PostgreSQL data directory and WAL exist on the services backend")
    with world.app.app_context():
        url = db.engine.url
        superuser = db.session.scalar(text("SELECT rolsuper FROM pg_roles WHERE rolname = user"))
    if not superuser:
        pytest.skip("reading the data directory needs a PostgreSQL superuser")
    if shutil.which("pg_dump") is None:
        pytest.skip("needs pg_dump")
    alert_id = live_alert_with_tip(world)
    materials = key_material(world.app, alert_id)
    sealed = ciphertexts(world.app, alert_id)
    master = decode_master_key(world.app.config["MASTER_KEY"])
    dump = subprocess.run(
        [
            "pg_dump",
            "--no-owner",
            "--data-only",
            "-h",
            url.host or "127.0.0.1",
            "-p",
            str(url.port or 5432),
            "-U",
            url.username or "postgres",
            url.database,
        ],
        check=True,
        capture_output=True,
    ).stdout
    assert DESCRIPTION.encode() not in dump
    assert TIP.encode() not in dump

    world.api(
        "POST", f"/alerts/{alert_id}/close", world.investigator, json={"reason": "identified"}
    )
    run_jobs()
    with world.app.app_context():
        db.session.execute(text("CHECKPOINT"))
        files = [
            db.session.scalar(text("SELECT pg_relation_filepath(:t)"), {"t": table.name})
            for table in db.metadata.sorted_tables
        ]
        toast = db.session.scalars(
            text(
                "SELECT pg_relation_filepath(reltoastrelid) FROM pg_class "
                "WHERE relname IN ('alerts', 'responses', 'alert_keys') AND reltoastrelid <> 0"
            )
        ).all()
        heap = b"".join(
            db.session.scalar(text("SELECT pg_read_binary_file(:f)"), {"f": path}) or b""
            for path in [*files, *toast]
            if path
        )
        wal = b"".join(
            db.session.scalar(text("SELECT pg_read_binary_file('pg_wal/' || :n)"), {"n": name})
            for name in db.session.scalars(
                text("SELECT name FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}$'")
            )
        )
        db.session.rollback()
    assert heap
    assert wal
    # Old row versions may still hold the (useless) ciphertext; never a key in any form.
    for material in materials:
        for form in (material, material.hex().encode()):
            assert form not in heap
            assert form not in wal
            assert form not in dump
    header = VERSION + master_key_id(master)
    assert header not in heap
    assert header not in dump.replace(b"\\\\x", b"")
    hexed = [
        bytes.fromhex(token[3:].decode())
        for token in dump.split()
        if token.startswith(b"\\\\x") and len(token) % 2 == 1
    ]
    assert_nothing_opens(sealed, candidate_keys(master, hexed))
    with world.app.app_context():
        row = db.session.get(AlertKey, alert_id)
        assert not world.app.extensions["schoolalert.keys"].exists(row.image_key_id)


# -- the order: key and images in the transaction, blobs after the commit, checks after that --


def test_a_close_that_rolls_back_deletes_no_image_and_enqueues_nothing(world):
    alert_id = world.published()
    with world.app.app_context():
        names = [image.blob_name for image in db.session.get(Alert, alert_id).images]
        investigator = db.session.get(type(world.investigator), world.investigator.id)
        closing.close(investigator, alert_id, "withdrawn")
        record = db.session.get(PurgeRecord, alert_id)
        # Inside the transaction nothing is claimed yet, and no file is gone.
        assert (record.verified, record.files_removed, record.checked_at) == (False, False, None)
        store = world.app.extensions["schoolalert.blobs"]
        assert all(store.exists(name) for name in names)
        rollback()
        assert db.session.get(Alert, alert_id).status.value == "published"
        assert all(store.exists(name) for name in names)
        assert (
            db.session.scalar(select(OutboxMessage).where(OutboxMessage.task.like("alerts.fin%")))
            is None
        )


class LeakyStore(LocalBlobStore):
    """A second configured store whose deletes silently fail (an object store that lies)."""

    def delete(self, name: str) -> None:
        return None


def test_a_blob_left_in_any_configured_store_keeps_the_record_unverified(
    world, run_jobs, monkeypatch, tmp_path
):
    alert_id = world.published()
    mirror = LeakyStore(tmp_path / "mirror")
    with world.app.app_context():
        images = db.session.get(Alert, alert_id).images
        store = world.app.extensions["schoolalert.blobs"]
        for image in images:
            mirror.put(image.blob_name, store.get(image.blob_name))
    monkeypatch.setattr(
        "schoolalert.alerts.closing.configured_blob_stores",
        lambda extensions: [extensions["schoolalert.blobs"], mirror],
    )
    closed = world.api(
        "POST", f"/alerts/{alert_id}/close", world.investigator, json={"reason": "withdrawn"}
    )
    assert closed.status_code == 200
    run_jobs()
    record = world.api("GET", f"/alerts/{alert_id}/purge", world.investigator).json
    assert record["key_destroyed"] is True
    assert (record["files_removed"], record["verified"]) == (False, False)
    assert record["checked_at"] is not None
    # The hourly sweep retries; once the mirror really deletes, the record becomes verified.
    monkeypatch.setattr(LeakyStore, "delete", LocalBlobStore.delete)
    world.app.config["ORPHAN_GRACE_SECONDS"] = 0
    with world.app.app_context():
        sweep_orphans()
        commit()
    run_jobs()
    record = world.api("GET", f"/alerts/{alert_id}/purge", world.investigator).json
    assert (record["files_removed"], record["verified"]) == (True, True)


class DisabledPartner:
    asked: list[int] = []

    @hookimpl
    def schoolalert_purge_alert(self, alert_id):
        self.asked.append(alert_id)
        return [PurgeReport("partner-at", "copy at the Austrian partner cancelled", True)]


def test_a_plugin_installed_but_disabled_is_still_asked_to_purge(world, run_jobs):
    plugins = world.app.extensions["schoolalert.plugins"]
    plugins._pm.register(DisabledPartner(), name="dormant")
    plugins.installed["dormant"] = InstalledPlugin(
        name="dormant", module=DisabledPartner, version="1.0", summary="switched off"
    )
    with world.app.app_context():
        assert not plugins.is_enabled("dormant")
    alert_id = world.published()
    world.api("POST", f"/alerts/{alert_id}/close", world.investigator, json={"reason": "withdrawn"})
    run_jobs()
    assert DisabledPartner.asked[-1] == alert_id
    record = world.api("GET", f"/alerts/{alert_id}/purge", world.investigator).json
    assert [report["component"] for report in record["plugins"]] == ["partner-at"]
    assert record["verified"] is True


# -- orphans: what a rolled-back transaction left in the stores ---------------------------------


def test_the_sweep_removes_what_rolled_back_uploads_and_drafts_left(world, run_jobs):
    from schoolalert.demo.drawings import face

    alert_id = world.draft()
    world.upload(alert_id)
    blob_store = world.app.extensions["schoolalert.blobs"]
    key_store = world.app.extensions["schoolalert.keys"]
    with world.app.app_context():
        investigator = db.session.get(type(world.investigator), world.investigator.id)
        kept = db.session.scalars(select(AlertImage.blob_name)).one()
        drafting.add_image(investigator, alert_id, face(seed=9), kind="face", attested=True)
        orphan_blob = db.session.scalars(
            select(AlertImage.blob_name).where(AlertImage.blob_name != kept)
        ).one()
        body = {
            "case_reference": "ZAAK-2026-0043",
            "justification": "Abuse established in the Netherlands; other means exhausted.",
            "description": DESCRIPTION,
            "age_estimate": "7",
            "targeting": {"schools": [school.code for school in world.schools]},
        }
        draft = drafting.create_draft(investigator, drafting.parse_draft(body))
        draft_keys = db.session.get(AlertKey, draft.id)
        orphan_keys = [draft_keys.image_key_id, draft_keys.response_key_id]
        rollback()
    assert blob_store.exists(orphan_blob)
    assert all(key_store.exists(k) for k in orphan_keys)
    with world.app.app_context():
        assert sweep_orphans().blobs == 0  # younger than the grace period: maybe in flight
    world.app.config["ORPHAN_GRACE_SECONDS"] = 0
    with world.app.app_context():
        result = sweep_orphans()
        commit()
    assert (result.blobs, result.keys) == (1, 2)
    assert not blob_store.exists(orphan_blob)
    assert blob_store.exists(kept)
    assert not any(key_store.exists(k) for k in orphan_keys)
    with world.app.app_context():
        assert key_store.exists(db.session.get(AlertKey, alert_id).image_key_id)
        assert keys.image_cipher(alert_id)


def test_removing_an_image_deletes_its_blob_only_after_the_commit(world):
    alert_id = world.draft()
    world.upload(alert_id)
    store = world.app.extensions["schoolalert.blobs"]
    with world.app.app_context():
        image = db.session.scalars(select(AlertImage)).one()
        name, image_id = image.blob_name, image.id
        investigator = db.session.get(type(world.investigator), world.investigator.id)
        drafting.remove_image(investigator, alert_id, image_id)
        assert store.exists(name)
        rollback()
    assert store.exists(name)
    deleted = world.api("DELETE", f"/alerts/{alert_id}/images/{image_id}", world.investigator)
    assert deleted.status_code == 204


def test_the_whole_life_of_an_alert_with_its_keys_in_an_hsm(world, softhsm_token, run_jobs):
    """Drafting, viewing, a tip and closing, with the keys in a PKCS#11 token (SoftHSM2)."""
    from schoolalert.crypto.keystore import key_store_from_config

    hsm = key_store_from_config(softhsm_token)
    world.app.extensions["schoolalert.keys"] = hsm
    alert_id = live_alert_with_tip(world)
    staff = world.staff[1]
    assert world.staff_alert(alert_id, staff).json["description"] == DESCRIPTION
    image_id = world.staff_alert(alert_id, staff).json["images"][0]["id"]
    assert world.api("GET", f"/me/alerts/{alert_id}/images/{image_id}", staff).status_code == 200
    tips = world.api("GET", f"/alerts/{alert_id}/responses", world.investigator).json
    assert tips["responses"][0]["tip"] == {"message": TIP}
    with world.app.app_context():
        row = db.session.get(AlertKey, alert_id)
        image_key_id = row.image_key_id
    assert hsm.attributes(image_key_id)["extractable"] is False
    world.api(
        "POST", f"/alerts/{alert_id}/close", world.investigator, json={"reason": "identified"}
    )
    run_jobs()
    assert not hsm.exists(image_key_id)
    record = world.api("GET", f"/alerts/{alert_id}/purge", world.investigator).json
    assert record["verified"] is True
    assert record["key_destroyed"] is True
