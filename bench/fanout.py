"""Publish one alert to every location of the national DUO file, 5 staff each, and time the
delivery through RQ with 2 workers to a local SMTP sink, against a plain smtplib loop."""

from __future__ import annotations

import asyncio
import io
import signal
import smtplib
import socket
import subprocess
import sys
import threading
import time
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from sqlalchemy import select

from bench.common import NATIONAL_FILE, environment, instance, report, services_available
from bench.population import investigator_and_prosecutor, participate_everywhere, staff_everywhere
from schoolalert.accounts.models import User
from schoolalert.accounts.roles import Role
from schoolalert.alerts import drafting, review
from schoolalert.demo.drawings import face
from schoolalert.extensions import db
from schoolalert.schools.importer import import_locations
from schoolalert.transaction import commit

STAFF_PER_SCHOOL = 5
WORKERS = 2


class Sink:
    """An SMTP server that counts what it accepts and when."""

    def __init__(self) -> None:
        self.count = 0
        self.last = 0.0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            self.last = time.perf_counter()
        return "250 OK"

    def reset(self) -> None:
        with self.lock:
            self.count, self.last = 0, 0.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def baseline(port: int, count: int) -> float:
    """A plain loop: one connection, ``count`` messages of the same size."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.org", "b@example.org", "x" * 30
    message.set_content("y" * 600)
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for _ in range(count):
            smtp.send_message(message)
    return time.perf_counter() - started


def main() -> None:
    missing = services_available()
    if missing or not NATIONAL_FILE.exists():
        print(f"BENCH fanout skipped: {missing or f'{NATIONAL_FILE} is absent'}", flush=True)
        return
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port, loop=asyncio.new_event_loop())
    controller.start()
    try:
        with instance(postgres=True, redis=True, MAIL_SERVER="127.0.0.1", MAIL_PORT=port) as app:
            expected, prosecutor, alert_id = prepare(app)
            workers = [
                subprocess.Popen(
                    [sys.executable, "-c", "from schoolalert.cli import main; main()", "worker"],
                    env=environment(app),
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                for _ in range(WORKERS)
            ]
            try:
                time.sleep(3)  # workers connected and listening
                started = time.perf_counter()
                with app.app_context():
                    review.approve(db.session.get(User, prosecutor), alert_id, images_checked=True)
                    commit()
                deadline = time.time() + 1800
                while sink.count < expected and time.time() < deadline:
                    time.sleep(0.2)
                if sink.count < expected:
                    raise RuntimeError(f"only {sink.count} of {expected} mails arrived")
                elapsed = sink.last - started
            finally:
                for worker in workers:
                    worker.send_signal(signal.SIGTERM)
                for worker in workers:
                    worker.wait(timeout=60)
        sink.reset()
        plain = baseline(port, expected)
    finally:
        controller.stop()
    report(
        "fanout",
        f"{elapsed:.1f}s",
        elapsed / plain,
        f"plain smtplib loop of {expected} mails to the same sink ({plain:.1f}s); figure: approval "
        f"to the last of {expected} mails accepted, RQ with {WORKERS} workers "
        f"({expected / elapsed:.0f} mails/s)",
    )


def prepare(app) -> tuple[int, int, int]:
    """The registry, participation, staff and a submitted alert to every location."""
    with app.app_context():
        import_locations(db.session, NATIONAL_FILE.read_bytes(), NATIONAL_FILE.name)
        commit()
        participate_everywhere()
        expected = staff_everywhere(STAFF_PER_SCHOOL)
        police = investigator_and_prosecutor()
        investigator = db.session.get(User, police[0])
        draft = drafting.parse_draft(
            {
                "case_reference": "BENCH",
                "justification": "Benchmark",
                "description": "Synthetic",
                "age_estimate": 7,
                "targeting": {"all": True},
            }
        )
        alert = drafting.create_draft(investigator, draft)
        drafting.add_image(
            investigator, alert.id, io.BytesIO(face(seed=3)), kind="face", attested=True
        )
        drafting.submit(investigator, alert.id)
        commit()
        recipients = db.session.scalar(
            select(db.func.count()).select_from(User).where(User.role == Role.SCHOOL_STAFF)
        )
        return int(recipients or expected), police[1], alert.id


if __name__ == "__main__":
    main()
