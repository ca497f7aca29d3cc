"""Configuration layering and the refusals of a production start."""

from __future__ import annotations

import pytest

from schoolalert import create_app
from schoolalert.config import ConfigurationError
from tests.conftest import TEST_MASTER_KEY, TEST_SECRET_KEY

PRODUCTION_OK = {
    "ENV": "production",
    "SECRET_KEY": TEST_SECRET_KEY,
    "MASTER_KEY": TEST_MASTER_KEY,
    "DATABASE_URL": "postgresql+psycopg://schoolalert@db.invalid/schoolalert",
}


@pytest.fixture
def instance(tmp_path, monkeypatch):
    for name in list(__import__("os").environ):
        if name.startswith("SCHOOLALERT_") and not name.startswith("SCHOOLALERT_TEST_"):
            monkeypatch.delenv(name)
    folder = tmp_path / "instance"
    folder.mkdir()
    monkeypatch.setenv("SCHOOLALERT_INSTANCE_PATH", str(folder))
    return folder


def test_defaults_put_everything_in_the_instance_folder(instance):
    app = create_app()
    assert app.instance_path == str(instance)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'schoolalert.db'}"
    assert app.config["REDIS_URL"] is None
    assert app.config["BASE_URL"] == "http://127.0.0.1:5000"
    assert app.extensions["schoolalert.tasks"].backend.name == "inline"


def test_precedence_defaults_instance_file_environment_mapping(instance, monkeypatch):
    (instance / "config.py").write_text(
        "BASE_URL = 'https://from-file.test'\nMAIL_PORT = 2525\nMAIL_SERVER = 'file.test'\n"
        "RQ_QUEUE = 'from-file'\n"
    )
    monkeypatch.setenv("SCHOOLALERT_MAIL_PORT", "587")
    monkeypatch.setenv("SCHOOLALERT_MAIL_SERVER", "env.test")
    monkeypatch.setenv("SCHOOLALERT_MAIL_USE_TLS", "true")
    app = create_app({"MAIL_SERVER": "mapping.test"})
    assert app.config["BASE_URL"] == "https://from-file.test"  # file over default
    assert app.config["MAIL_PORT"] == 587  # environment over file, typed like the default
    assert app.config["MAIL_USE_TLS"] is True
    assert app.config["MAIL_SERVER"] == "mapping.test"  # mapping over everything
    assert app.config["RQ_QUEUE"] == "from-file"


def test_secrets_are_read_from_the_instance_folder(instance):
    (instance / "secret_key").write_text("s" * 40 + "\n")
    (instance / "master.key").write_text(TEST_MASTER_KEY + "\n")
    app = create_app()
    assert app.config["SECRET_KEY"] == "s" * 40
    assert app.config["MASTER_KEY"] == TEST_MASTER_KEY


def test_instance_path_moves_with_the_environment(tmp_path, monkeypatch, instance):
    elsewhere = tmp_path / "elsewhere"
    monkeypatch.setenv("SCHOOLALERT_INSTANCE_PATH", str(elsewhere))
    app = create_app()
    assert app.instance_path == str(elsewhere)
    assert str(elsewhere) in app.config["SQLALCHEMY_DATABASE_URI"]


def test_a_bad_boolean_in_the_environment_is_a_clear_error(instance, monkeypatch):
    monkeypatch.setenv("SCHOOLALERT_MAIL_USE_TLS", "perhaps")
    with pytest.raises(ConfigurationError, match="MAIL_USE_TLS must be true or false"):
        create_app()


def test_plugins_enabled_from_the_environment_is_a_list(instance, monkeypatch):
    monkeypatch.setenv("SCHOOLALERT_PLUGINS_ENABLED", " example , ")
    app = create_app()
    assert app.config["PLUGINS_ENABLED"] == ["example"]


def test_a_correct_production_configuration_starts(instance):
    app = create_app(PRODUCTION_OK)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-session"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"DEBUG": True}, "DEBUG is on"),
        ({"SECRET_KEY": None}, "SECRET_KEY is missing"),
        ({"SECRET_KEY": "change-me"}, "SECRET_KEY is missing, a known default"),
        ({"SECRET_KEY": "short"}, "shorter than 32"),
        ({"MASTER_KEY": None}, "MASTER_KEY is missing"),
        ({"MASTER_KEY": "not base64!"}, "MASTER_KEY is not valid base64"),
        ({"MASTER_KEY": "AAAA"}, "exactly 32 bytes"),
        ({"MASTER_KEY": "A" * 43 + "="}, "all-zero default"),
        ({"DATABASE_URL": None}, "the database is SQLite"),
    ],
)
def test_production_refuses_unsafe_settings(instance, change, reason):
    with pytest.raises(ConfigurationError, match=reason):
        create_app({**PRODUCTION_OK, **change})


def test_production_is_chosen_by_the_environment(instance, monkeypatch):
    monkeypatch.setenv("SCHOOLALERT_ENV", "production")
    with pytest.raises(ConfigurationError, match="refusing to start in production"):
        create_app()


def test_commands_on_an_uninitialised_instance_say_to_run_init(instance):
    from click.testing import CliRunner

    from schoolalert.cli import main

    result = CliRunner().invoke(main, ["plugins", "list"])
    assert result.exit_code == 1
    assert "run `schoolalert init` first" in result.output
