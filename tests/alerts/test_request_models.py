"""Request bodies are defined once (Pydantic models): what the OpenAPI document describes is
what the API accepts — no more, no less — and a well-formed value that names nothing known is
told apart as ``unresolvable``."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from schoolalert.api.openapi import build_document
from schoolalert.plugin_admin import services as plugin_admin
from schoolalert.transaction import commit


def document(world):
    with world.app.test_request_context():
        return build_document(world.app)


def enable_regional(app, enabled=True):
    with app.app_context():
        plugin_admin.set_enabled(
            app.extensions["schoolalert.plugins"], "regional", enabled, actor=None
        )
        commit()


def test_the_targeting_schema_lists_the_selectors_of_enabled_plugins_only(world):
    schema = document(world)["components"]["schemas"]["DraftInput"]["properties"]["targeting"]
    assert set(schema["properties"]) == {"all", "schools", "exclude"}
    assert schema["additionalProperties"] is False
    enable_regional(world.app)
    schema = document(world)["components"]["schemas"]["DraftInput"]["properties"]["targeting"]
    assert {"police_units", "provinces", "municipalities", "postcodes", "radius"} <= set(
        schema["properties"]
    )
    radius = schema["properties"]["radius"]["properties"]["km"]
    assert radius["maximum"] == 50  # the administrator's setting, not a fixed number


def test_the_longest_duration_in_the_document_is_the_setting(world):
    world.app.config["ALERT_MAX_DAYS"] = 10
    schema = document(world)["components"]["schemas"]["DraftInput"]["properties"]
    assert schema["duration_days"]["anyOf"][0]["maximum"] == 10
    response = world.api(
        "POST", "/alerts", world.investigator, json=draft_body(world, duration_days=11)
    )
    assert response.status_code == 422
    assert response.json["error"]["field"] == "duration_days"


def draft_body(world, **overrides):
    return {
        "case_reference": "ZAAK-2026-0042",
        "justification": "Abuse established in the Netherlands; other means exhausted.",
        "description": "Girl of about seven, blue striped T-shirt with a star.",
        "age_estimate": "6-8",
        "targeting": {"schools": [school.code for school in world.schools]},
    } | overrides


def test_a_whole_number_written_with_a_fraction_of_zero_is_a_whole_number(world):
    accepted = world.api(
        "POST", "/alerts", world.investigator, json=draft_body(world, duration_days=7.0)
    )
    assert accepted.status_code == 201, accepted.json
    assert accepted.json["duration_days"] == 7
    refused = world.api(
        "POST", "/alerts", world.investigator, json=draft_body(world, duration_days=7.5)
    )
    assert refused.status_code == 422
    assert refused.json["error"]["field"] == "duration_days"


def test_an_age_range_written_high_to_low_is_the_same_range(world):
    response = world.api(
        "POST", "/alerts", world.investigator, json=draft_body(world, age_estimate="8 - 6")
    )
    assert response.status_code == 201
    assert response.json["age_estimate"] == "6-8"


@pytest.mark.parametrize(
    ("codes", "code"),
    [(["99ZZ99"], "unresolvable"), (["not-a-code"], "unprocessable"), ([7], "unprocessable")],
)
def test_an_unknown_school_code_is_unresolvable_and_a_malformed_one_unprocessable(
    world, codes, code
):
    body = draft_body(world, targeting={"schools": codes})
    response = world.api("POST", "/alerts", world.investigator, json=body)
    assert response.status_code == 422
    assert response.json["error"]["code"] == code
    assert response.json["error"]["field"].startswith(("schools", "targeting"))


def test_a_draft_without_images_is_not_ready_a_conflict_not_a_bad_request(world):
    alert_id = world.draft()
    response = world.api("POST", f"/alerts/{alert_id}/submit", world.investigator)
    assert response.status_code == 409
    assert response.json["error"]["field"] == "images"


def test_an_unknown_query_parameter_is_refused_naming_it(world):
    response = world.api("GET", "/alerts?status=published", world.investigator)
    assert response.status_code == 422
    assert response.json["error"]["field"] == "status"
    assert world.api("GET", "/alerts", world.investigator).status_code == 200


def test_the_body_of_every_operation_refuses_unknown_fields(world):
    alert_id = world.published()
    response = world.api(
        "POST",
        f"/me/alerts/{alert_id}/response",
        world.staff[0],
        json={"kind": "recognised", "child_name": "Sam", "address": "Dorpsstraat 1"},
    )
    assert response.status_code == 422
    assert response.json["error"]["field"] == "address"


def test_a_closing_reason_outside_the_two_is_refused_before_anything_changes(world):
    alert_id = world.published()
    response = world.api(
        "POST", f"/alerts/{alert_id}/close", world.investigator, json={"reason": "found"}
    )
    assert response.status_code == 422
    assert response.json["error"]["field"] == "reason"
    alert = world.api("GET", f"/alerts/{alert_id}", world.investigator).json
    assert alert["status"] == "published"


def test_two_request_models_of_one_name_cannot_both_be_in_the_document():
    from schoolalert.api.openapi import _model_schema

    class Twin(BaseModel):
        a: int

    first = Twin

    class Twin(BaseModel):
        b: str

    schemas: dict = {}
    _model_schema(first, schemas)
    with pytest.raises(ValueError, match="Twin"):
        _model_schema(Twin, schemas)


def test_a_bad_targeting_is_reported_with_the_other_bad_fields_not_instead_of_them(world):
    from schoolalert.alerts.drafting import DraftInput
    from schoolalert.errors import InvalidInput, Unresolvable
    from schoolalert.validation import validate

    body = draft_body(world, description="", targeting={})
    with world.app.test_request_context(), pytest.raises(InvalidInput) as refused:
        validate(DraftInput, body)
    assert {"description", "targeting"} <= {field for field, _message in refused.value.problems}
    unknown = draft_body(world, targeting={"schools": ["99ZZ99"]})
    with world.app.test_request_context(), pytest.raises(Unresolvable):
        validate(DraftInput, unknown)
