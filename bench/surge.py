"""The morning after a national alert: many staff open the alert and its images at once.

Imports the national DUO file, puts staff at every location, publishes one alert to every school
with three images, and serves it with gunicorn (``deploy/gunicorn.conf.py`` when present, else
the equivalent flags) on PostgreSQL and Redis. ``CLIENTS`` staff members (32 by default) sign in
through the real sign-in pages (password and one-time code) and then, each in a loop, load the
staff portal's alert page and every image on it: one page view. The baseline is the same server
answering ``/healthz`` to the same clients in the same run.

Prints ``BENCH surge <page views/s> ratio=<views/s ÷ trivial pages/s>`` with the median and p99
latency of a page view, and ``BENCH watermark <ms>`` for one 480x560 image against decoding and
re-encoding the same image without a watermark.

Settings (environment): ``SCHOOLALERT_BENCH_CLIENTS`` (32), ``SCHOOLALERT_BENCH_WORKERS``
(gunicorn workers, 2), ``SCHOOLALERT_BENCH_SECONDS`` (length of each timed phase, 20),
``SCHOOLALERT_BENCH_PORT`` (a free port when unset).
"""

from __future__ import annotations

import contextlib
import http.client
import io
import multiprocessing
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import pyotp
from PIL import Image
from sqlalchemy import func, select

from bench.common import NATIONAL_FILE, ROOT, environment, instance, report, services_available
from bench.population import investigator_and_prosecutor, participate_everywhere, staff_everywhere
from schoolalert.accounts import second_factor
from schoolalert.accounts.models import User
from schoolalert.accounts.roles import Role
from schoolalert.accounts.services import set_password
from schoolalert.alerts import drafting, review
from schoolalert.alerts.images import sanitize_image
from schoolalert.alerts.models import AlertView
from schoolalert.alerts.watermark import JPEG_QUALITY, new_view_id, watermark
from schoolalert.audit.models import AuditEvent
from schoolalert.demo.drawings import DRAWINGS
from schoolalert.extensions import db
from schoolalert.schools.importer import import_locations
from schoolalert.transaction import commit

CLIENTS = int(os.environ.get("SCHOOLALERT_BENCH_CLIENTS", "32"))
WORKERS = int(os.environ.get("SCHOOLALERT_BENCH_WORKERS", "2"))
SECONDS = float(os.environ.get("SCHOOLALERT_BENCH_SECONDS", "20"))
PROCESSES = 8  # client processes; the clients are spread over them
STAFF_PER_SCHOOL = 5
IMAGE_SIZE = (480, 560)
WATERMARK_ROUNDS = 60
GUNICORN_CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
IMAGE_LINK = re.compile(r'<img src="(/portal/alerts/\d+/images/\d+)"')
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def main() -> None:
    missing = services_available()
    if missing or not NATIONAL_FILE.exists():
        print(f"BENCH surge skipped: {missing or f'{NATIONAL_FILE} is absent'}", flush=True)
        return
    images = [drawing(kind, seed) for seed, kind in enumerate(("face", "clothing", "object"))]
    watermark_line(images[0])
    with instance(postgres=True, redis=True) as app:
        alert_id, staff = prepare(app, images)
        port = int(os.environ.get("SCHOOLALERT_BENCH_PORT") or free_port())
        log = Path(app.config["INSTANCE_PATH"]) / "gunicorn.log"
        server = start_server(app, port, log)
        try:
            with app.app_context():
                db.engine.dispose()  # the client processes are forked: no connection shared
            with Fleet(port, alert_id, staff) as fleet:
                fleet.everyone("sign_in")
                fleet.everyone("view")  # warm: fonts, connection pools, caches
                trivial = fleet.phase("trivial")
                views = fleet.phase("view")
                served = fleet.view_ids()
        except Exception:
            print(log.read_text(errors="replace")[-3000:], file=sys.stderr, flush=True)
            raise
        finally:
            server.terminate()
            server.wait(timeout=60)
        check_every_view_recorded(app, alert_id, served)
        schools = len({user.school_id for user in staff})
    latencies = sorted(views.latencies)
    median, p99 = (
        statistics.median(latencies),
        latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
    )
    report(
        "surge",
        f"{views.rate:.1f}views/s",
        views.rate / trivial.rate,
        f"GET /healthz from the same {CLIENTS} signed-in staff clients, same server, same run "
        f"({trivial.rate:.0f}/s); figure: staff portal page views (alert page and its "
        f"{len(images)} watermarked {IMAGE_SIZE[0]}x{IMAGE_SIZE[1]} images, each view audited) "
        f"per second, median {median:.2f}s, p99 {p99:.2f}s over {len(latencies)} views, "
        f"{CLIENTS} clients at {schools} schools, gunicorn {WORKERS} workers "
        f"({'deploy/gunicorn.conf.py' if GUNICORN_CONFIG.exists() else 'command-line flags'}), "
        f"PostgreSQL and Redis, national alert to every school",
    )


# -- the images and the watermark alone ---------------------------------------------------------


def drawing(kind: str, seed: int) -> bytes:
    """A synthetic drawing of ``IMAGE_SIZE``, as the intake stores it (sanitised PNG)."""
    width, height = IMAGE_SIZE
    square = Image.open(io.BytesIO(DRAWINGS[kind](seed=seed, size=max(IMAGE_SIZE))))
    left = (square.width - width) // 2
    cropped = square.crop((left, 0, left + width, height))
    buffer = io.BytesIO()
    cropped.save(buffer, format="PNG")
    return sanitize_image(buffer.getvalue(), max_bytes=10_000_000, max_pixels=10_000_000).data


def watermark_line(stored: bytes) -> None:
    def marked() -> None:
        watermark(stored, viewer_code="U012345", viewed_at=datetime.now(UTC), view_id=new_view_id())

    def plain() -> None:  # what any rendering costs: decode the original, encode a fresh JPEG
        with Image.open(io.BytesIO(stored)) as source:
            source.load()
            fresh = Image.new("RGB", source.size)
            fresh.paste(source)
        fresh.save(io.BytesIO(), format="JPEG", quality=JPEG_QUALITY, subsampling=0)

    figure, baseline = _median_ms(marked), _median_ms(plain)
    report(
        "watermark",
        f"{figure:.1f}ms",
        figure / baseline,
        f"decode and re-encode of the same image without a watermark ({baseline:.1f}ms); figure: "
        f"one {IMAGE_SIZE[0]}x{IMAGE_SIZE[1]} view watermarked (decode, mark, JPEG), median of "
        f"{WATERMARK_ROUNDS}",
    )


def _median_ms(work) -> float:
    work()
    durations = []
    for _ in range(WATERMARK_ROUNDS):
        started = time.perf_counter()
        work()
        durations.append(time.perf_counter() - started)
    return statistics.median(durations) * 1000


# -- set-up -------------------------------------------------------------------------------------


@dataclass
class Staff:
    id: int
    email: str
    password: str
    totp_secret: str
    school_id: int


def prepare(app, images: list[bytes]) -> tuple[int, list[Staff]]:
    """The registry, staff everywhere, sign-in secrets for the clients, one published alert."""
    with app.app_context():
        import_locations(db.session, NATIONAL_FILE.read_bytes(), NATIONAL_FILE.name)
        commit()
        participate_everywhere()
        total = staff_everywhere(STAFF_PER_SCHOOL)
        staff = _client_accounts(total)
        police = investigator_and_prosecutor()
        investigator = db.session.get(User, police[0])
        draft = drafting.parse_draft(
            {
                "case_reference": "BENCH",
                "justification": "Benchmark",
                "description": "Synthetic drawings for the staff surge benchmark.",
                "age_estimate": 7,
                "targeting": {"all": True},
            }
        )
        alert = drafting.create_draft(investigator, draft)
        for data, kind in zip(images, ("face", "clothing", "object"), strict=True):
            drafting.add_image(investigator, alert.id, io.BytesIO(data), kind=kind, attested=True)
        drafting.submit(investigator, alert.id)
        review.approve(db.session.get(User, police[1]), alert.id, images_checked=True)
        commit()
        return alert.id, staff


def _client_accounts(total: int) -> list[Staff]:
    """Password and TOTP for ``CLIENTS`` staff members spread over as many schools."""
    every = max(1, total // CLIENTS)
    users = db.session.scalars(
        select(User).where(User.role == Role.SCHOOL_STAFF).order_by(User.id)
    ).all()[::every][:CLIENTS]
    staff = []
    for user in users:
        password, secret = "bench-" + secrets.token_urlsafe(12), pyotp.random_base32()
        set_password(user, password, reason="benchmark")
        second_factor.set_confirmed_totp(user, secret)
        assert user.school_id is not None
        staff.append(Staff(user.id, user.email, password, secret, user.school_id))
    commit()
    return staff


# -- the server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(app, port: int, log: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn"]
    if GUNICORN_CONFIG.exists():
        command += ["--config", str(GUNICORN_CONFIG)]
    else:
        command += ["--timeout", "60", "--graceful-timeout", "10"]
    command += [
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(WORKERS),
        "schoolalert:create_app()",
    ]
    config = app.config
    variables = environment(app) | {
        # 32 staff sign in from one address within seconds; the benchmark is not the throttle.
        "SCHOOLALERT_LIMIT_SIGN_IN_ADDRESS": "1000 per minute",
        "SCHOOLALERT_RATELIMIT_KEY_PREFIX": config["RQ_QUEUE"],  # deleted with the queue's keys
        "SCHOOLALERT_PERIODIC_INLINE": "false",
    }
    for key in ("PASSWORD_HASH_TIME_COST", "PASSWORD_HASH_MEMORY_KIB", "PASSWORD_HASH_PARALLELISM"):
        variables[f"SCHOOLALERT_{key}"] = str(config[key])
    with log.open("wb") as output:
        server = subprocess.Popen(command, env=variables, stdout=output, stderr=output, cwd=ROOT)
    deadline = time.time() + 60
    while time.time() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            status, _headers, _body = Client(port).get("/healthz")
            if status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.terminate()
    raise RuntimeError("gunicorn did not answer /healthz within 60 s")


# -- the clients --------------------------------------------------------------------------------


class Client:
    """One browser: a cookie jar and a connection, reopened when the server closes it."""

    def __init__(self, port: int, staff: Staff | None = None) -> None:
        self.port, self.staff = port, staff
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.view_ids: list[str] = []

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            self.connection.close()  # a kept-alive connection closed by the server: once more
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        content = response.read()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0" in cookie or "expires=Thu, 01 Jan 1970" in cookie:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
        return response.status, response.headers, content

    def get(self, path: str) -> tuple[int, http.client.HTTPMessage, bytes]:
        return self.request("GET", path)

    def sign_in(self) -> None:
        """The web sign-in of a staff member: e-mail and password, then the one-time code."""
        assert self.staff is not None
        _status, _headers, page = self.get("/sign-in")
        status, _headers, _body = self.request(
            "POST",
            "/sign-in",
            {"email": self.staff.email, "password": self.staff.password, "csrf_token": _csrf(page)},
        )
        if status != 302:
            raise RuntimeError(f"sign-in answered {status}")
        _status, _headers, page = self.get("/sign-in/code")
        code = pyotp.TOTP(self.staff.totp_secret).now()
        status, _headers, _body = self.request(
            "POST", "/sign-in/code", {"code": code, "csrf_token": _csrf(page)}
        )
        if status != 302:
            raise RuntimeError(f"the one-time code page answered {status}")

    def view(self, alert_id: int) -> None:
        """The alert page and every image on it, as a browser loads them."""
        status, _headers, page = self.get(f"/portal/alerts/{alert_id}")
        if status != 200:
            raise RuntimeError(f"the alert page answered {status}")
        links = IMAGE_LINK.findall(page.decode())
        if not links:
            raise RuntimeError("the alert page shows no images")
        for link in links:
            status, headers, content = self.get(link)
            if status != 200 or headers.get("Content-Type") != "image/jpeg" or not content:
                raise RuntimeError(f"{link} answered {status}")
            self.view_ids.append(headers["X-View-ID"])

    def trivial(self) -> None:
        status, _headers, _body = self.get("/healthz")
        if status != 200:
            raise RuntimeError(f"/healthz answered {status}")


def _csrf(page: bytes) -> str:
    found = CSRF.search(page.decode())
    if found is None:
        raise RuntimeError("no CSRF token on the page")
    return found.group(1)


@dataclass
class Phase:
    seconds: float
    latencies: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds


class Fleet:
    """The clients, a few threads in each of several processes: one process of many threads
    reads responses slowly (the GIL), and gunicorn's sync workers wait for the client to take
    the whole response and close the connection, so the clients would be the bottleneck."""

    def __init__(self, port: int, alert_id: int, staff: list[Staff]) -> None:
        context = multiprocessing.get_context("fork")
        count = min(len(staff), PROCESSES)
        self.pipes, self.processes = [], []
        for number in range(count):
            parent, child = context.Pipe()
            process = context.Process(
                target=_client_process, args=(child, port, alert_id, staff[number::count])
            )
            process.start()
            self.pipes.append(parent)
            self.processes.append(process)

    def __enter__(self) -> Fleet:
        return self

    def __exit__(self, *_exception) -> None:
        for pipe in self.pipes:
            with contextlib.suppress(OSError):
                pipe.send(("stop",))
        for process in self.processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()

    def _ask(self, *message) -> list:
        for pipe in self.pipes:
            pipe.send(message)
        answers = [pipe.recv() for pipe in self.pipes]
        for status, payload in answers:
            if status != "ok":
                raise RuntimeError(f"a client failed: {payload}")
        return [payload for _status, payload in answers]

    def everyone(self, action: str) -> None:
        self._ask("once", action)

    def phase(self, action: str) -> Phase:
        """Every client repeats ``action`` for ``SECONDS``; one latency per completed action."""
        start_at = time.time() + 1.0
        answers = self._ask("phase", action, start_at, start_at + SECONDS)
        result = Phase(max(ended for ended, _latencies in answers) - start_at)
        for _ended, latencies in answers:
            result.latencies.extend(latencies)
        return result

    def view_ids(self) -> list[str]:
        return [view_id for ids in self._ask("view_ids") for view_id in ids]


def _client_process(pipe, port: int, alert_id: int, staff: list[Staff]) -> None:
    clients = [Client(port, member) for member in staff]
    actions = {
        "sign_in": Client.sign_in,
        "view": lambda client: client.view(alert_id),
        "trivial": Client.trivial,
    }
    while (message := pipe.recv())[0] != "stop":
        try:
            if message[0] == "once":
                _run_all(clients, actions[message[1]])
                pipe.send(("ok", None))
            elif message[0] == "phase":
                pipe.send(("ok", _timed(clients, actions[message[1]], *message[2:])))
            else:
                pipe.send(("ok", [view_id for client in clients for view_id in client.view_ids]))
        except Exception as error:
            pipe.send(("error", f"{type(error).__name__}: {error}"))


def _timed(clients: list[Client], action, start_at: float, deadline: float):
    latencies: list[float] = []
    errors: list[Exception] = []

    def loop(client: Client) -> None:
        time.sleep(max(0.0, start_at - time.time()))
        try:
            while time.time() < deadline:
                started = time.perf_counter()
                action(client)
                latencies.append(time.perf_counter() - started)
        except Exception as error:
            errors.append(error)

    _threads(clients, loop)
    if errors:
        raise errors[0]
    return time.time(), latencies


def _run_all(clients: list[Client], action) -> None:
    errors: list[Exception] = []

    def once(client: Client) -> None:
        try:
            action(client)
        except Exception as error:
            errors.append(error)

    _threads(clients, once)
    if errors:
        raise errors[0]


def _threads(clients: list[Client], work) -> None:
    threads = [threading.Thread(target=work, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def check_every_view_recorded(app, alert_id: int, served: list[str]) -> None:
    """Each image served is one view with an id of its own, one AlertView and one audit entry."""
    with app.app_context():
        views = db.session.scalar(
            select(func.count()).select_from(AlertView).where(AlertView.alert_id == alert_id)
        )
        audited = db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "image.viewed", AuditEvent.alert_id == alert_id)
        )
    if not (len(set(served)) == len(served) == views == audited):
        raise RuntimeError(
            f"{len(served)} images served ({len(set(served))} view ids), "
            f"{views} views recorded, {audited} audited"
        )


if __name__ == "__main__":
    main()
