"""The plugin's JSON API under ``/api/v1/exchange``: the partners' inbox (trust from the
signature: no session, no token, no CSRF), received alerts (police), the message log
(administrators)."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, current_app, jsonify, request, url_for
from werkzeug.wrappers import Response

from plugins.exchange import receiving
from plugins.exchange.log import message_log
from plugins.exchange.models import Message, ReceivedAlert
from schoolalert.plugin_api import (
    ResponseModel,
    Role,
    answer,
    document,
    draft_schema,
    iso,
    json_body,
    signed_in_user,
)

logger = logging.getLogger(__name__)

api = Blueprint("exchange", __name__)
PERMISSIONS = {
    "inbox": {"public"},
    "list_received": {Role.INVESTIGATOR.value, Role.PROSECUTOR.value},
    "get_received": {Role.INVESTIGATOR.value, Role.PROSECUTOR.value},
    "received_image": {Role.INVESTIGATOR.value, Role.PROSECUTOR.value},
    "adopt": {Role.INVESTIGATOR.value},
    "list_messages": {Role.ADMIN.value},
}
TAGS = ["exchange"]
CAP_TYPES = {"application/cap+xml", "application/xml", "text/xml"}
DEFAULT_INBOX_MAX_BYTES = 16 * 1024 * 1024
IMAGE_HEADERS = {
    "Cache-Control": "no-store, max-age=0",
    "Pragma": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Resource-Policy": "same-origin",
}


class Receipt(ResponseModel):
    identifier: str
    type: str
    state: str


class Received(ResponseModel):
    id: int
    sender: str
    identifier: str
    sent: str
    expires: str | None
    state: str
    images: int
    adopted_alert_id: int | None


class ReceivedList(ResponseModel):
    received: list[Received]


class ReceivedImageLink(ResponseModel):
    id: int
    kind: str
    url: str


class ReceivedDetail(Received):
    description: str | None
    image_list: list[ReceivedImageLink]


class Adopted(ResponseModel):
    alert_id: int


class LoggedMessage(ResponseModel):
    id: int
    direction: str
    partner: str
    type: str
    status: str
    identifier: str
    sent: str
    state: str
    attempts: int
    error: str | None
    alert_id: int | None
    created_at: str
    delivered_at: str | None


class MessageLog(ResponseModel):
    messages: list[LoggedMessage]


def _refusal(status: int, code: str, message: str) -> tuple[Response, int]:
    # The code only: a parser's or the schema's message may quote the document.
    logger.warning("exchange inbox refused a document: %s %s", status, code)
    return jsonify({"error": {"code": code, "message": message}}), status


@api.post("/inbox")
@document(
    summary="A partner's signed CAP 1.2 document (trust comes from the signature)",
    tags=TAGS,
    request_content_type="application/cap+xml",
    request_body={"type": "string", "description": "the signed CAP 1.2 alert"},
    response_model=Receipt,
    responses={
        202: "new: recorded and acted on",
        200: "already received (same sender, identifier and sent)",
        400: "not a valid CAP 1.2 document (or with a DTD or entities)",
        403: "unknown sender or bad signature",
        413: "too large",
    },
    auth=False,
)
def inbox() -> tuple[Response, int]:
    limit = current_app.config.get("EXCHANGE_INBOX_MAX_BYTES", DEFAULT_INBOX_MAX_BYTES)
    if request.content_length is not None and request.content_length > limit:
        return _refusal(413, "too_large", f"at most {limit} bytes")
    data = request.stream.read(limit + 1)
    if len(data) > limit:
        return _refusal(413, "too_large", f"at most {limit} bytes")
    if request.mimetype not in CAP_TYPES:
        return _refusal(400, "not_cap", "send application/cap+xml or application/xml")
    try:
        receipt = receiving.receive(data)
    except receiving.Refused as refusal:
        return _refusal(refusal.status, refusal.code, refusal.message)
    message = receipt.message
    return answer(
        Receipt,
        {"identifier": message.identifier, "type": message.msg_type, "state": message.state},
        receipt.status,
    )


def received_json(item: ReceivedAlert) -> dict[str, Any]:
    return {
        "id": item.id,
        "sender": item.sender,
        "identifier": item.identifier,
        "sent": item.sent,
        "expires": iso(item.expires),
        "state": item.state,
        "images": len(item.images),
        "adopted_alert_id": item.adopted_alert_id,
    }


@api.get("/received")
@document(
    summary="Alerts received from partners (investigator, prosecutor)",
    tags=TAGS,
    response_model=ReceivedList,
)
def list_received() -> tuple[Response, int]:
    items = receiving.received_alerts(signed_in_user())
    return answer(ReceivedList, {"received": [received_json(item) for item in items]})


@api.get("/received/<int:received_id>")
@document(
    summary="One received alert with its description (the read is audited)",
    tags=TAGS,
    responses={200: "the received alert", 404: "unknown"},
    response_model=ReceivedDetail,
)
def get_received(received_id: int) -> tuple[Response, int]:
    user = signed_in_user()
    item = receiving.received_alert(user, received_id)
    images = [
        {
            "id": image.id,
            "kind": image.kind,
            "url": url_for(".received_image", received_id=item.id, image_id=image.id),
        }
        for image in item.images
    ]
    return answer(
        ReceivedDetail,
        received_json(item)
        | {"description": receiving.read_description(user, item), "image_list": images},
    )


@api.get("/received/<int:received_id>/images/<int:image_id>")
@document(
    summary="One image of a received alert, re-encoded (PNG; the view is audited)",
    tags=TAGS,
    responses={200: "the image", 404: "unknown"},
)
def received_image(received_id: int, image_id: int) -> Response:
    data = receiving.read_image(signed_in_user(), received_id, image_id)
    return Response(data, mimetype="image/png", headers=IMAGE_HEADERS)


@api.post("/received/<int:received_id>/adopt")
@document(
    summary="Adopt a received alert as a Dutch draft (investigator)",
    tags=TAGS,
    request_body=lambda: draft_schema(
        receiving.ADOPTION_FIELDS, required=["case_reference", "justification", "targeting"]
    ),
    response_model=Adopted,
    responses={
        201: "the Dutch draft: alert_id",
        404: "unknown",
        409: "adopted or cancelled already",
        422: "a field is missing or wrong",
    },
)
def adopt(received_id: int) -> tuple[Response, int]:
    alert_id = receiving.adopt(signed_in_user(), received_id, json_body())
    return answer(Adopted, {"alert_id": alert_id}, 201)


def message_json(message: Message) -> dict[str, Any]:
    """What the log shows of a document: never its content."""
    return {
        "id": message.id,
        "direction": message.direction,
        "partner": message.partner.name,
        "type": message.msg_type,
        "status": message.status,
        "identifier": message.identifier,
        "sent": message.sent,
        "state": message.state,
        "attempts": message.attempts,
        "error": message.last_error,
        "alert_id": message.alert_id,
        "created_at": iso(message.created_at),
        "delivered_at": iso(message.delivered_at),
    }


@api.get("/messages")
@document(
    summary="Every document sent and received, without content (administrator)",
    tags=TAGS,
    response_model=MessageLog,
)
def list_messages() -> tuple[Response, int]:
    messages = [message_json(item) for item in message_log(signed_in_user())]
    return answer(MessageLog, {"messages": messages})
