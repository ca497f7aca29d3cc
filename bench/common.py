"""Shared set-up of the benchmarks: a throw-away instance, database and Redis namespace."""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import create_engine, make_url, text

from schoolalert import create_app
from schoolalert.commands import upgrade_database

ROOT = Path(__file__).resolve().parent.parent
NATIONAL_FILE = ROOT.parent / "shared" / "data" / "duo" / "po_addresses_2013.csv"
DATABASE_SERVER = os.environ.get(
    "SCHOOLALERT_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("SCHOOLALERT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")


def report(name: str, figure: str, ratio: float, baseline: str) -> None:
    """``figure`` is one token with its unit (``18.6ms``); ``baseline`` says what it is.

    The ratio has two decimals, or three significant digits below 1 (``0.00372``)."""
    shown = f"{ratio:.2f}" if ratio >= 1 else f"{ratio:.3g}"
    print(f"BENCH {name} {figure} ratio={shown} baseline={baseline}", flush=True)


def quiet() -> None:
    """Keep migration and request logging out of the benchmark output."""
    import logging

    logging.basicConfig(level=logging.WARNING)
    for name in ("alembic", "schoolalert", "rq", "werkzeug"):
        logging.getLogger(name).setLevel(logging.WARNING)


@contextmanager
def instance(*, postgres: bool, redis: bool, **config: Any) -> Iterator[Flask]:
    """An initialised app on a database of its own (dropped afterwards) and, with ``redis``,
    a queue name of its own (its keys deleted afterwards)."""
    folder = Path(tempfile.mkdtemp(prefix="schoolalert-bench-"))
    settings: dict[str, Any] = {
        "INSTANCE_PATH": str(folder),
        "SECRET_KEY": secrets.token_urlsafe(48),
        "MASTER_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "PERIODIC_INLINE": False,
        "PASSWORD_HASH_TIME_COST": 1,
        "PASSWORD_HASH_MEMORY_KIB": 1024,
        "PASSWORD_HASH_PARALLELISM": 1,
    }
    database = None
    if postgres:
        database = f"schoolalert_bench_{uuid.uuid4().hex[:10]}"
        _admin(f'CREATE DATABASE "{database}"')
        settings["DATABASE_URL"] = (
            make_url(DATABASE_SERVER).set(database=database).render_as_string(hide_password=False)
        )
    if redis:
        settings |= {"REDIS_URL": REDIS_URL, "RQ_QUEUE": f"bench-{uuid.uuid4().hex[:10]}"}
    settings |= config
    app = create_app(settings)
    try:
        with app.app_context():
            upgrade_database()
        yield app
    finally:
        if redis:
            _delete_redis_keys(settings["RQ_QUEUE"])
        with app.app_context():
            from schoolalert.extensions import db

            db.engine.dispose()
        if database:
            _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        shutil.rmtree(folder, ignore_errors=True)


def services_available() -> str | None:
    """None when PostgreSQL and Redis answer, else why not."""
    try:
        _admin("SELECT 1")
    except Exception as error:
        return f"PostgreSQL at {DATABASE_SERVER} is not reachable ({type(error).__name__})"
    try:
        from redis import Redis

        Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as error:
        return f"Redis at {REDIS_URL} is not reachable ({type(error).__name__})"
    return None


def environment(app: Flask) -> dict[str, str]:
    """Environment variables that make ``schoolalert`` subprocesses use the same instance."""
    config = app.config
    variables = {
        "SCHOOLALERT_INSTANCE_PATH": config["INSTANCE_PATH"],
        "SCHOOLALERT_SECRET_KEY": config["SECRET_KEY"],
        "SCHOOLALERT_MASTER_KEY": config["MASTER_KEY"],
        "SCHOOLALERT_DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
    }
    for key in ("REDIS_URL", "RQ_QUEUE", "MAIL_SERVER", "MAIL_PORT"):
        if config.get(key):
            variables[f"SCHOOLALERT_{key}"] = str(config[key])
    return os.environ | variables


def _admin(statement: str) -> None:
    engine = create_engine(DATABASE_SERVER, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def _delete_redis_keys(marker: str) -> None:
    from redis import Redis

    connection = Redis.from_url(REDIS_URL)
    keys = list(connection.scan_iter(match=f"*{marker}*", count=1000))
    if keys:
        connection.delete(*keys)
