"""How the alert API writes alerts, responses and purge records as JSON (CONTRACT §4)."""

from __future__ import annotations

from typing import Any, Literal

from flask import url_for
from pydantic import ConfigDict, Field

from schoolalert.accounts.models import User
from schoolalert.alerts import access, draft_parts
from schoolalert.alerts.closing import PurgeRecord
from schoolalert.alerts.confirmation import ConfirmationView
from schoolalert.alerts.coverage import Coverage
from schoolalert.alerts.models import Alert
from schoolalert.alerts.responses import ResponseView
from schoolalert.alerts.targeting import PreviewSchool
from schoolalert.api import iso
from schoolalert.validation import ResponseModel

TIME = Field(description="ISO 8601 UTC")


class AlertSummary(ResponseModel):
    id: int
    status: Literal["draft", "submitted", "published", "closed"]
    created_by: int | None
    created_at: str = TIME
    submitted_at: str | None
    approved_at: str | None
    approved_by: int | None
    expires_at: str | None
    closed_at: str | None
    close_reason: Literal["identified", "withdrawn", "expired"] | None
    case_reference: str
    age_estimate: str
    duration_days: int
    exercise: bool = Field(description="an exercise, not a real case")


class AlertList(ResponseModel):
    alerts: list[AlertSummary]


class PoliceImage(ResponseModel):
    id: int
    kind: str
    width: int
    height: int
    sha256: str
    destroyed: bool
    url: str | None


class SchoolConfirmationAnswer(ResponseModel):
    outcome: Literal["nobody_recognises", "recognised"]
    by: str = Field(description="the name of the staff member who confirmed for the school")
    at: str = TIME


class SchoolCoverageAnswer(ResponseModel):
    code: str
    name: str
    eligible_staff: int = Field(description="staff who may see the alert now")
    notified: int = Field(description='"new alert" mails sent')
    viewed: int = Field(description="people who opened at least one image")
    answered: int = Field(description="people who answered")
    recognised: int = Field(description='people whose answer is "I recognise this child"')
    confirmation: SchoolConfirmationAnswer | None
    conflict: bool = Field(
        description="the confirmation no longer matches the answers (needs attention): nobody "
        "recognises, but someone answered recognised afterwards; or the reverse"
    )


class CoverageAnswer(ResponseModel):
    schools: list[SchoolCoverageAnswer]


def confirmation_json(view: ConfirmationView | None) -> dict[str, Any] | None:
    if view is None:
        return None
    return {"outcome": view.outcome.value, "by": view.by, "at": iso(view.at)}


def coverage_json(coverage: Coverage) -> dict[str, Any]:
    return {
        "schools": [
            {
                "code": school.code,
                "name": school.name,
                "eligible_staff": school.eligible,
                "notified": school.notified,
                "viewed": school.viewers,
                "answered": school.answered,
                "recognised": school.recognised,
                "confirmation": confirmation_json(school.confirmation),
                "conflict": school.conflict,
            }
            for school in coverage.schools
        ]
    }


class AlertStats(ResponseModel):
    schools_targeted: int
    staff_notified: int
    schools_viewed: int
    views: int
    responses: int
    recognised: int


class AlertDetail(AlertSummary):
    """An alert with its content; plugins' draft parts (``share_with``) are fields of it too."""

    model_config = ConfigDict(extra="allow")

    description: str | None = Field(description="null once destroyed")
    justification: str
    order_number: str
    order_date: str | None
    other_means_exhausted: bool
    targeting: dict[str, Any]
    rejection_reason: str | None
    images: list[PoliceImage]
    stats: AlertStats


class Revision(ResponseModel):
    kind: Literal["recognised", "not_recognised"]
    at: str
    tip: dict[str, str] | None = Field(description="null after the retention purge")


class SchoolRef(ResponseModel):
    code: str
    name: str


class ResponseAnswer(ResponseModel):
    id: int
    kind: Literal["recognised", "not_recognised"]
    school: SchoolRef
    responder: str = Field(description="a code per staff member, not the person")
    created_at: str
    updated_at: str
    tip: dict[str, str] | None
    purged: bool
    history: list[Revision] = Field(description="every answer, oldest first")


class ResponseList(ResponseModel):
    responses: list[ResponseAnswer]


class PluginPurgeReport(ResponseModel):
    component: str
    description: str
    verified: bool


class PurgeRecordAnswer(ResponseModel):
    alert_id: int
    reason: Literal["identified", "withdrawn", "expired"]
    purged_at: str
    purged_by: int | None
    images_destroyed: int
    files_removed: bool
    key_destroyed: bool
    decryption_impossible: bool
    verified: bool
    checked_at: str | None = Field(description="when destruction was checked after the commit")
    plugins: list[PluginPurgeReport]
    responses_purged_at: str | None


class PreviewSchoolAnswer(ResponseModel):
    code: str
    name: str
    municipality: str
    police_unit: str


class Preview(ResponseModel):
    count: int
    schools: list[PreviewSchoolAnswer]


def alert_json(alert: Alert, reader: User, *, detail: bool = True) -> dict[str, Any]:
    """The alert as JSON; with ``detail`` it holds the description, decrypted for ``reader`` and
    recorded as read (in the request's unit of work)."""
    data: dict[str, Any] = {
        "id": alert.id,
        "status": alert.status.value,
        "created_by": alert.created_by_id,
        "created_at": iso(alert.created_at),
        "submitted_at": iso(alert.submitted_at),
        "approved_at": iso(alert.approved_at),
        "approved_by": alert.approved_by_id,
        "expires_at": iso(alert.expires_at),
        "closed_at": iso(alert.closed_at),
        "close_reason": alert.close_reason.value if alert.close_reason else None,
        "case_reference": alert.case_reference,
        "age_estimate": alert.age_estimate,
        "duration_days": alert.proposed_duration_days,
        "exercise": alert.exercise,
    }
    if detail:
        data |= {
            "description": access.read_description(reader, alert),
            "justification": alert.justification,
            "order_number": alert.order_number,
            "order_date": alert.order_date.isoformat() if alert.order_date else None,
            "other_means_exhausted": alert.other_means_exhausted,
            "targeting": alert.targeting,
            "rejection_reason": alert.rejection_reason,
            "images": [
                {
                    "id": image.id,
                    "kind": image.kind.value,
                    "width": image.width,
                    "height": image.height,
                    "sha256": image.sha256,
                    "destroyed": image.blob_name is None,
                    "url": url_for("api.alerts.police_image", alert_id=alert.id, image_id=image.id)
                    if image.blob_name
                    else None,
                }
                for image in alert.images
            ],
            "stats": access.statistics(alert.id),
        }
        data |= draft_parts.part_values(alert.id)
    return data


def response_json(view: ResponseView) -> dict[str, Any]:
    return {
        "id": view.id,
        "kind": view.kind.value,
        "school": {"code": view.school_code, "name": view.school_name},
        "responder": view.responder_code,
        "created_at": iso(view.created_at),
        "updated_at": iso(view.updated_at),
        "tip": view.tip,
        "purged": view.purged,
        "history": [
            {"kind": revision.kind.value, "at": iso(revision.at), "tip": revision.tip}
            for revision in view.history
        ],
    }


def purge_record_json(record: PurgeRecord) -> dict[str, Any]:
    return {
        "alert_id": record.alert_id,
        "reason": record.reason.value,
        "purged_at": iso(record.purged_at),
        "purged_by": record.purged_by_id,
        "images_destroyed": record.images_destroyed,
        "files_removed": record.files_removed,
        "key_destroyed": record.key_destroyed,
        "decryption_impossible": record.decryption_impossible,
        "verified": record.verified,
        "checked_at": iso(record.checked_at),
        "plugins": record.plugin_reports,
        "responses_purged_at": iso(record.responses_purged_at),
    }


def preview_school_json(school: PreviewSchool) -> dict[str, Any]:
    return {
        "code": school.code,
        "name": school.name,
        "municipality": school.municipality,
        "police_unit": school.police_unit,
    }
