"""Per-alert keys, encryption at rest and crypto-shredding (PRODUCT I2, I6)."""

from __future__ import annotations

import uuid

import pytest

from schoolalert.config import decode_master_key
from schoolalert.crypto.aead import (
    KEY_SIZE,
    NONCE_SIZE,
    VERSION,
    WRAPPED_KEY_SIZE,
    DecryptionFailed,
    decrypt,
    encrypt,
    generate_data_key,
    image_aad,
    master_key_id,
    tip_aad,
    unwrap_data_key,
    wrap_data_key,
)
from tests.conftest import TEST_MASTER_KEY

MASTER = decode_master_key(TEST_MASTER_KEY)
OTHER_MASTER = bytes(range(100, 132))
PLAINTEXT = b"\x89PNG\r\n\x1a\n pretend these are image bytes"


@pytest.fixture
def data_key() -> bytes:
    return generate_data_key()


def flip(data: bytes, position: int) -> bytes:
    return data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :]


# -- blobs ------------------------------------------------------------------------------------


def test_round_trip(data_key):
    blob = encrypt(PLAINTEXT, data_key=data_key, associated_data=image_aad(7, 3))
    assert PLAINTEXT not in blob
    assert decrypt(blob, data_key=data_key, associated_data=image_aad(7, 3)) == PLAINTEXT


def test_blob_format_is_version_nonce_ciphertext_tag(data_key):
    blob = encrypt(PLAINTEXT, data_key=data_key, associated_data=image_aad(7, 3))
    assert blob[:1] == VERSION
    assert len(blob) == 1 + NONCE_SIZE + len(PLAINTEXT) + 16


def test_the_same_plaintext_gets_a_fresh_nonce_every_time(data_key):
    blobs = {encrypt(PLAINTEXT, data_key=data_key, associated_data=b"x") for _ in range(50)}
    assert len(blobs) == 50
    assert len({blob[1 : 1 + NONCE_SIZE] for blob in blobs}) == 50


@pytest.mark.parametrize(
    "wrong",
    [
        image_aad(8, 3),  # another alert
        image_aad(7, 4),  # another image of the same alert
        tip_aad(7, 3),  # another purpose with the same ids
        b"",
    ],
)
def test_wrong_associated_data_fails(data_key, wrong):
    blob = encrypt(PLAINTEXT, data_key=data_key, associated_data=image_aad(7, 3))
    with pytest.raises(DecryptionFailed):
        decrypt(blob, data_key=data_key, associated_data=wrong)


def test_the_wrong_key_fails(data_key):
    blob = encrypt(PLAINTEXT, data_key=data_key, associated_data=b"x")
    with pytest.raises(DecryptionFailed):
        decrypt(blob, data_key=generate_data_key(), associated_data=b"x")


def test_every_tampered_byte_is_detected(data_key):
    blob = encrypt(PLAINTEXT, data_key=data_key, associated_data=b"x")
    for position in range(len(blob)):
        with pytest.raises(DecryptionFailed):
            decrypt(flip(blob, position), data_key=data_key, associated_data=b"x")


@pytest.mark.parametrize("cut", [0, 1, 12, 28, -1])
def test_truncated_or_extended_blobs_fail(data_key, cut):
    blob = encrypt(PLAINTEXT, data_key=data_key, associated_data=b"x")
    with pytest.raises(DecryptionFailed):
        decrypt(blob[:cut], data_key=data_key, associated_data=b"x")
    with pytest.raises(DecryptionFailed):
        decrypt(blob + b"\x00", data_key=data_key, associated_data=b"x")


def test_keys_of_the_wrong_size_are_a_programming_error():
    with pytest.raises(ValueError, match="32 bytes"):
        encrypt(b"x", data_key=b"short", associated_data=b"x")
    with pytest.raises(ValueError, match="master key"):
        wrap_data_key(generate_data_key(), master_key=MASTER[:16], alert_id=1)


# -- associated data --------------------------------------------------------------------------


def test_associated_data_names_purpose_and_ids():
    alert = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert image_aad(7, 3) == b"image:7:3"
    assert tip_aad(7, "r-12") == b"tip:7:r-12"
    assert image_aad(alert, 1) == b"image:12345678-1234-5678-1234-567812345678:1"


@pytest.mark.parametrize("bad", ["1:2", "", "a b", "../x", -1, True, 1.5, None, "x" * 65])
def test_ambiguous_identifiers_are_refused(bad):
    with pytest.raises(ValueError, match="identifier"):
        image_aad(bad, 1)


# -- wrapping the data key --------------------------------------------------------------------


def test_wrap_and_unwrap(data_key):
    wrapped = wrap_data_key(data_key, master_key=MASTER, alert_id=7)
    assert data_key not in wrapped
    assert len(wrapped) == WRAPPED_KEY_SIZE == 65
    assert wrapped[:1] == VERSION
    assert wrapped[1:5] == master_key_id(MASTER)
    assert unwrap_data_key(wrapped, master_key=MASTER, alert_id=7) == data_key
    assert len(data_key) == KEY_SIZE


def test_wrapping_twice_gives_different_bytes(data_key):
    first = wrap_data_key(data_key, master_key=MASTER, alert_id=7)
    assert wrap_data_key(data_key, master_key=MASTER, alert_id=7) != first


def test_a_wrapped_key_does_not_unwrap_for_another_alert(data_key):
    wrapped = wrap_data_key(data_key, master_key=MASTER, alert_id=7)
    with pytest.raises(DecryptionFailed):
        unwrap_data_key(wrapped, master_key=MASTER, alert_id=8)


def test_a_wrapped_key_needs_its_own_master_key(data_key):
    wrapped = wrap_data_key(data_key, master_key=MASTER, alert_id=7)
    assert master_key_id(OTHER_MASTER) != master_key_id(MASTER)
    with pytest.raises(DecryptionFailed, match="master key"):
        unwrap_data_key(wrapped, master_key=OTHER_MASTER, alert_id=7)
    # Even with the key id forged to match, the other master key cannot open it.
    forged = wrapped[:1] + master_key_id(OTHER_MASTER) + wrapped[5:]
    with pytest.raises(DecryptionFailed):
        unwrap_data_key(forged, master_key=OTHER_MASTER, alert_id=7)


def test_a_tampered_or_truncated_wrapped_key_fails(data_key):
    wrapped = wrap_data_key(data_key, master_key=MASTER, alert_id=7)
    for position in range(len(wrapped)):
        with pytest.raises(DecryptionFailed):
            unwrap_data_key(flip(wrapped, position), master_key=MASTER, alert_id=7)
    with pytest.raises(DecryptionFailed):
        unwrap_data_key(wrapped[:-1], master_key=MASTER, alert_id=7)


def test_the_master_key_does_not_decrypt_blobs_directly(data_key):
    blob = encrypt(PLAINTEXT, data_key=data_key, associated_data=image_aad(7, 3))
    with pytest.raises(DecryptionFailed):
        decrypt(blob, data_key=MASTER, associated_data=image_aad(7, 3))


# -- crypto-shredding -------------------------------------------------------------------------


def test_after_shredding_nothing_decrypts():
    """The alert's key row is deleted; the master key and every other alert's key remain."""
    key_rows = {
        alert: wrap_data_key(generate_data_key(), master_key=MASTER, alert_id=alert)
        for alert in (7, 8)
    }
    alert = 7
    key = unwrap_data_key(key_rows[alert], master_key=MASTER, alert_id=alert)
    leftovers = [  # say, a backup of the files that escaped deletion
        encrypt(PLAINTEXT, data_key=key, associated_data=image_aad(alert, 1)),
        encrypt(b"I know this child", data_key=key, associated_data=tip_aad(alert, 1)),
    ]
    del key, key_rows[alert]  # crypto-shredding: the only wrapped copy of the key is gone

    other_key = unwrap_data_key(key_rows[8], master_key=MASTER, alert_id=8)
    candidate_keys = [MASTER, other_key, generate_data_key()]
    for blob in leftovers:
        for candidate in candidate_keys:
            for aad in (image_aad(alert, 1), tip_aad(alert, 1)):
                with pytest.raises(DecryptionFailed):
                    decrypt(blob, data_key=candidate, associated_data=aad)
    with pytest.raises(DecryptionFailed):  # the other alert's row cannot stand in for it
        unwrap_data_key(key_rows[8], master_key=MASTER, alert_id=alert)


def test_decryption_failures_say_nothing_specific(data_key):
    blob = encrypt(PLAINTEXT, data_key=data_key, associated_data=b"x")
    with pytest.raises(DecryptionFailed) as caught:
        decrypt(blob, data_key=generate_data_key(), associated_data=b"x")
    assert str(caught.value) == "the blob does not match its key or context"
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__
