"""Servers the deployment and storage tests start on the loopback: free ports, an S3 API
(moto in server mode, a real HTTP endpoint rather than a mock of boto3) and waiting for a port.
"""

from __future__ import annotations

import contextlib
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

# Servers of these tests listen on loopback ports from this range (the first free ones).
PORTS = range(17100, 17200)
S3_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "schoolalert-test",
    "AWS_SECRET_ACCESS_KEY": "schoolalert-test-secret",
    "AWS_DEFAULT_REGION": "eu-west-1",
}
_taken: set[int] = set()


def free_port() -> int:
    """A loopback port of :data:`PORTS` that nothing listens on (and not handed out before);
    tried in random order, so that two test runs at once rarely reach for the same one."""
    for port in random.sample(PORTS, len(PORTS)):
        if port in _taken:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        _taken.add(port)
        return port
    raise RuntimeError(f"no free loopback port in {PORTS.start}-{PORTS.stop - 1}")


def wait_for_port(port: int, process: subprocess.Popen, *, timeout: float = 60) -> None:
    """Until something accepts connections on ``port``; fails early when ``process`` died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} ended with {process.returncode} before serving")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {timeout}s: {process.args!r}")


def stop(process: subprocess.Popen, *, timeout: float = 10) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def s3_server() -> Iterator[str]:
    """An S3 API on the loopback (moto's server); yields its endpoint URL."""
    port = free_port()
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, **S3_CREDENTIALS},
        cwd=Path(tempfile.gettempdir()),
    )
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)
        log.close()


def s3_client(endpoint: str):
    import boto3

    return boto3.session.Session(
        aws_access_key_id=S3_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=S3_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        region_name=S3_CREDENTIALS["AWS_DEFAULT_REGION"],
    ).client("s3", endpoint_url=endpoint)


def make_bucket(endpoint: str, name: str, *, versioned: bool) -> None:
    client = s3_client(endpoint)
    client.create_bucket(
        Bucket=name,
        CreateBucketConfiguration={"LocationConstraint": S3_CREDENTIALS["AWS_DEFAULT_REGION"]},
    )
    if versioned:
        client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})


def object_versions(endpoint: str, bucket: str, prefix: str = "") -> list[tuple[str, str]]:
    """Every (key, version id) in ``bucket`` under ``prefix``: versions and delete markers."""
    listing = s3_client(endpoint).list_object_versions(Bucket=bucket, Prefix=prefix)
    return [
        (entry["Key"], entry["VersionId"])
        for entry in listing.get("Versions", []) + listing.get("DeleteMarkers", [])
    ]
