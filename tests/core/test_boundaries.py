"""The import boundaries of the house, checked by walking the imports with ``ast``.

- **Domain services do not know HTTP.** In each domain package (accounts, alerts, audit,
  consent, notifications, schools, plugin_admin) every module is a service except the *edge*:
  ``views``/``api`` (modules or packages), ``admin_views``, ``forms``, ``commands``, ``tasks``
  (job entry points), ``http`` (shared HTTP responses), ``auth`` and ``web_session`` (who the
  request is; the session cookie). A service never imports ``flask.request``, ``flask.g``,
  ``flask.session``, the API package (``schoolalert.api``), the web package
  (``schoolalert.web``) or an edge module of a domain.
- **Bundled plugins go through the facade.** A plugin under ``plugins/`` imports of the core only
  ``schoolalert`` (``hookimpl``), ``schoolalert.plugin_api`` and ``schoolalert.events``.
- **One place commits per kind of unit of work**: the request (``schoolalert/web/unit_of_work.py``),
  the command (``schoolalert/app.py``), and the task runner (``schoolalert/tasks/``, with
  ``schoolalert/transaction.py`` that does the commit itself); mail delivery commits once per
  batch, which ``schoolalert/notifications/services.py`` says. No view or service commits.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "schoolalert"
DOMAINS = ("accounts", "alerts", "audit", "consent", "notifications", "schools", "plugin_admin")
EDGE = frozenset(
    {"views", "api", "admin_views", "forms", "commands", "tasks", "http", "auth", "web_session"}
)
HTTP_STATE = frozenset({"request", "g", "session"})
PLUGIN_MAY_IMPORT = frozenset({"schoolalert", "schoolalert.plugin_api", "schoolalert.events"})
MAY_COMMIT = (
    "schoolalert/app.py",
    "schoolalert/transaction.py",
    "schoolalert/web/unit_of_work.py",
    "schoolalert/tasks/",
    "schoolalert/notifications/services.py",
)


def imported(tree: ast.AST) -> list[str]:
    """Every module and ``module.name`` an AST imports."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
            found += [f"{node.module}.{alias.name}" for alias in node.names]
    return found


def is_edge(path: Path) -> bool:
    parts = path.relative_to(PACKAGE).with_suffix("").parts  # ("alerts", "views", "page")
    return any(part in EDGE for part in parts[1:])


def http_imports(source: str) -> list[str]:
    """What a service module must not import."""
    return [name for name in imported(ast.parse(source)) if _knows_http(name)]


def _knows_http(name: str) -> bool:
    parts = name.split(".")
    if parts[0] == "flask":
        return len(parts) > 1 and parts[1] in HTTP_STATE
    if parts[0] != "schoolalert" or len(parts) < 2:
        return False
    if parts[1] in ("api", "web"):
        return True
    return parts[1] in DOMAINS and any(part in EDGE for part in parts[2:])


def commits(source: str) -> list[int]:
    """Lines that call ``commit()``: ``transaction.commit()``, ``db.session.commit()``…"""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            function = node.func
            name = function.attr if isinstance(function, ast.Attribute) else None
            name = function.id if isinstance(function, ast.Name) else name
            if name == "commit":
                lines.append(node.lineno)
    return lines


def service_modules() -> list[Path]:
    return [
        path
        for domain in DOMAINS
        for path in sorted((PACKAGE / domain).rglob("*.py"))
        if not is_edge(path)
    ]


def test_domain_services_do_not_import_http_the_api_or_the_web():
    services = service_modules()
    assert PACKAGE / "alerts" / "review.py" in services
    assert PACKAGE / "alerts" / "views" / "page.py" not in services
    wrong = {
        str(path.relative_to(ROOT)): found
        for path in services
        if (found := http_imports(path.read_text()))
    }
    assert wrong == {}


def test_the_check_sees_each_kind_of_wrong_import():
    assert http_imports("from flask import current_app, request") == ["flask.request"]
    assert http_imports("from flask import g") == ["flask.g"]
    assert http_imports("from schoolalert.api.helpers import iso") == [
        "schoolalert.api.helpers",
        "schoolalert.api.helpers.iso",
    ]
    assert http_imports("import schoolalert.web.context") == ["schoolalert.web.context"]
    assert http_imports("from schoolalert.alerts.api import bp") != []
    assert http_imports("from schoolalert.alerts import views") == ["schoolalert.alerts.views"]
    assert http_imports("from schoolalert.alerts import access, police") == []


def test_bundled_plugins_import_only_the_facade_of_the_core():
    plugins = sorted((ROOT / "plugins").rglob("*.py"))
    assert plugins
    wrong = {}
    for path in plugins:
        tree = ast.parse(path.read_text())
        modules = [
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
        ] + [
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        ]
        core = [
            m for m in modules if m.split(".")[0] == "schoolalert" and m not in PLUGIN_MAY_IMPORT
        ]
        if core:
            wrong[str(path.relative_to(ROOT))] = core
    assert wrong == {}


def test_only_the_units_of_work_commit():
    wrong = {}
    for path in sorted([*PACKAGE.rglob("*.py"), *(ROOT / "plugins").rglob("*.py")]):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith(MAY_COMMIT) or "/migrations/" in relative:
            continue
        if found := commits(path.read_text()):
            wrong[relative] = found
    assert wrong == {}
    assert commits("db.session.commit()\ncommit()\nsession.flush()") == [1, 2]
    assert commits((PACKAGE / "web" / "unit_of_work.py").read_text())
    assert commits((PACKAGE / "app.py").read_text())
