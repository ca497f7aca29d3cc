"""``python -m bench`` fails loudly: a benchmark that cannot be imported fails the run."""

from __future__ import annotations

import importlib

import pytest

from bench import __main__ as runner


@pytest.fixture
def benchmarks(monkeypatch):
    """Replace the list of benchmarks; ``bench.broken`` cannot be imported, ``bench.ok`` runs."""
    ran = []

    class Ok:
        @staticmethod
        def main():
            ran.append("ok")
            print("BENCH ok 1.0ms ratio=1.00 baseline=itself")

    real = importlib.import_module

    def import_module(name, *args):
        if name == "bench.broken":
            raise ModuleNotFoundError("No module named 'missing_dependency'")
        if name == "bench.ok":
            return Ok
        return real(name, *args)

    monkeypatch.setattr("bench.common.quiet", lambda: None)  # leave the test logging alone
    monkeypatch.setattr(runner.importlib, "import_module", import_module)
    monkeypatch.setattr(runner, "BENCHMARKS", ("broken", "ok"))
    return ran


def test_an_import_failure_names_the_benchmark_and_fails_the_run(benchmarks, capsys):
    assert runner.main([]) == 1
    output = capsys.readouterr()
    assert "BENCH broken failed: cannot import: ModuleNotFoundError" in output.out
    assert "missing_dependency" in output.out
    assert "broken" in output.err
    assert benchmarks == ["ok"]  # the others still run


def test_a_run_of_working_benchmarks_succeeds(benchmarks, capsys):
    assert runner.main(["ok"]) == 0
    assert "BENCH ok" in capsys.readouterr().out


def test_an_unknown_name_is_refused(benchmarks, capsys):
    assert runner.main(["nonsense"]) == 2
    assert "unknown benchmark nonsense" in capsys.readouterr().out
    assert benchmarks == []
