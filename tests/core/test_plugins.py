"""Plugin discovery, the enabled-state gate, and isolation of failing plugins."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import pytest
from pluggy import PluginValidationError
from schoolalert_example import EventCount
from sqlalchemy import func, select

from schoolalert import create_app
from schoolalert.database import utcnow
from schoolalert.events import AlertPublished, AlertSubmitted
from schoolalert.extensions import db
from schoolalert.plugin_admin import services
from schoolalert.plugins import ENTRY_POINT_GROUP, PluginError, PluginManager
from schoolalert.tasks.models import OutboxMessage, OutboxStatus
from schoolalert.transaction import commit


def entry_point(name: str, target: str) -> EntryPoint:
    return EntryPoint(name=name, value=target, group=ENTRY_POINT_GROUP)


def enable(app, name="example", enabled=True):
    with app.app_context():
        services.set_enabled(app.extensions["schoolalert.plugins"], name, enabled, actor=None)
        commit()


def event_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(EventCount))


def test_installed_plugins_are_found_through_their_entry_point(app):
    installed = app.extensions["schoolalert.plugins"].installed
    assert installed["example"].version == "1.0"
    assert installed["example"].summary.startswith("Counts alert life-cycle events")


def test_a_new_plugin_starts_disabled(app):
    with app.app_context():
        assert not app.extensions["schoolalert.plugins"].is_enabled("example")


def test_duplicate_plugin_names_stop_start_up():
    target = "tests.core.broken_plugins:failing"
    with pytest.raises(PluginError, match="two plugins are installed under the name 'twin'"):
        PluginManager(discovered=[entry_point("twin", target), entry_point("twin", target)])


def test_a_misspelt_hook_stops_start_up():
    with pytest.raises(PluginValidationError, match="schoolalert_trak_event"):
        PluginManager(discovered=[entry_point("typo", "tests.core.broken_plugins:typo")])


def test_a_plugin_that_fails_to_import_stops_start_up():
    with pytest.raises(PluginError, match="'ghost' failed to load"):
        PluginManager(discovered=[entry_point("ghost", "tests.core.no_such_module")])


def test_forcing_an_uninstalled_plugin_stops_start_up(app_config):
    with pytest.raises(PluginError, match="not installed: nonexistent"):
        create_app({**app_config, "PLUGINS_ENABLED": ["nonexistent"]})


def test_hook_track_event_is_called_only_while_the_plugin_is_enabled(app):
    plugins = app.extensions["schoolalert.plugins"]
    with app.app_context():
        plugins.track_event(AlertSubmitted(alert_id=1))
        commit()
    assert event_count(app) == 0
    enable(app)
    with app.app_context():
        plugins.track_event(AlertSubmitted(alert_id=1))
        commit()
    assert event_count(app) == 1
    enable(app, enabled=False)
    with app.app_context():
        plugins.track_event(AlertSubmitted(alert_id=1))
        commit()
    assert event_count(app) == 1


def test_disabling_takes_effect_in_another_process_at_its_next_request(app, app_config):
    # A second app on the same database stands for another web node or worker.
    client = create_app(app_config).test_client()
    enable(app)
    assert client.get("/plugins/example/counts").status_code != 404
    enable(app, enabled=False)
    assert client.get("/plugins/example/counts").status_code == 404


def test_hook_register_blueprints_routes_answer_404_while_the_plugin_is_disabled(app, client):
    assert client.get("/plugins/example/counts").status_code == 404
    enable(app)
    response = client.get("/plugins/example/counts")
    assert response.status_code == 302  # it exists now: sign in first
    assert response.headers["Location"].startswith("/sign-in")


def test_hook_register_commands_run_only_while_the_plugin_is_enabled(app, runner):
    result = runner.invoke(args=["example-count"])
    assert result.exit_code != 0
    assert "plugin 'example' is disabled" in result.output
    enable(app)
    result = runner.invoke(args=["example-count"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "0"


def publish_event_and_maybe_disable(app, *, disable_before_commit: bool) -> None:
    plugins = app.extensions["schoolalert.plugins"]
    with app.app_context():
        plugins.track_event(AlertPublished(alert_id=7, expires_at=utcnow(), school_count=1))
        if disable_before_commit:  # switched off after the job was queued, before it ran
            services.set_enabled(plugins, "example", False, actor=None)
        commit()


def published_job(app) -> tuple[OutboxStatus, int]:
    with app.app_context():
        message = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.task == "example.record_publication")
        ).one()
        rows = db.session.scalar(
            select(func.count())
            .select_from(EventCount)
            .where(EventCount.event == "published-after-commit")
        )
        return message.status, rows


def test_hook_register_tasks_jobs_of_an_enabled_plugin_run(app, run_jobs):
    enable(app)
    publish_event_and_maybe_disable(app, disable_before_commit=False)
    run_jobs()
    assert published_job(app) == (OutboxStatus.DONE, 1)


def test_jobs_of_a_disabled_plugin_do_nothing(app, run_jobs):
    enable(app)
    publish_event_and_maybe_disable(app, disable_before_commit=True)
    run_jobs()
    assert published_job(app) == (OutboxStatus.SKIPPED, 0)


def test_a_failing_event_handler_does_not_stop_the_others(app, caplog):
    from tests.core.broken_plugins import failing

    plugins = app.extensions["schoolalert.plugins"]
    plugins._pm.register(failing, name="failing")  # a built-in-like plugin that always fails
    enable(app)
    with app.app_context():
        plugins.track_event(AlertSubmitted(alert_id=3))
        commit()
    assert event_count(app) == 1
    assert "plugin failing failed on event alert_submitted" in caplog.text


def test_plugins_enabled_setting_overrides_and_locks_the_state(app_config, runner):
    app = create_app({**app_config, "PLUGINS_ENABLED": ["example"]})
    with app.app_context():
        assert app.extensions["schoolalert.plugins"].is_enabled("example")
        with pytest.raises(services.PluginStateLocked):
            services.set_enabled(
                app.extensions["schoolalert.plugins"], "example", False, actor=None
            )
    result = app.test_cli_runner().invoke(args=["plugins", "list"])
    assert "enabled" in result.output
    assert "fixed by SCHOOLALERT_PLUGINS_ENABLED" in result.output


def test_cli_lists_enables_and_disables(app, runner):
    assert "example" in runner.invoke(args=["plugins", "list"]).output
    assert runner.invoke(args=["plugins", "enable", "example"]).exit_code == 0
    assert "example      enabled" in runner.invoke(args=["plugins", "list"]).output
    assert runner.invoke(args=["plugins", "disable", "example"]).exit_code == 0
    assert "example      disabled" in runner.invoke(args=["plugins", "list"]).output
    result = runner.invoke(args=["plugins", "enable", "nonexistent"])
    assert result.exit_code == 1
    assert "no plugin named 'nonexistent'" in result.output
