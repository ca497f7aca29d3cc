"""The web shell: security headers, language, error pages, health endpoints."""

from __future__ import annotations

import re

import pytest

from schoolalert import create_app
from schoolalert.web.security import CONTENT_SECURITY_POLICY

EXPECTED_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


@pytest.fixture
def failing_app(app_config):
    app = create_app(app_config)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # behave like production, not like a test

    @app.get("/explode")
    def explode():
        raise RuntimeError("secret internals must not leak")

    @app.get("/api/v1/explode")
    def explode_api():
        raise RuntimeError("secret internals must not leak")

    table = app.extensions["schoolalert.permissions"]
    table.add("explode", {"public"})
    table.add("explode_api", {"public"})
    return app


def assert_security_headers(response):
    for name, value in EXPECTED_HEADERS.items():
        assert response.headers.get(name) == value, name
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("path", "status", "mimetype"),
    [
        ("/", 200, "text/html"),
        ("/healthz", 200, "application/json"),
        ("/api/v1/openapi.json", 200, "application/json"),
        ("/no-such-page", 404, "text/html"),
        ("/api/v1/no-such-endpoint", 404, "application/json"),
        ("/static/css/schoolalert.css", 200, "text/css"),
    ],
)
def test_security_headers_on_every_kind_of_response(client, path, status, mimetype):
    response = client.get(path)
    assert response.status_code == status
    assert response.mimetype == mimetype
    assert_security_headers(response)


def test_server_errors_have_headers_and_no_traceback(failing_app, caplog):
    client = failing_app.test_client()
    page = client.get("/explode")
    api = client.get("/api/v1/explode")
    assert page.status_code == api.status_code == 500
    assert_security_headers(page)
    assert_security_headers(api)
    assert b"secret internals" not in page.data + api.data
    assert b"Traceback" not in page.data + api.data
    assert api.json == {
        "error": {"code": "internal_error", "message": "Interne fout; deze is vastgelegd."}
    }
    assert "secret internals must not leak" in caplog.text  # logged for the operators


def test_dynamic_pages_are_not_cached_but_static_files_may_be(client):
    assert client.get("/").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/static/css/schoolalert.css").headers.get(
        "Cache-Control", ""
    )


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://schoolalert.test")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=63072000")


def test_dutch_by_default_english_on_request(client):
    page = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="nl">' in page.text
    assert "Naar de inhoud" in page.text
    switched = client.post(
        "/language", data={"language": "en", "next": "/", "csrf_token": csrf_token(page.text)}
    )
    assert switched.status_code == 302
    assert switched.headers["Location"] == "/"
    english = client.get("/")
    assert '<html lang="en">' in english.text
    assert "Skip to content" in english.text


def test_the_api_follows_accept_language(client):
    assert client.get("/api/v1/nope").json["error"]["message"] == "Niet gevonden."
    english = client.get("/api/v1/nope", headers={"Accept-Language": "en"})
    assert english.json["error"]["message"] == "Not found."


def test_language_switch_needs_csrf_and_stays_on_this_site(client):
    assert client.post("/language", data={"language": "en"}).status_code == 400
    page = client.get("/")
    response = client.post(
        "/language",
        data={
            "language": "en",
            "next": "https://evil.example/",
            "csrf_token": csrf_token(page.text),
        },
    )
    assert response.headers["Location"] == "/"


def test_unknown_language_is_ignored(client):
    page = client.get("/")
    client.post("/language", data={"language": "xx", "csrf_token": csrf_token(page.text)})
    assert '<html lang="nl">' in client.get("/").text


def test_healthz_and_readyz(client, app):
    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    expected = {"database": "ok"} | ({"redis": "ok"} if app.config["REDIS_URL"] else {})
    assert ready.json["checks"] == expected


def test_readyz_fails_when_a_dependency_is_down(app_config, tmp_path):
    broken = dict(app_config, DATABASE_URL=f"sqlite:///{tmp_path}/missing-dir/x.db")
    if app_config["REDIS_URL"]:
        broken["REDIS_URL"] = "redis://127.0.0.1:1/0"
    response = create_app(broken).test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
    assert "failing" in response.json["checks"].values()


def test_an_uninitialised_instance_says_what_to_do(app_config):
    response = create_app({**app_config, "SECRET_KEY": None}).test_client().get("/")
    assert response.status_code == 503
    assert "schoolalert init" in response.text


def test_oversized_bodies_are_refused_before_parsing(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/language", data={"language": "x" * 4096})
    assert response.status_code == 413
