"""Test fixtures: an app and database per test, on SQLite with inline jobs and — when
``SCHOOLALERT_TEST_DATABASE_URL`` and ``SCHOOLALERT_TEST_REDIS_URL`` are set — again on
PostgreSQL with Redis and RQ, so every test also runs against the real services.

The suite creates its own PostgreSQL database (and drops only that one) and keeps its Redis
keys under a per-test prefix, deleting only those.
"""

from __future__ import annotations

import base64
import importlib
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import URL

from schoolalert import create_app
from schoolalert.extensions import db, limiter

TEST_DATABASE_URL = os.environ.get("SCHOOLALERT_TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("SCHOOLALERT_TEST_REDIS_URL")
SERVICES_SKIP = "needs SCHOOLALERT_TEST_DATABASE_URL and SCHOOLALERT_TEST_REDIS_URL"
TEST_MASTER_KEY = base64.b64encode(bytes(range(1, 33))).decode()
TEST_SECRET_KEY = "test-secret-key-that-is-long-enough-for-production-checks"
ROOT = Path(__file__).resolve().parent.parent

EXAMPLE_PLUGIN = ROOT / "tests" / "example_plugin"

pytest_plugins = ["tests.factories"]

# The example plugin of docs/plugins.md is installed (found through its entry point) in every
# test app, the way a third-party plugin would be: present, but off until enabled.
sys.path.insert(0, str(EXAMPLE_PLUGIN))
importlib.invalidate_caches()


def base_config(instance: Path, **overrides: Any) -> dict[str, Any]:
    config = {
        "TESTING": True,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": TEST_SECRET_KEY,
        "MASTER_KEY": TEST_MASTER_KEY,
        "DATABASE_URL": f"sqlite:///{instance / 'test.db'}",
        "REDIS_URL": None,
        "PERIODIC_INLINE": False,
        "OUTBOX_SWEEP_IN_WEB": False,
        "BASE_URL": "https://schoolalert.test",
        "PLUGINS_ENABLED": None,
        # Cheap hashing in tests; the production cost is checked in tests/accounts.
        "PASSWORD_HASH_TIME_COST": 1,
        "PASSWORD_HASH_MEMORY_KIB": 1024,
        "PASSWORD_HASH_PARALLELISM": 1,
    }
    config.update(overrides)
    return config


def upgrade_schema(app: Flask) -> None:
    from schoolalert.commands import upgrade_database

    with app.app_context():
        upgrade_database()
        db.engine.dispose()


# -- SQLite: one migrated template per session, copied for each test ---------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    instance = tmp_path_factory.mktemp("template-instance")
    upgrade_schema(create_app(base_config(instance)))
    return instance / "test.db"


# -- PostgreSQL: a database of our own for the whole run ----------------------------------------


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[URL]:
    if not TEST_DATABASE_URL:
        pytest.skip("needs SCHOOLALERT_TEST_DATABASE_URL (PostgreSQL)")
    server = make_url(TEST_DATABASE_URL)
    name = f"schoolalert_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_schema(postgres_url: URL, tmp_path_factory: pytest.TempPathFactory) -> URL:
    instance = tmp_path_factory.mktemp("pg-template-instance")
    upgrade_schema(create_app(base_config(instance, DATABASE_URL=_render(postgres_url))))
    return postgres_url


def _render(url: URL) -> str:
    return url.render_as_string(hide_password=False)


# Rows the migrations put in place (reference data, the audit chain head) stay; they are reset.
SEEDED_TABLES = frozenset({"audit_head", "municipalities", "postcode_areas"})


def truncate_all(app: Flask) -> None:
    with app.app_context():
        tables = ", ".join(
            f'"{table.name}"'
            for table in db.metadata.sorted_tables
            if table.name not in SEEDED_TABLES
        )
        db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.session.execute(
            text("UPDATE audit_head SET sequence = 0, last_hash = :genesis"), {"genesis": "0" * 64}
        )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


# -- Redis: keys under a per-test queue name --------------------------------------------------


def delete_redis_keys(redis_url: str, marker: str) -> None:
    from redis import Redis

    connection = Redis.from_url(redis_url)
    keys = list(connection.scan_iter(match=f"*{marker}*", count=1000))
    if keys:
        connection.delete(*keys)
    connection.close()


# -- A hardware security module: a SoftHSM2 token of our own ---------------------------------

SOFTHSM_LIBRARIES = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
)


def softhsm_library() -> str | None:
    return next((path for path in SOFTHSM_LIBRARIES if os.path.exists(path)), None)


@pytest.fixture(scope="session")
def softhsm_token(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A fresh SoftHSM2 token for this test run (its own token directory)."""
    library = softhsm_library()
    if library is None or shutil.which("softhsm2-util") is None:
        pytest.skip("needs SoftHSM2 (Debian package softhsm2; .ci/run installs it)")
    pytest.importorskip("pkcs11", reason="needs python-pkcs11 (the test and hsm extras)")
    root = tmp_path_factory.mktemp("softhsm")
    (root / "tokens").mkdir()
    config = root / "softhsm2.conf"
    config.write_text(f"directories.tokendir = {root / 'tokens'}\nobjectstore.backend = file\n")
    # The library reads its configuration when it is first initialised in this process.
    os.environ["SOFTHSM2_CONF"] = str(config)
    subprocess.run(
        [
            "softhsm2-util",
            "--init-token",
            "--free",
            "--label",
            "schoolalert-test",
            "--pin",
            "4321",
            "--so-pin",
            "87654321",
        ],
        check=True,
        capture_output=True,
        env={**os.environ, "SOFTHSM2_CONF": str(config)},
    )
    return {
        "KEY_STORE": "pkcs11",
        "PKCS11_LIBRARY": library,
        "PKCS11_TOKEN_LABEL": "schoolalert-test",
        "PKCS11_PIN": "4321",
    }


# -- The app ------------------------------------------------------------------------------------


@pytest.fixture(params=["embedded", "services"])
def backend(request: pytest.FixtureRequest) -> str:
    """``embedded``: SQLite + inline jobs. ``services``: PostgreSQL + Redis + RQ."""
    if request.param == "services" and not (TEST_DATABASE_URL and TEST_REDIS_URL):
        pytest.skip(SERVICES_SKIP)
    return request.param


@pytest.fixture
def app_config(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> dict[str, Any]:
    """The configuration the ``app`` fixture builds from; tests may change it first."""
    instance = tmp_path / "instance"
    instance.mkdir()
    if backend == "embedded":
        shutil.copyfile(request.getfixturevalue("sqlite_template"), instance / "test.db")
        return base_config(instance)
    postgres = request.getfixturevalue("postgres_schema")
    return base_config(
        instance,
        DATABASE_URL=_render(postgres),
        REDIS_URL=TEST_REDIS_URL,
        RQ_QUEUE=f"sa-test-{uuid.uuid4().hex[:10]}",
        RATELIMIT_KEY_PREFIX=f"sa-test-{uuid.uuid4().hex[:10]}",
    )


@pytest.fixture
def app(app_config: dict[str, Any]) -> Iterator[Flask]:
    application = create_app(app_config)
    yield application
    if application.config["REDIS_URL"]:
        truncate_all(application)
        delete_redis_keys(application.config["REDIS_URL"], application.config["RQ_QUEUE"])
        # The limiter is one object per process and keeps the first app's key prefix.
        delete_redis_keys(application.config["REDIS_URL"], limiter._key_prefix)
    else:
        with application.app_context():
            db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def run_jobs(app: Flask):
    """Run what the back end holds: nothing to do inline; a burst of an RQ worker otherwise."""

    def run(*, retries_due: bool = False) -> None:
        """``retries_due``: as if the back-off of failed jobs has passed."""
        from rq.job import Job
        from rq.serializers import JSONSerializer

        from schoolalert.tasks.backends import RQBackend
        from schoolalert.tasks.worker import run_worker

        backend = app.extensions["schoolalert.tasks"].backend
        if not isinstance(backend, RQBackend):
            return
        if retries_due:
            registry = backend.queue.scheduled_job_registry
            for job_id in registry.get_job_ids():
                job = Job.fetch(job_id, connection=backend.connection, serializer=JSONSerializer)
                registry.remove(job)
                backend.queue.enqueue_job(job)
        run_worker(app, burst=True, fork=False, with_ticker=False)

    return run
