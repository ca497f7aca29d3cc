"""Benchmark: the targeting preview over the whole national registry, with regional selectors.

Imports the DUO national file (``../shared/data/duo/po_addresses_2013.csv``) into a fresh
SQLite instance, lets every board take part, and times ``POST /api/v1/targeting/preview``
end to end (authentication, parsing, one query, JSON) for a targeting that uses all five
regional selectors, against the core's own selector reaching exactly the same schools: the
explicit list of their location codes (``{"schools": [...]}``), so both runs return, and
serialise, the same schools.

Run: ``.venv/bin/python -m bench.regional_preview``. Prints one line:
``BENCH regional_preview <median ms> ratio=<regional/all> baseline=...``.
"""

from __future__ import annotations

import statistics
import time

from sqlalchemy import func, select

from bench.common import NATIONAL_FILE, instance, report
from bench.population import participate_everywhere
from schoolalert.accounts import tokens
from schoolalert.accounts.models import User
from schoolalert.accounts.roles import Role
from schoolalert.extensions import db
from schoolalert.schools.importer import import_locations
from schoolalert.schools.models import School
from schoolalert.transaction import commit

ROUNDS = 15

TARGETING = {
    "police_units": ["RE01", "RE05"],
    "provinces": ["PV26", "PV29"],
    "municipalities": ["GM0599", "GM0772", "GM0935", "GM0402"],
    "postcodes": ["1000-1999", "3500-3599", "6200-6299", "7500-7599"],
    "radius": {"lat": 52.1, "lon": 5.2, "km": 50},
}


def timed(client, headers, targeting) -> tuple[float, list[str]]:
    started = time.perf_counter()
    response = client.post(
        "/api/v1/targeting/preview", json={"targeting": targeting}, headers=headers
    )
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"preview failed: {response.status_code} {response.get_json()}")
    return elapsed, [school["code"] for school in response.get_json()["schools"]]


def main() -> None:
    if not NATIONAL_FILE.exists():
        print(f"BENCH regional_preview skipped: {NATIONAL_FILE} is absent", flush=True)
        return
    settings = {"PLUGINS_ENABLED": ["regional"], "RATELIMIT_ENABLED": False}
    with instance(postgres=False, redis=False, **settings) as app:
        with app.app_context():
            import_locations(db.session, NATIONAL_FILE.read_bytes(), NATIONAL_FILE.name)
            commit()
            participate_everywhere()
            user = User(email="bench@politie.example", name="Bench", role=Role.INVESTIGATOR)
            db.session.add(user)
            db.session.flush()
            token, _expires = tokens.issue_session_token(user)
            commit()
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        _elapsed, reached = timed(client, headers, TARGETING)  # warm up both paths
        same_schools = {"schools": reached}
        _elapsed, listed = timed(client, headers, same_schools)
        if sorted(listed) != sorted(reached):
            raise RuntimeError(f"the baseline reaches {len(listed)} schools, not {len(reached)}")
        regional, explicit = [], []
        for _ in range(ROUNDS):
            elapsed, _codes = timed(client, headers, TARGETING)
            regional.append(elapsed)
            elapsed, _codes = timed(client, headers, same_schools)
            explicit.append(elapsed)
        with app.app_context():
            total = db.session.scalar(select(func.count()).select_from(School)) or 0
    median, baseline = statistics.median(regional), statistics.median(explicit)
    report(
        "regional_preview",
        f"{median:.1f}ms",
        median / baseline,
        f"core preview of the same {len(reached)} schools as an explicit list of their codes "
        f"{baseline:.1f}ms; figure: all five regional selectors, {len(reached)} of {total} "
        f"locations in the registry reached, SQLite, median of {ROUNDS}",
    )


if __name__ == "__main__":
    main()
