"""``schoolalert schools import`` and its report."""

from __future__ import annotations

import shutil

from sqlalchemy import func, select

from schoolalert.audit.models import AuditEvent
from schoolalert.extensions import db
from schoolalert.schools.models import Board, ImportRun, School
from tests.schools.conftest import FIXTURES, column, edit_rows, fixture_bytes


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_import_with_boards_prints_both_summaries(app, runner):
    result = runner.invoke(
        args=[
            "schools",
            "import",
            str(FIXTURES / "vestigingenbo.csv"),
            "--boards",
            str(FIXTURES / "besturenbo.csv"),
        ]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "besturenbo.csv: boards, boards header, windows-1252, 12 rows"
    assert lines[1].startswith(
        "besturenbo.csv: created 12, updated 0, unchanged 0, deactivated 0, rejected 0, "
        "skipped 0, warnings 0 ("
    )
    assert lines[2] == "vestigingenbo.csv: locations_bo, 2023+ header, windows-1252, 201 rows"
    assert lines[3].startswith("  line 202 POSTCODE: warning: postcode area 1020")
    assert lines[4].startswith(
        "vestigingenbo.csv: created 201, updated 0, unchanged 0, deactivated 0, rejected 0, "
        "skipped 0, warnings 1, boards created 1 ("
    )
    assert lines[4].endswith(" s)")
    assert (count(app, School), count(app, Board), count(app, ImportRun)) == (201, 13, 2)


def test_rejected_rows_are_listed_by_line(app, runner, tmp_path):
    def spoil(rows):
        rows[9][column(rows, "POSTCODE")] = "12345"

    path = tmp_path / "vestigingenbo.csv"
    path.write_bytes(edit_rows(fixture_bytes("vestigingenbo.csv"), spoil))
    result = runner.invoke(args=["schools", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "  line 10 POSTCODE: rejected: '12345' is not a Dutch postcode (1234 AB)\n" in (
        result.output
    )
    assert "created 200, updated 0, unchanged 0, deactivated 0, rejected 1," in result.output
    assert count(app, School) == 200


def test_dry_run_writes_no_location(app, runner):
    path = FIXTURES / "vestigingenbo.csv"
    result = runner.invoke(args=["schools", "import", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "201 rows (dry run: nothing changed)" in result.output
    assert "created 201," in result.output
    assert (count(app, School), count(app, Board), count(app, ImportRun)) == (0, 0, 1)


def test_a_bad_file_fails_the_command_and_imports_nothing(app, runner, tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    result = runner.invoke(args=["schools", "import", str(tmp_path / "empty.csv")])
    assert result.exit_code == 1
    assert "Error: empty.csv: the file is empty; nothing was imported" in result.output


def test_a_boards_file_given_as_locations_file_undoes_the_boards_too(app, runner, tmp_path):
    boards = tmp_path / "besturenbo.csv"
    shutil.copyfile(FIXTURES / "besturenbo.csv", boards)
    result = runner.invoke(args=["schools", "import", str(boards), "--boards", str(boards)])
    assert result.exit_code == 1
    assert "besturenbo.csv: this is a boards file" in result.output
    assert (count(app, Board), count(app, ImportRun)) == (0, 0)


def test_a_missing_file_is_a_usage_error(runner, tmp_path):
    result = runner.invoke(args=["schools", "import", str(tmp_path / "nowhere.csv")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_an_import_from_the_command_line_is_audited(app, runner):
    """The import service audits the run, whether the web page or the command started it."""
    result = runner.invoke(args=["schools", "import", str(FIXTURES / "vestigingenbo.csv")])
    assert result.exit_code == 0, result.output
    with app.app_context():
        run_id = db.session.scalar(select(ImportRun.id))
        entry = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "schools.imported")
        ).one()
    assert (entry.actor_id, entry.object_type, entry.object_id) == (None, "import_run", str(run_id))
    assert entry.details == {"kind": "locations", "dry_run": False}
    assert entry.client_address == "cli"
