"""The S3-compatible blob store against a real S3 API on the loopback (moto's server): every
version of a deleted blob is gone, the purge of an alert verifies it (PRODUCT I2)."""

from __future__ import annotations

import uuid

import pytest

from schoolalert.alerts.storage import (
    BlobNotFound,
    BlobStore,
    InvalidBlobName,
    S3BlobStore,
    blob_store_from_config,
    new_blob_name,
)
from schoolalert.config import ConfigurationError
from tests.servers import S3_CREDENTIALS, make_bucket, object_versions, s3_client, s3_server


@pytest.fixture(scope="module")
def endpoint():
    with s3_server() as url:
        yield url


@pytest.fixture(autouse=True)
def credentials(monkeypatch):
    """The store finds its credentials the usual way of the AWS SDK: the environment."""
    for name, value in S3_CREDENTIALS.items():
        monkeypatch.setenv(name, value)


@pytest.fixture(params=["versioned", "unversioned"])
def bucket(request, endpoint) -> str:
    name = f"schoolalert-{request.param}-{uuid.uuid4().hex[:8]}"
    make_bucket(endpoint, name, versioned=request.param == "versioned")
    return name


@pytest.fixture
def store(endpoint, bucket) -> S3BlobStore:
    return S3BlobStore(bucket, prefix="images/", endpoint_url=endpoint)


def test_put_get_exists_delete(store, endpoint, bucket):
    name = new_blob_name()
    assert not store.exists(name)
    store.put(name, b"ciphertext")
    assert store.exists(name)
    assert store.get(name) == b"ciphertext"
    assert [key for key, _version in object_versions(endpoint, bucket)] == [f"images/{name}"]
    store.put(name, b"replaced")
    assert store.get(name) == b"replaced"
    store.delete(name)
    assert not store.exists(name)
    with pytest.raises(BlobNotFound):
        store.get(name)
    store.delete(name)  # idempotent
    assert object_versions(endpoint, bucket) == []


def test_a_versioned_bucket_keeps_no_version_and_no_delete_marker(endpoint):
    bucket = f"schoolalert-versions-{uuid.uuid4().hex[:8]}"
    make_bucket(endpoint, bucket, versioned=True)
    store = S3BlobStore(bucket, prefix="images/", endpoint_url=endpoint)
    name = new_blob_name()
    store.put(name, b"first ciphertext")
    store.put(name, b"second ciphertext")
    # A plain delete by someone else leaves a delete marker over both versions.
    s3_client(endpoint).delete_object(Bucket=bucket, Key=f"images/{name}")
    assert len(object_versions(endpoint, bucket)) == 3
    with pytest.raises(BlobNotFound):
        store.get(name)
    assert store.exists(name)  # older versions still hold ciphertext: not gone
    store.delete(name)
    assert object_versions(endpoint, bucket) == []
    assert not store.exists(name)


def test_only_the_named_blob_is_deleted(store, endpoint, bucket):
    name, other = new_blob_name(), new_blob_name()
    store.put(name, b"a")
    store.put(other, b"b")
    s3_client(endpoint).put_object(Bucket=bucket, Key=f"images/{name}-copy", Body=b"c")
    store.delete(name)
    assert store.get(other) == b"b"
    keys = {key for key, _version in object_versions(endpoint, bucket)}
    assert keys == {f"images/{other}", f"images/{name}-copy"}


def test_names_the_store_did_not_choose_are_refused(store):
    for bad in ("../etc/passwd", "images/x", "A" * 32, ""):
        with pytest.raises(InvalidBlobName):
            store.put(bad, b"x")
        with pytest.raises(InvalidBlobName):
            store.delete(bad)


def test_the_configuration_chooses_the_store(endpoint, tmp_path):
    config = {
        "INSTANCE_PATH": str(tmp_path),
        "IMAGE_S3_BUCKET": "alerts",
        "IMAGE_S3_PREFIX": "nl/",
        "IMAGE_S3_ENDPOINT_URL": endpoint,
    }
    store = blob_store_from_config(config)
    assert isinstance(store, S3BlobStore)
    assert isinstance(store, BlobStore)
    assert (store.bucket, store.prefix, store.endpoint_url) == ("alerts", "nl/", endpoint)
    with pytest.raises(ConfigurationError, match="not both"):
        blob_store_from_config(config | {"IMAGE_STORAGE_PATH": str(tmp_path / "images")})


@pytest.fixture
def on_s3(app_config, endpoint):
    """The app of the test stores its images in a versioned bucket of its own."""
    bucket = f"schoolalert-app-{uuid.uuid4().hex[:8]}"
    make_bucket(endpoint, bucket, versioned=True)
    app_config.update(
        IMAGE_S3_BUCKET=bucket, IMAGE_S3_PREFIX="images/", IMAGE_S3_ENDPOINT_URL=endpoint
    )
    return bucket


def test_closing_an_alert_leaves_no_version_of_its_images(on_s3, endpoint, world, run_jobs):
    alert_id = world.published()
    assert len(object_versions(endpoint, on_s3, "images/")) == 2
    staff = world.staff[0]
    detail = world.staff_alert(alert_id, staff).json
    image = world.client.get(detail["images"][0]["url"], headers=world.headers(staff))
    assert image.status_code == 200
    assert image.mimetype.startswith("image/")

    closed = world.api(
        "POST", f"/alerts/{alert_id}/close", world.investigator, json={"reason": "identified"}
    )
    assert closed.status_code == 200
    run_jobs()  # the blobs are deleted and checked once the closing has committed
    record = world.api("GET", f"/alerts/{alert_id}/purge", world.prosecutor).json
    assert record["files_removed"] is True
    assert record["verified"] is True
    assert object_versions(endpoint, on_s3) == []
    assert (
        world.client.get(detail["images"][0]["url"], headers=world.headers(staff)).status_code
        == 404
    )


def test_a_purge_that_leaves_a_version_is_not_verified(on_s3, endpoint, world, app, monkeypatch):
    alert_id = world.published()
    store = app.extensions["schoolalert.blobs"]
    # A store that fails to delete, as an object store refusing the request would.
    monkeypatch.setattr(store, "delete", lambda name: None)
    closed = world.api(
        "POST", f"/alerts/{alert_id}/close", world.investigator, json={"reason": "withdrawn"}
    )
    assert closed.status_code == 200
    record = world.api("GET", f"/alerts/{alert_id}/purge", world.prosecutor).json
    assert record["files_removed"] is False
    assert record["verified"] is False
