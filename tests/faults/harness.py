"""What the fault scenarios run on: a Redis server and an SMTP sink of their own (each on a free
port), real worker processes, and a small national alert.

Nothing here touches the machine's shared Redis: every scenario starts ``redis-server`` on a
port of its own and kills only that process.
"""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes
from email import policy as email_policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import insert

from schoolalert.accounts.models import Authenticator, AuthenticatorKind, User
from schoolalert.accounts.roles import Role
from schoolalert.alerts import drafting
from schoolalert.consent import terms
from schoolalert.consent.models import BoardParticipation, StaffAgreement, TermsKind
from schoolalert.database import utcnow
from schoolalert.demo.drawings import face
from schoolalert.extensions import db
from schoolalert.schools.geography import reference_geography
from schoolalert.schools.models import Board, LocationPrecision, School, SchoolKind
from schoolalert.transaction import commit

PORTS = range(17400, 17500)


def free_port() -> int:
    """A free port, preferably in the range set aside for these tests."""
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition: Callable[[], Any], timeout: float, what: str, step: float = 0.1) -> Any:
    """Poll ``condition`` until it is truthy; fail the scenario with ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f}s: {what}")
        time.sleep(step)


class RedisServer:
    """``redis-server`` on a port of its own, without persistence: a restart comes back empty."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self._answers, 10, f"redis-server on port {self.port} answers")

    def kill(self) -> None:
        """SIGKILL: everything in it is lost."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@dataclass
class Received:
    at: float
    to: str
    subject: str


@dataclass
class SinkHandler:
    """Accepts mail (slowly, if asked), or answers 451 while ``temporary_failure`` is set."""

    delay: float = 0.0
    temporary_failure: bool = False
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.temporary_failure:
            return "451 4.3.0 Try again later"
        if self.delay:
            await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.content, policy=email_policy.default)
        with self.lock:
            for to in envelope.rcpt_tos:
                self.received.append(Received(time.time(), to, str(message["Subject"])))
        return "250 OK"


class SmtpSink:
    """An SMTP server of its own; ``stop()`` makes the port refuse connections."""

    def __init__(self, delay: float = 0.0) -> None:
        self.port = free_port()
        self.handler = SinkHandler(delay=delay)
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, loop=asyncio.new_event_loop()
        )
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def mails(self, subject: str) -> list[Received]:
        with self.handler.lock:
            return [mail for mail in self.handler.received if mail.subject == subject]


class Workers:
    """``schoolalert worker`` processes, each in a process group of its own (main and horse)."""

    def __init__(self, environment: dict[str, str], logs: Path) -> None:
        self.environment = environment
        self.logs = logs
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, count: int) -> None:
        for _ in range(count):
            log = (self.logs / f"worker-{len(self.processes)}.log").open("wb")
            self.processes.append(
                subprocess.Popen(
                    [sys.executable, "-c", "from schoolalert.cli import main; main()", "worker"],
                    env=self.environment,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )

    def alive(self) -> list[bool]:
        return [process.poll() is None for process in self.processes]

    def kill_worker_of(self, horse: int) -> None:
        """SIGKILL the whole worker running in process ``horse``: the horse and its parent."""
        parent = int(Path(f"/proc/{horse}/stat").read_text().rsplit(")", 1)[1].split()[1])
        if parent not in {process.pid for process in self.processes}:
            raise ProcessLookupError(horse)
        os.kill(horse, signal.SIGKILL)
        os.killpg(parent, signal.SIGKILL)

    def stop(self) -> None:
        """SIGKILL: the scenarios are over, nothing graceful is under test here."""
        for process in self.processes:
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    continue
        for process in self.processes:
            process.wait(timeout=10)

    def log_tail(self, lines: int = 40) -> str:
        parts = []
        for path in sorted(self.logs.glob("worker-*.log")):
            text = path.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"== {path.name}\n" + "\n".join(text))
        return "\n".join(parts)


def environment(config: dict[str, Any]) -> dict[str, str]:
    """The ``SCHOOLALERT_*`` environment that gives a worker process ``config``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("SCHOOLALERT_")}
    for key, value in config.items():
        if value is None or key in {"TESTING", "PLUGINS_ENABLED"}:
            continue
        env[f"SCHOOLALERT_{key}"] = str(value).lower() if isinstance(value, bool) else str(value)
    return env


@dataclass
class Nation:
    """A small country: staff at every school, an investigator, two prosecutors."""

    staff: list[str]  # e-mail addresses
    investigator: int
    prosecutors: list[int]


def populate(app: Flask, schools: int, per_school: int) -> Nation:
    with app.app_context():
        place = reference_geography().municipalities["GM0363"]
        board = Board(number="90000", name="Stichting Storing")
        db.session.add(board)
        db.session.flush()
        school_ids = (
            db.session.execute(
                insert(School).returning(School.id),
                [
                    {
                        "code": f"Z{n:03d}00",
                        "brin": f"Z{n:03d}",
                        "board_id": board.id,
                        "name": f"School {n}",
                        "street": "Storingsweg",
                        "house_number": n + 1,
                        "postcode": "1011 AB",
                        "city": "AMSTERDAM",
                        "municipality_code": place.code,
                        "source_municipality_code": place.code,
                        "province_code": place.province_code,
                        "safety_region_code": place.safety_region_code,
                        "police_unit_code": place.police_unit_code,
                        "latitude": place.latitude,
                        "longitude": place.longitude,
                        "location_precision": LocationPrecision.MUNICIPALITY,
                        "kind": SchoolKind.BO,
                    }
                    for n in range(schools)
                ],
            )
            .scalars()
            .all()
        )
        participation = terms.publish(
            None, TermsKind.PARTICIPATION, "Fault test terms.", requires_reacceptance=True
        )
        statement = terms.publish(
            None, TermsKind.CONFIDENTIALITY, "Fault test statement.", requires_reacceptance=True
        )
        db.session.execute(
            insert(BoardParticipation),
            [{"board_id": board.id, "terms_version_id": participation.id, "granted_at": utcnow()}],
        )
        rows = [
            {
                "email": f"staff{school}-{n}@school.example",
                "name": f"Staff {school}-{n}",
                "role": Role.SCHOOL_STAFF,
                "school_id": school,
            }
            for school in school_ids
            for n in range(per_school)
        ]
        staff = db.session.execute(insert(User).returning(User.id), rows).scalars().all()
        # Staff qualify only with a confirmed second factor (they never sign in here).
        db.session.execute(
            insert(Authenticator),
            [
                {
                    "user_id": user,
                    "kind": AuthenticatorKind.TOTP,
                    "data": {},
                    "confirmed_at": utcnow(),
                }
                for user in staff
            ],
        )
        db.session.execute(
            insert(StaffAgreement),
            [
                {"user_id": user, "terms_version_id": statement.id, "accepted_at": utcnow()}
                for user in staff
            ],
        )
        police = (
            db.session.execute(
                insert(User).returning(User.id),
                [
                    {
                        "email": "rechercheur@politie.example",
                        "name": "R",
                        "role": Role.INVESTIGATOR,
                    },
                    {"email": "officier1@om.example", "name": "O1", "role": Role.PROSECUTOR},
                    {"email": "officier2@om.example", "name": "O2", "role": Role.PROSECUTOR},
                ],
            )
            .scalars()
            .all()
        )
        commit()
        return Nation([row["email"] for row in rows], police[0], list(police[1:]))


def submitted_alert(app: Flask, nation: Nation) -> int:
    with app.app_context():
        investigator = db.session.get(User, nation.investigator)
        draft = drafting.parse_draft(
            {
                "case_reference": "STORING-1",
                "justification": "Fault test",
                "description": "Synthetic",
                "age_estimate": 7,
                "targeting": {"all": True},
            }
        )
        alert = drafting.create_draft(investigator, draft)
        drafting.add_image(
            investigator, alert.id, io.BytesIO(face(seed=11)), kind="face", attested=True
        )
        drafting.submit(investigator, alert.id)
        commit()
        return alert.id
