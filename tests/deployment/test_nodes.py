"""Several web nodes (issue: production runs more than one): two gunicorn nodes from the
installed wheel on different loopback ports, over one PostgreSQL database, one Redis and one S3
endpoint (moto's server, a versioned bucket), a separate ``schoolalert worker`` and an SMTP sink.

This is the README's "Running it for real" as an operator does it: ``SCHOOLALERT_ENV=production``,
``schoolalert init``, ``gunicorn -c gunicorn.conf.py`` per node and ``schoolalert worker``, with the
reverse proxy's forwarded headers (``SCHOOLALERT_TRUSTED_PROXIES=1``) sent by the test itself.
"""

from __future__ import annotations

import email
import http.client
import io
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from PIL import Image, ImageChops
from sqlalchemy import create_engine, make_url, text

from schoolalert.demo.drawings import face
from tests.conftest import SERVICES_SKIP, TEST_DATABASE_URL, TEST_REDIS_URL, delete_redis_keys
from tests.deployment.support import (
    Account,
    Api,
    Installed,
    Instance,
    ok,
    secret_settings,
    upload,
)
from tests.servers import S3_CREDENTIALS, free_port, make_bucket, object_versions, s3_server

pytestmark = pytest.mark.skipif(not (TEST_DATABASE_URL and TEST_REDIS_URL), reason=SERVICES_SKIP)

BOARD, SCHOOL = "18718", "50TR00"  # in tests/fixtures/duo (synthetic DUO files)
PREFIX = "images/"
ACCOUNT_LIMIT = 4  # sign-in attempts per account and address per minute, on all nodes together


class Mailbox:
    """An SMTP server on the loopback that keeps what it receives."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[email.message.Message] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    def to(self, address: str) -> list[email.message.Message]:
        with self.lock:
            return [message for message in self.messages if message["To"] == address]

    def wait_for(self, address: str, count: int, *, settle: float = 3.0) -> int:
        """How many messages ``address`` has once ``count`` arrived and nothing more came for
        ``settle`` seconds (so that a second copy would be seen)."""
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and len(self.to(address)) < count:
            time.sleep(0.2)
        time.sleep(settle)
        return len(self.to(address))


@dataclass
class Cluster:
    instance: Instance
    nodes: list[Api]
    s3: str
    bucket: str
    mailbox: Mailbox
    accounts: dict[str, Account]
    machine_token: str


def proxied(address: str) -> dict[str, str]:
    """The headers the reverse proxy in front of the nodes adds (TLS ended there)."""
    return {"X-Forwarded-For": address, "X-Forwarded-Proto": "https"}


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    server = make_url(TEST_DATABASE_URL)
    name = f"schoolalert_nodes_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Mailbox]:
    from aiosmtpd.controller import Controller

    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def cluster(
    installed: Installed, database: str, mailbox: Mailbox, tmp_path_factory
) -> Iterator[Cluster]:
    run = tmp_path_factory.mktemp("nodes")
    shutil.copy(installed.source / "deploy" / "gunicorn.conf.py", run)
    duo = run / "duo"
    shutil.copytree(installed.source / "tests" / "fixtures" / "duo", duo)
    marker = f"sa-nodes-{uuid.uuid4().hex[:10]}"
    with s3_server() as endpoint:
        bucket = f"schoolalert-{uuid.uuid4().hex[:8]}"
        make_bucket(endpoint, bucket, versioned=True)
        settings = {
            "SCHOOLALERT_ENV": "production",
            "SCHOOLALERT_DATABASE_URL": database,
            "SCHOOLALERT_REDIS_URL": TEST_REDIS_URL,
            "SCHOOLALERT_BASE_URL": "https://schoolalert.test",
            "SCHOOLALERT_TRUSTED_PROXIES": "1",
            "SCHOOLALERT_MAIL_SERVER": "127.0.0.1",
            "SCHOOLALERT_MAIL_PORT": str(mailbox.port),
            "SCHOOLALERT_IMAGE_S3_BUCKET": bucket,
            "SCHOOLALERT_IMAGE_S3_PREFIX": PREFIX,
            "SCHOOLALERT_IMAGE_S3_ENDPOINT_URL": endpoint,
            "SCHOOLALERT_RQ_QUEUE": marker,
            "SCHOOLALERT_RATELIMIT_KEY_PREFIX": marker,
            "SCHOOLALERT_LIMIT_SIGN_IN_ACCOUNT": f"{ACCOUNT_LIMIT} per minute",
            # Several nodes need one key store: in production the HSM (KEY_STORE=pkcs11); here
            # one file key store that every process reaches, like a shared HSM token.
            "SCHOOLALERT_KEY_STORE_PATH": str(run / "keys"),
            **secret_settings(),
            **S3_CREDENTIALS,
        }
        # One instance folder per process: the nodes share nothing but the services and the key
        # store.
        instance = Instance(
            installed, run, settings | {"SCHOOLALERT_INSTANCE_PATH": str(run / "a")}
        )
        try:
            yield start_cluster(instance, run, duo, endpoint, bucket, mailbox)
        except AssertionError as error:
            raise AssertionError(f"{error}\n{instance.log_tail()}") from error
        finally:
            instance.stop_all()
            delete_redis_keys(TEST_REDIS_URL, marker)


def start_cluster(
    instance: Instance, run: Path, duo: Path, endpoint: str, bucket: str, mailbox: Mailbox
) -> Cluster:
    instance.cli("init")
    started = [
        instance.start_web_node(
            f"node{number}", env={"SCHOOLALERT_INSTANCE_PATH": str(run / f"node{number}")}
        )
        for number in (1, 2)
    ]
    instance.start(
        "worker", "schoolalert", "worker", env={"SCHOOLALERT_INSTANCE_PATH": str(run / "worker")}
    )
    accounts = {
        "admin": Account("beheer@politie.nodes.example", "Beheerder", "admin"),
        "web": Account("webbeheer@politie.nodes.example", "Webbeheerder", "admin"),
        "token": Account("koppeling@politie.nodes.example", "Koppeling", "admin"),
        "investigator": Account("rechercheur@politie.nodes.example", "Rechercheur", "investigator"),
        "prosecutor": Account("officier@om.nodes.example", "Officier", "prosecutor"),
        "board_admin": Account(
            "bestuur@school.nodes.example", "Bestuur", "board_admin", board=BOARD
        ),
        "staff": Account(
            "leerkracht@school.nodes.example", "Leerkracht", "school_staff", school=SCHOOL
        ),
    }
    terms = run / "participation.txt"
    terms.write_text("Deelnamevoorwaarden.\n", encoding="utf-8")
    statement = run / "confidentiality.txt"
    statement.write_text("Geheimhoudingsverklaring.\n", encoding="utf-8")

    def schools_and_their_people() -> None:
        instance.cli(
            "schools",
            "import",
            str(duo / "vestigingenbo.csv"),
            "--boards",
            str(duo / "besturenbo.csv"),
        )
        accounts["board_admin"].create(instance)
        accounts["staff"].create(instance)

    def machine_token() -> str:
        accounts["admin"].create(instance)
        return instance.cli(
            "users", "token", "--email", accounts["admin"].email, "--days", "1"
        ).strip()

    _, token, *_ = instance.parallel(
        schools_and_their_people,
        machine_token,
        lambda: instance.cli("terms", "publish", "participation", str(terms)),
        lambda: instance.cli("terms", "publish", "confidentiality", str(statement)),
        *(
            (lambda account=account: account.create(instance))
            for key, account in accounts.items()
            if key in {"web", "token", "investigator", "prosecutor"}
        ),
    )
    bases = [instance.wait_ready(*node) for node in started]
    nodes = [Api(base, proxied("198.51.100.10")) for base in bases]
    return Cluster(instance, nodes, endpoint, bucket, mailbox, accounts, token)


# -- one request per connection ----------------------------------------------------------------


def test_a_node_closes_every_connection_after_its_response(cluster):
    """A kept-open connection stays with the worker that accepted it, so kept-open connections
    gather on one worker while the others idle (the staff surge ran on one of two workers). The
    node's configuration closes each connection: every request can go to any worker."""
    port = int(cluster.nodes[0].base.rsplit(":", 1)[1])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        for path in ("/healthz", "/sign-in"):
            headers = proxied("198.51.100.30") | {"Connection": "keep-alive"}
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            assert response.status == 200
            assert response.getheader("Connection") == "close"
            assert response.will_close
            connection.close()  # what a client does when told so; the next request reconnects
    finally:
        connection.close()


# -- sessions and tokens ----------------------------------------------------------------------


class Browser:
    """A person's browser behind the TLS proxy: cookies kept by hand (they are Secure)."""

    def __init__(self, address: str) -> None:
        self.cookies: dict[str, str] = {}
        self.address = address

    def request(self, method: str, base: str, path: str, **kwargs: Any) -> requests.Response:
        host = base.removeprefix("http://")
        headers = proxied(self.address) | {"Referer": f"https://{host}{path}"}
        response = requests.request(
            method,
            f"{base}{path}",
            headers=headers,
            cookies=self.cookies,
            allow_redirects=False,
            timeout=60,
            **kwargs,
        )
        for cookie in response.cookies:
            self.cookies[cookie.name] = cookie.value or ""
        return response

    def csrf(self, base: str, path: str) -> str:
        page = self.request("GET", base, path)
        assert page.status_code == 200, page.text[:500]
        marker = 'name="csrf_token" type="hidden" value="'
        start = page.text.index(marker) + len(marker)
        return page.text[start : page.text.index('"', start)]

    def sign_in(self, base: str, account: Account) -> None:
        data = {"email": account.email, "password": account.password}
        response = self.request(
            "POST", base, "/sign-in", data=data | {"csrf_token": self.csrf(base, "/sign-in")}
        )
        assert response.status_code == 302, response.text[:500]
        code = {"code": account.code(), "csrf_token": self.csrf(base, "/sign-in/code")}
        response = self.request("POST", base, "/sign-in/code", data=code)
        assert response.status_code == 302, response.text[:500]


def test_a_session_of_node_1_works_on_node_2_and_ends_on_both(cluster):
    node1, node2 = (api.base for api in cluster.nodes)
    browser = Browser("198.51.100.21")
    browser.sign_in(node1, cluster.accounts["web"])
    assert "__Host-session" in browser.cookies
    for base in (node1, node2):
        page = browser.request("GET", base, "/account")
        assert page.status_code == 200, page.status_code
        assert cluster.accounts["web"].email in page.text
    copied = dict(browser.cookies)
    signed_out = browser.request(
        "POST", node2, "/sign-out", data={"csrf_token": browser.csrf(node2, "/account")}
    )
    assert signed_out.status_code == 302
    browser.cookies = copied  # even a copy of the cookie taken before no longer works
    for base in (node1, node2):
        page = browser.request("GET", base, "/account")
        assert page.status_code == 302
        assert "/sign-in" in page.headers["Location"]


def test_a_token_of_node_1_works_on_node_2_and_dies_on_both_when_revoked(cluster):
    node1, node2 = cluster.nodes
    account = cluster.accounts["token"]
    token = node1.token(account)
    for node in (node1, node2):
        assert node.call("GET", "/plugins", token).status_code == 200
    listed = ok(node2.call("GET", "/tokens", cluster.machine_token))["tokens"]
    (row,) = [row for row in listed if row["kind"] == "session" and row["user_id"] == account.id]
    assert node2.call("DELETE", f"/tokens/{row['id']}", cluster.machine_token).status_code == 204
    for node in (node1, node2):
        assert node.call("GET", "/plugins", token).status_code == 401


# -- throttling -------------------------------------------------------------------------------


def test_rate_limits_count_across_nodes(cluster):
    node1, node2 = (Api(api.base, proxied("198.51.100.33")) for api in cluster.nodes)
    wrong = {"email": "niemand@politie.nodes.example", "password": "wrong", "otp": "000000"}
    for attempt in range(ACCOUNT_LIMIT):
        node = (node1, node2)[attempt % 2]
        assert node.call("POST", "/auth/token", json=wrong).status_code == 401
    for node in (node1, node2):
        assert node.call("POST", "/auth/token", json=wrong).status_code == 429
    # The count is per person: another client address does not get a fresh one.
    other = Api(node1.base, proxied("198.51.100.34"))
    assert other.call("POST", "/auth/token", json=wrong).status_code == 429


# -- images, closing and mail -----------------------------------------------------------------


def test_an_image_from_node_1_is_served_by_node_2_and_closing_purges_it_everywhere(cluster):
    node1, node2 = cluster.nodes
    people = cluster.accounts
    staff = people["staff"]
    versions = ok(node1.call("GET", "/terms"))
    ok(
        node1.call(
            "POST",
            f"/boards/{BOARD}/participation",
            node1.token(people["board_admin"]),
            json={"schools": [SCHOOL], "terms_version": versions["participation"]["version"]},
        )
    )
    staff_token = node2.token(staff)
    ok(
        node2.call(
            "POST",
            "/me/agreement",
            staff_token,
            json={"terms_version": versions["confidentiality"]["version"]},
        ),
        200,
        201,
    )
    investigator = node1.token(people["investigator"])
    draft = ok(
        node1.call(
            "POST",
            "/alerts",
            investigator,
            json={
                "case_reference": "ZAAK-2026-0100",
                "justification": "Misbruik vastgesteld; andere middelen zijn uitgeput.",
                "description": "Jongen van ongeveer acht, rode trui met een raket.",
                "age_estimate": "7-9",
                "targeting": {"schools": [SCHOOL]},
                "duration_days": 7,
            },
        ),
        201,
    )
    alert_id = draft["id"]
    drawing = face(seed=alert_id)
    upload(node1, investigator, alert_id, drawing, "face")
    assert len(object_versions(cluster.s3, cluster.bucket, PREFIX)) == 1
    ok(node2.call("POST", f"/alerts/{alert_id}/submit", investigator))
    prosecutor = node2.token(people["prosecutor"])
    ok(node2.call("POST", f"/alerts/{alert_id}/approve", prosecutor, json={"images_checked": True}))

    # The worker sends the notification mail, once, whichever node published.
    assert cluster.mailbox.wait_for(staff.email, 1) == 1

    detail = ok(node2.call("GET", f"/me/alerts/{alert_id}", staff_token))
    image_path = "/api/v1" + detail["images"][0]["url"].removeprefix("/api/v1")
    served = {}
    for number, node in ((2, node2), (1, node1)):
        response = requests.get(
            f"{node.base}{image_path}", headers=node.headers | bearer(staff_token), timeout=60
        )
        assert response.status_code == 200, response.text[:500]
        assert response.headers["Content-Type"] == "image/jpeg"
        served[number] = response
    assert served[2].content != served[1].content  # each view has its own watermark
    assert changed_share(drawing, served[2].content) > 0.03
    trail = ok(node1.call("GET", f"/audit?alert={alert_id}", prosecutor))
    assert served[2].headers["X-View-ID"] in str(trail)

    ok(node2.call("POST", f"/alerts/{alert_id}/close", investigator, json={"reason": "identified"}))
    gone = requests.get(
        f"{node1.base}{image_path}", headers=node1.headers | bearer(staff_token), timeout=60
    )
    assert gone.status_code == 404
    assert node1.call("GET", f"/me/alerts/{alert_id}", staff_token).status_code == 404
    # The worker deletes the objects once the closing committed, then checks and records it.
    deadline = time.monotonic() + 60
    record = ok(node1.call("GET", f"/alerts/{alert_id}/purge", investigator))
    while record["checked_at"] is None and time.monotonic() < deadline:
        time.sleep(0.5)
        record = ok(node1.call("GET", f"/alerts/{alert_id}/purge", investigator))
    assert object_versions(cluster.s3, cluster.bucket, PREFIX) == []
    assert record["files_removed"] is True
    assert record["verified"] is True
    # The staff member is told once that the alert ended.
    assert cluster.mailbox.wait_for(staff.email, 2) == 2


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def changed_share(original: bytes, served: bytes) -> float:
    """The share of pixels that differ visibly (beyond JPEG noise) from the uploaded drawing."""
    before = Image.open(io.BytesIO(original)).convert("RGB")
    after = Image.open(io.BytesIO(served)).convert("RGB")
    assert before.size == after.size
    difference = ImageChops.difference(before, after).convert("L")
    changed = sum(difference.point(lambda value: 255 if value > 24 else 0).histogram()[255:])
    return changed / (before.width * before.height)
