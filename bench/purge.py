"""Time from closing an alert with six images to its verified purge, against the least any
durable deletion of them costs: unlinking the same six files, one fsync of their directory and
one database commit of one row, on the same instance."""

from __future__ import annotations

import io
import os
import statistics
import time
from pathlib import Path

from sqlalchemy import insert, text

from bench.common import instance, report
from bench.population import one_school, participate_everywhere, staff_everywhere
from schoolalert.accounts.models import User
from schoolalert.accounts.roles import Role
from schoolalert.alerts import closing, drafting, review
from schoolalert.demo.drawings import DRAWINGS
from schoolalert.extensions import db
from schoolalert.schools.geography import ensure_reference_geography
from schoolalert.transaction import commit

ROUNDS = 7
IMAGES = 6
SIZE = 1600


def main() -> None:
    drawings = [
        DRAWINGS[kind](seed=n, size=SIZE)
        for n, kind in enumerate(["face", "clothing", "object"] * 2)
    ]
    durations, sizes = [], []
    with instance(postgres=False, redis=False) as app, app.app_context():
        ensure_reference_geography(db.session)
        police = _police()
        for round_number in range(ROUNDS):
            alert_id = _published_alert(police, drawings, round_number)
            started = time.perf_counter()
            record = closing.close(db.session.get(User, police[0]), alert_id, "identified")
            commit()
            durations.append(time.perf_counter() - started)
            if not (record.verified and record.images_destroyed == IMAGES):
                raise RuntimeError("the purge was not verified")
        sizes = [len(data) for data in drawings]
        folder = Path(app.config["INSTANCE_PATH"]) / "baseline"
        folder.mkdir()
        db.session.execute(text("CREATE TABLE bench_baseline (id INTEGER PRIMARY KEY, at TEXT)"))
        commit()
        plain = statistics.median(_durable_delete(folder, sizes) for _ in range(ROUNDS))
    figure = statistics.median(durations)
    report(
        "purge",
        f"{figure * 1000:.1f}ms",
        figure / plain,
        f"unlink of the same {IMAGES} files, one directory fsync and one commit of one row "
        f"({plain * 1000:.2f}ms); figure: close to verified purge of an alert with {IMAGES} "
        f"images, SQLite, median of {ROUNDS}",
    )


def _police() -> tuple[int, int]:
    rows = (
        db.session.execute(
            insert(User).returning(User.id),
            [
                {"email": "rechercheur@politie.example", "name": "R", "role": Role.INVESTIGATOR},
                {"email": "officier@om.example", "name": "O", "role": Role.PROSECUTOR},
            ],
        )
        .scalars()
        .all()
    )
    commit()
    return rows[0], rows[1]


def _published_alert(police: tuple[int, int], drawings: list[bytes], seed: int) -> int:
    from schoolalert.schools.models import School

    investigator = db.session.get(User, police[0])
    if seed == 0:
        one_school()
        participate_everywhere()
        staff_everywhere(1)
    code = db.session.scalar(db.select(School.code))
    draft = drafting.parse_draft(
        {
            "case_reference": "BENCH",
            "justification": "Benchmark",
            "description": "Synthetic",
            "age_estimate": 7,
            "targeting": {"schools": [code]},
        }
    )
    alert = drafting.create_draft(investigator, draft)
    for number, data in enumerate(drawings):
        kind = ("face", "clothing", "object")[number % 3]
        drafting.add_image(investigator, alert.id, io.BytesIO(data), kind=kind, attested=True)
    drafting.submit(investigator, alert.id)
    review.approve(db.session.get(User, police[1]), alert.id, images_checked=True)
    commit()
    return alert.id


def _durable_delete(folder: Path, sizes: list[int]) -> float:
    paths = []
    for number, size in enumerate(sizes):
        path = folder / f"{number:02d}"
        path.write_bytes(os.urandom(size))
        paths.append(path)
    _fsync(folder)
    started = time.perf_counter()
    for path in paths:
        path.unlink()
    _fsync(folder)
    db.session.execute(text("INSERT INTO bench_baseline (at) VALUES (CURRENT_TIMESTAMP)"))
    commit()
    return time.perf_counter() - started


def _fsync(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


if __name__ == "__main__":
    main()
