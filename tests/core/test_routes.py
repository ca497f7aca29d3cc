"""Every endpoint is in the permission table (deny by default) and every API route is documented."""

from __future__ import annotations

from openapi_spec_validator import validate

from schoolalert import create_app


def test_every_endpoint_has_an_entry_in_the_permission_table(app):
    table = app.extensions["schoolalert.permissions"]
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoint for endpoint in endpoints if table.allowed(endpoint) is None)
    assert missing == [], f"add these endpoints to schoolalert/permissions.py: {missing}"
    stale = sorted(table.endpoints() - endpoints)
    assert stale == [], f"these permission entries have no route: {stale}"


def test_an_endpoint_without_an_entry_is_denied(app_config):
    app = create_app(app_config)

    @app.get("/forgotten")
    def forgotten():
        return "should never be served"

    response = app.test_client().get("/forgotten")
    assert response.status_code == 404
    assert b"should never be served" not in response.data


def test_every_api_route_is_in_the_openapi_document(app, client):
    document = client.get("/api/v1/openapi.json").json
    validate(document)
    documented = {
        (f"/api/v1{path}", method.upper())
        for path, operations in document["paths"].items()
        for method in operations
    }
    routes = {
        (rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}"), method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    assert routes == documented


def test_public_api_operations_say_so(client):
    document = client.get("/api/v1/openapi.json").json
    assert document["paths"]["/auth/token"]["post"]["security"] == []
    assert document["paths"]["/plugins"]["get"]["security"] == [{"bearer": []}]
