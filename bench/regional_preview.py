"""Benchmark: the targeting preview over the whole national registry, with regional selectors.

Imports the DUO national file (``../shared/data/duo/po_addresses_2013.csv``) into a fresh
SQLite instance — or the PostgreSQL server named by ``SCHOOLALERT_BENCH_DATABASE_URL``, in a
database of its own that is dropped afterwards — and times ``POST /api/v1/targeting/preview``
end to end (authentication, parsing, one query, JSON) for a targeting that uses all five
regional selectors, against the core's ``{"all": true}`` over the same registry as baseline.

Run: ``.venv/bin/python -m bench.regional_preview``. Prints one line:
``BENCH regional_preview <median ms> ratio=<regional/all> baseline=...``.
"""

from __future__ import annotations

import base64
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NATIONAL_FILE = ROOT.parent / "shared" / "data" / "duo" / "po_addresses_2013.csv"
ROUNDS = 15

TARGETING = {
    "police_units": ["RE01", "RE05"],
    "provinces": ["PV26", "PV29"],
    "municipalities": ["GM0599", "GM0772", "GM0935", "GM0402"],
    "postcodes": ["1000-1999", "3500-3599", "6200-6299", "7500-7599"],
    "radius": {"lat": 52.1, "lon": 5.2, "km": 50},
}


@contextmanager
def database_url() -> Iterator[str]:
    server = os.environ.get("SCHOOLALERT_BENCH_DATABASE_URL")
    if not server:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    from sqlalchemy import create_engine, make_url, text

    name = f"schoolalert_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def timed(client, headers, targeting) -> tuple[float, int]:
    started = time.perf_counter()
    response = client.post(
        "/api/v1/targeting/preview", json={"targeting": targeting}, headers=headers
    )
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"preview failed: {response.status_code} {response.get_json()}")
    return elapsed, response.get_json()["count"]


def main() -> None:
    if not NATIONAL_FILE.exists():
        print(f"BENCH regional_preview skipped: {NATIONAL_FILE} is absent")
        return
    from schoolalert import create_app
    from schoolalert.accounts import tokens
    from schoolalert.accounts.models import User
    from schoolalert.accounts.roles import Role
    from schoolalert.commands import upgrade_database
    from schoolalert.extensions import db
    from schoolalert.schools.importer import import_locations
    from schoolalert.transaction import commit

    with tempfile.TemporaryDirectory() as instance, database_url() as url:
        app = create_app(
            {
                "INSTANCE_PATH": instance,
                "DATABASE_URL": url,
                "SECRET_KEY": "bench-secret-key-that-is-long-enough-for-the-checks",
                "MASTER_KEY": base64.b64encode(bytes(range(32))).decode(),
                "REDIS_URL": None,
                "PLUGINS_ENABLED": ["regional"],
                "RATELIMIT_ENABLED": False,
            }
        )
        with app.app_context():
            upgrade_database()
            import_locations(db.session, NATIONAL_FILE.read_bytes(), NATIONAL_FILE.name)
            user = User(email="bench@example.org", name="Bench", role=Role.INVESTIGATOR)
            db.session.add(user)
            db.session.flush()
            token, _expires = tokens.issue_session_token(user)
            commit()
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        timed(client, headers, TARGETING)  # warm up both paths
        timed(client, headers, {"all": True})
        regional, everything = [], []
        for _ in range(ROUNDS):
            elapsed, reached = timed(client, headers, TARGETING)
            regional.append(elapsed)
            elapsed, total = timed(client, headers, {"all": True})
            everything.append(elapsed)
        with app.app_context():
            backend = db.engine.dialect.name
            db.engine.dispose()
    median, baseline = statistics.median(regional), statistics.median(everything)
    print(
        f"BENCH regional_preview {median:.1f}ms ratio={median / baseline:.2f} "
        f"baseline=core {{all: true}} preview {baseline:.1f}ms "
        f"({backend}, {reached} of {total} schools reached, median of {ROUNDS})"
    )


if __name__ == "__main__":
    sys.exit(main())
