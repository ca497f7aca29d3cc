"""The wheel is complete and runs on its own (issue: a wheel that could not serve a page).

It is built from a clean copy of the tracked tree, installed into a fresh virtualenv and used
from a working directory outside the source tree: every command of CONTRACT §3 but the worker
(see test_nodes.py), gunicorn with ``deploy/gunicorn.conf.py``, the Dutch sign-in page and the
whole alert life cycle over the API, on the embedded back end (SQLite, inline jobs).
"""

from __future__ import annotations

import email
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import requests

from schoolalert.demo.drawings import clothing, face
from tests.deployment.conftest import PACKAGE_TREES
from tests.deployment.support import Account, Api, Instance, ok, upload

BUILD_SDIST = "import setuptools.build_meta as backend, sys; backend.build_sdist(sys.argv[1])"
WHERE = (
    "import schoolalert, plugins.regional; print(schoolalert.__file__, plugins.regional.__file__)"
)
BOARD, SCHOOL = "18718", "50TR00"  # in tests/fixtures/duo (synthetic DUO files)


def shipped(files: list[str]) -> list[str]:
    """Tracked files under the package trees: all of them belong in the wheel and the sdist."""
    return [name for name in files if name.split("/", 1)[0] in PACKAGE_TREES]


def test_the_wheel_holds_every_tracked_file_and_the_compiled_catalogues(built, source_copy):
    wheel, _output = built
    _source, files = source_copy
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    expected = shipped(files)
    expected += [name[: -len(".po")] + ".mo" for name in expected if name.endswith(".po")]
    missing = sorted(set(expected) - names)
    assert not missing, "missing from the wheel:\n" + "\n".join(missing)
    assert "schoolalert/translations/nl/LC_MESSAGES/messages.mo" in names
    leftovers = sorted(name for name in names if re.search(r"__pycache__|\.py[cod]$", name))
    assert not leftovers, leftovers


def test_the_build_prints_no_setuptools_warning(built):
    _wheel, output = built
    # The build back end's output is what pip -v shows indented; pip's own lines are not.
    indented = [line.strip() for line in output.splitlines() if line.startswith("  ")]
    warnings = build_warnings(indented)
    assert not warnings, "\n".join(warnings)


def build_warnings(lines: list[str]) -> list[str]:
    """The build's warnings; lines naming the files it copies are not messages (a template may
    be called ``_coverage_warning.html``)."""
    return [
        line
        for line in lines
        if not line.startswith(("copying ", "adding '"))
        and re.search(r"warning|deprecat", line, re.IGNORECASE)
    ]


def test_the_sdist_holds_every_tracked_file(source_copy, tmp_path):
    source, files = source_copy
    copy = tmp_path / "source"
    shutil.copytree(source, copy)
    result = subprocess.run(
        [sys.executable, "-c", BUILD_SDIST, str(tmp_path)],
        cwd=copy,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    output = result.stdout + result.stderr
    assert not build_warnings(output.splitlines()), output
    (sdist,) = tmp_path.glob("schoolalert-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    wanted = [*shipped(files), "setup.py", "setup.cfg", "pyproject.toml", "deploy/gunicorn.conf.py"]
    missing = sorted(set(wanted) - names)
    assert not missing, "missing from the sdist:\n" + "\n".join(missing)


def test_the_installed_wheel_runs_every_command_and_the_life_cycle(installed, tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    shutil.copy(installed.source / "deploy" / "gunicorn.conf.py", run)
    duo = run / "duo"
    shutil.copytree(installed.source / "tests" / "fixtures" / "duo", duo)
    instance = Instance(
        installed,
        run,
        {
            "SCHOOLALERT_INSTANCE_PATH": str(run / "instance"),
            "SCHOOLALERT_BASE_URL": "https://schoolalert.test",
        },
    )
    try:
        _runs_on_its_own(instance, duo)
    except AssertionError as error:
        raise AssertionError(f"{error}\n{instance.log_tail()}") from error
    finally:
        instance.stop_all()


def _runs_on_its_own(instance: Instance, duo: Path) -> None:
    installed = instance.installed
    where = subprocess.run(
        [str(installed.bin / "python"), "-c", WHERE],
        cwd=instance.cwd,
        env=installed.environment({}),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert all(path.startswith(str(installed.venv)) for path in where), where

    assert "Instance ready" in instance.cli("init")
    web = instance.start_web_node("web")  # boots while the commands below run
    terms = instance.cwd / "participation.txt"
    terms.write_text("Deelnamevoorwaarden van de test.\n", encoding="utf-8")
    statement = instance.cwd / "confidentiality.txt"
    statement.write_text("Geheimhoudingsverklaring van de test.\n", encoding="utf-8")
    admin = Account("beheer@politie.wheel.example", "Beheerder", "admin")
    investigator = Account("rechercheur@politie.wheel.example", "Rechercheur", "investigator")
    prosecutor = Account("officier@om.wheel.example", "Officier", "prosecutor")
    board_admin = Account("bestuur@school.wheel.example", "Bestuurder", "board_admin", board=BOARD)
    staff = Account("leerkracht@school.wheel.example", "Leerkracht", "school_staff", school=SCHOOL)

    # One after the other: on SQLite concurrent commands would wait on the one write lock.
    imported = instance.cli(
        "schools", "import", str(duo / "vestigingenbo.csv"), "--boards", str(duo / "besturenbo.csv")
    )
    instance.cli("terms", "publish", "participation", str(terms))
    instance.cli("terms", "publish", "confidentiality", str(statement))
    for account in (admin, investigator, prosecutor, board_admin, staff):
        account.create(instance)
    token = instance.cli("users", "token", "--email", admin.email, "--days", "1").strip()
    listed = instance.cli("plugins", "list")
    instance.cli("plugins", "disable", "regional")
    instance.cli("plugins", "enable", "regional")
    assert "created" in imported
    assert "regional" in listed

    base = instance.wait_ready(*web)
    page = requests.get(f"{base}/sign-in", timeout=30)
    assert page.status_code == 200
    assert '<html lang="nl"' in page.text
    assert "Aanmelden" in page.text
    english = requests.get(f"{base}/sign-in", cookies={"language": "en"}, timeout=30)
    assert "Sign in" in english.text
    assert requests.get(f"{base}/static/css/schoolalert.css", timeout=30).status_code == 200
    assert requests.get(f"{base}/readyz", timeout=30).status_code == 200

    api = Api(base)
    assert "regional" in str(ok(api.call("GET", "/plugins", token)))

    board_token = api.token(board_admin)
    versions = ok(api.call("GET", "/terms"))
    ok(
        api.call(
            "POST",
            f"/boards/{BOARD}/participation",
            board_token,
            json={"schools": [SCHOOL], "terms_version": versions["participation"]["version"]},
        )
    )
    staff_token = api.token(staff)
    ok(
        api.call(
            "POST",
            "/me/agreement",
            staff_token,
            json={"terms_version": versions["confidentiality"]["version"]},
        ),
        201,
    )
    alert_id = life_cycle_until_published(api, api.token(investigator), api.token(prosecutor))

    (listed,) = ok(api.call("GET", "/me/alerts", staff_token))["alerts"]
    assert listed["id"] == alert_id
    detail = ok(api.call("GET", f"/me/alerts/{alert_id}", staff_token))
    image_url = detail["images"][0]["url"]
    image = requests.get(f"{base}{image_url}", headers=bearer(staff_token), timeout=30)
    assert image.status_code == 200
    assert image.headers["Content-Type"] == "image/jpeg"
    assert image.headers["X-View-ID"]
    ok(
        api.call(
            "POST",
            f"/me/alerts/{alert_id}/response",
            staff_token,
            json={"kind": "recognised", "message": "Lijkt op een leerling van groep 4"},
        ),
        201,
    )
    investigator_token = api.token(investigator)
    stats = ok(api.call("GET", f"/alerts/{alert_id}", investigator_token))["stats"]
    assert stats["recognised"] == 1
    tips = ok(api.call("GET", f"/alerts/{alert_id}/responses", investigator_token))
    assert tips["responses"][0]["tip"] == {"message": "Lijkt op een leerling van groep 4"}
    mail = [
        email.message_from_bytes(path.read_bytes())
        for path in sorted((instance.cwd / "instance" / "mail").glob("*.eml"))
    ]
    assert staff.email in [message["To"] for message in mail]

    ok(
        api.call(
            "POST", f"/alerts/{alert_id}/close", investigator_token, json={"reason": "identified"}
        )
    )
    record = ok(api.call("GET", f"/alerts/{alert_id}/purge", investigator_token))
    assert record["verified"] is True
    assert record["images_destroyed"] == 2
    assert api.call("GET", f"/me/alerts/{alert_id}", staff_token).status_code == 404
    assert (
        requests.get(f"{base}{image_url}", headers=bearer(staff_token), timeout=30).status_code
        == 404
    )
    assert not list((instance.cwd / "instance" / "images").iterdir())

    instance.cli("expire")
    instance.cli("audit", "verify")
    assert "rechercheur@politie.example" in instance.cli("demo")  # prints the demo logins


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def life_cycle_until_published(api: Api, investigator: str, prosecutor: str) -> int:
    """Draft, two synthetic drawings, submission and the prosecutor's approval."""
    draft = ok(
        api.call(
            "POST",
            "/alerts",
            investigator,
            json={
                "case_reference": "ZAAK-2026-0099",
                "justification": "Misbruik vastgesteld; andere middelen zijn uitgeput.",
                "description": "Meisje van ongeveer zeven, blauw gestreept T-shirt met een ster.",
                "age_estimate": "6-8",
                "targeting": {"schools": [SCHOOL]},
                "duration_days": 7,
            },
        ),
        201,
    )
    alert_id = draft["id"]
    upload(api, investigator, alert_id, face(seed=alert_id), "face")
    upload(api, investigator, alert_id, clothing(seed=alert_id), "clothing")
    ok(api.call("POST", f"/alerts/{alert_id}/submit", investigator))
    ok(api.call("POST", f"/alerts/{alert_id}/approve", prosecutor, json={"images_checked": True}))
    return alert_id
