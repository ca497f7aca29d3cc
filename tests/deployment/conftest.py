"""The wheel, built once per run from a clean copy of the tracked tree and installed into a
fresh virtualenv, for the tests of this folder."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import warnings
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.deployment.support import Installed

PACKAGE_TREES = ("schoolalert", "plugins")
# Extras an operator installs (README, "Running it for real").
EXTRAS = "postgres,production"
PIP = (sys.executable, "-m", "pip", "--disable-pip-version-check")


def git(*args: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), *args],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout


def tracked_tree() -> str:
    """What to build: ``HEAD``, or — in a checkout with changes to tracked files — a snapshot of
    the tracked files as they are now (``git stash create``; nothing in the checkout changes).

    Untracked files are never part of it, exactly as in CI's fresh clone; they are named in a
    warning when they lie under the package trees (``git add`` them to ship them).
    """
    untracked = git("ls-files", "--others", "--exclude-standard", "--", *PACKAGE_TREES).split()
    if untracked:
        warnings.warn(
            "untracked files are not in the wheel under test: " + ", ".join(untracked),
            stacklevel=2,
        )
    identity = {
        "GIT_AUTHOR_NAME": "wheel test",
        "GIT_AUTHOR_EMAIL": "wheel-test@localhost",
        "GIT_COMMITTER_NAME": "wheel test",
        "GIT_COMMITTER_EMAIL": "wheel-test@localhost",
    }
    snapshot = git("stash", "create", env={**os.environ, **identity}).strip()
    return snapshot or "HEAD"


@pytest.fixture(scope="session")
def source_copy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A clean copy of the tracked tree and the list of its files."""
    try:
        git("rev-parse", "--is-inside-work-tree")
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: the wheel is built from the tracked files")
    tree = tracked_tree()
    target = tmp_path_factory.mktemp("source")
    archive = target.parent / f"{target.name}.tar"
    with archive.open("wb") as output:
        subprocess.run(["git", "-C", str(ROOT), "archive", tree], stdout=output, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    archive.unlink()
    files = git("ls-tree", "-r", "--name-only", tree).splitlines()
    return target, files


@pytest.fixture(scope="session")
def built(source_copy, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The wheel built from the clean copy, and the build's output."""
    source, _files = source_copy
    dist = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [*PIP, "wheel", "--no-deps", "--no-build-isolation", "-v", "-w", str(dist), str(source)],
        capture_output=True,
        text=True,
        cwd=dist,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-6000:]
    (wheel,) = dist.glob("schoolalert-*.whl")
    return wheel, result.stdout + result.stderr


@pytest.fixture(scope="session")
def installed(built, source_copy, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """A fresh virtualenv holding the wheel and its dependencies (pip's cache is used)."""
    wheel, _output = built
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    result = subprocess.run(
        [*PIP, "--python", str(venv / "bin" / "python"), "install", "-q", f"{wheel}[{EXTRAS}]"],
        check=False,
        cwd=venv,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-6000:]
    return Installed(venv=venv, source=source_copy[0])
