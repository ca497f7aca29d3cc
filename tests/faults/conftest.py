"""The fault suite runs on PostgreSQL with a Redis server, an SMTP sink and worker processes of
its own per scenario; every timer is shortened so that a scenario takes seconds."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext as _

from schoolalert import create_app
from tests.conftest import TEST_DATABASE_URL, _render, base_config, truncate_all
from tests.faults.harness import RedisServer, SmtpSink, Workers, environment

SKIP_REASON = (
    "the fault suite needs SCHOOLALERT_TEST_DATABASE_URL (PostgreSQL); it starts its own "
    "redis-server and SMTP sink"
)

TIMERS = {
    "OUTBOX_LEASE_SECONDS": 3,
    "OUTBOX_HEARTBEAT_SECONDS": 1,
    "OUTBOX_SWEEP_SECONDS": 1,
    "OUTBOX_BACKOFF_BASE_SECONDS": 1,
    "OUTBOX_BACKOFF_CAP_SECONDS": 2,
    "OUTBOX_DEGRADED_SECONDS": 4,
    # The old policy gave up after a fixed number of attempts; notifications must not.
    "OUTBOX_MAX_ATTEMPTS": 2,
    "NOTIFICATION_BATCH_SIZE": 25,
}


@dataclass
class Fault:
    app: Flask
    config: dict[str, Any]
    redis: RedisServer
    sink: SmtpSink
    workers: Workers
    new_alert_subject: str
    ended_subject: str


@pytest.fixture
def fault(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Fault]:
    if not TEST_DATABASE_URL:
        pytest.skip(SKIP_REASON)
    if shutil.which("redis-server") is None:
        pytest.skip("the fault suite needs the redis-server binary")
    postgres = request.getfixturevalue("postgres_schema")
    instance = tmp_path / "instance"
    instance.mkdir()
    redis = RedisServer(tmp_path)
    redis.start()
    sink = SmtpSink(delay=0.02)
    sink.start()
    config = base_config(
        instance,
        DATABASE_URL=_render(postgres),
        REDIS_URL=redis.url,
        RQ_QUEUE="faults",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=sink.port,
        **TIMERS,
    )
    app = create_app(config)
    with app.test_request_context(), force_locale("nl"):
        subjects = (_("A new Schoolalert for your school"), _("A Schoolalert has ended"))
    workers = Workers(environment(config), tmp_path)
    try:
        yield Fault(app, config, redis, sink, workers, *subjects)
    finally:
        workers.stop()
        print(workers.log_tail())  # shown by pytest when the scenario fails
        sink.stop()
        redis.kill()
        truncate_all(app)
