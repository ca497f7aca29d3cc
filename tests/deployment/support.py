"""Running the installed wheel the way an operator does: its commands, gunicorn nodes with
``deploy/gunicorn.conf.py``, and the API and web pages over real HTTP.

Nothing here imports the application: every request goes over a socket to a process started
from the wheel's own virtualenv, in a working directory outside the source tree.
"""

from __future__ import annotations

import base64
import io
import os
import secrets
import signal
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyotp
import requests

from tests.servers import free_port, stop, wait_for_port

# Variables of the developer's shell that must not reach the installed copy.
_LEAKING = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "FLASK_APP", "FLASK_DEBUG")


@dataclass
class Installed:
    """The wheel installed into a virtualenv of its own."""

    venv: Path
    source: Path  # the clean copy of the tracked tree the wheel was built from (deploy/ etc.)

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    def environment(self, extra: dict[str, str]) -> dict[str, str]:
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith("SCHOOLALERT_") and name not in _LEAKING
        }
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        env.update(extra)
        return env


@dataclass
class Instance:
    """One instance's settings (environment) and working directory, shared by its processes."""

    installed: Installed
    cwd: Path
    env: dict[str, str]
    processes: list[subprocess.Popen] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)

    def cli(self, *args: str, stdin: str = "", env: dict[str, str] | None = None) -> str:
        """Run ``schoolalert ARGS`` from the wheel; its output, or a failure that shows it."""
        result = subprocess.run(
            [str(self.installed.bin / "schoolalert"), *args],
            input=stdin,
            capture_output=True,
            text=True,
            cwd=self.cwd,
            env=self.installed.environment(self.env | (env or {})),
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, (
            f"schoolalert {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout}\n{result.stderr}"
        )
        return result.stdout

    def parallel(self, *steps: Callable[[], Any]) -> list[Any]:
        """Run independent steps (each one or more commands) at once: every command starts a
        Python process that builds the app, so this is where the test's time goes. (PostgreSQL
        only: on SQLite they would queue for its one write lock and may time out.)"""
        with ThreadPoolExecutor(max_workers=len(steps)) as pool:
            futures = [pool.submit(step) for step in steps]
            return [future.result() for future in futures]

    def start(self, name: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        log = self.cwd / f"{name}.log"
        self.logs.append(log)
        with log.open("ab") as output:
            process = subprocess.Popen(
                [str(self.installed.bin / args[0]), *args[1:]],
                stdout=output,
                stderr=subprocess.STDOUT,
                cwd=self.cwd,
                env=self.installed.environment(self.env | (env or {})),
            )
        self.processes.append(process)
        return process

    def web_node(self, name: str, *, workers: int = 2) -> str:
        """A gunicorn node with the shipped configuration; its base URL once it answers."""
        return self.wait_ready(*self.start_web_node(name, workers=workers))

    def start_web_node(
        self, name: str, *, workers: int = 2, env: dict[str, str] | None = None
    ) -> tuple[subprocess.Popen, int]:
        port = free_port()
        process = self.start(
            name,
            "gunicorn",
            "-c",
            str(self.cwd / "gunicorn.conf.py"),
            env={
                "GUNICORN_BIND": f"127.0.0.1:{port}",
                "WEB_CONCURRENCY": str(workers),
                **(env or {}),
            },
        )
        return process, port

    def wait_ready(self, process: subprocess.Popen, port: int) -> str:
        wait_for_port(port, process, timeout=120)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            try:  # the socket is open at once; the workers answer once they built the app
                if requests.get(f"{base}/healthz", timeout=30).status_code == 200:
                    return base
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise AssertionError(f"{process.args!r} does not answer /healthz:\n{self.log_tail()}")

    def stop_all(self) -> None:
        for process in self.processes:  # all at once; INT is gunicorn's quick shutdown
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in self.processes:
            stop(process, timeout=30)

    def log_tail(self, characters: int = 4000) -> str:
        return "\n".join(
            f"--- {log.name}\n{log.read_text(errors='replace')[-characters:]}"
            for log in self.logs
            if log.exists()
        )


@dataclass
class Account:
    email: str
    name: str
    role: str
    school: str | None = None
    board: str | None = None
    password: str = field(default_factory=lambda: f"Zomer-{secrets.token_urlsafe(12)}-2026")
    totp_secret: str = field(default_factory=pyotp.random_base32)
    last_step: int = 0
    id: int | None = None

    def create(self, instance: Instance) -> None:
        args = ["users", "create", "--email", self.email, "--name", self.name]
        args += ["--role", self.role, "--password-stdin", "--totp-secret", self.totp_secret]
        if self.school:
            args += ["--school", self.school]
        if self.board:
            args += ["--board", self.board]
        output = instance.cli(*args, stdin=self.password + "\n")
        self.id = int(output.split("created user ", 1)[1].split()[0])

    def code(self) -> str:
        """A one-time code the server has not seen yet (each is accepted once)."""
        step = max(int(time.time()) // 30, self.last_step + 1)
        self.last_step = step
        return pyotp.TOTP(self.totp_secret).at(step * 30)


class Api:
    """``/api/v1`` of one node with bearer tokens."""

    def __init__(self, base: str, headers: dict[str, str] | None = None) -> None:
        self.base = base
        self.headers = headers or {}

    def call(self, method: str, path: str, token: str | None = None, **kwargs: Any):
        headers = dict(self.headers) | kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return requests.request(
            method, f"{self.base}/api/v1{path}", headers=headers, timeout=60, **kwargs
        )

    def token(self, account: Account) -> str:
        response = self.call(
            "POST",
            "/auth/token",
            json={"email": account.email, "password": account.password, "otp": account.code()},
        )
        assert response.status_code == 200, response.text
        return response.json()["token"]


def ok(response, *statuses: int) -> Any:
    """The JSON (or bytes) of a response with one of ``statuses`` (default 200)."""
    assert response.status_code in (statuses or (200,)), (
        response.status_code,
        response.text[:2000],
    )
    if response.headers.get("Content-Type", "").startswith("application/json"):
        return response.json()
    return response.content


def upload(api: Api, token: str, alert_id: int, data: bytes, kind: str) -> int:
    response = api.call(
        "POST",
        f"/alerts/{alert_id}/images",
        token,
        files={"file": (f"{kind}.png", io.BytesIO(data), "image/png")},
        data={"kind": kind, "attest": "true"},
    )
    return ok(response, 201)["id"]


def secret_settings() -> dict[str, str]:
    """A fresh secret key and master key, as an operator generates them."""
    return {
        "SCHOOLALERT_SECRET_KEY": secrets.token_urlsafe(48),
        "SCHOOLALERT_MASTER_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
    }
