"""Receiving: a partner's signed document, checked in this order — well-formed CAP 1.2 without
entities (400), a known sender (403), the pinned certificate's signature (403) — then, using
only the signed content, recorded once per (sender, identifier, sent) and acted on. Received
alerts are for investigators and prosecutors; they reach schools only through ``adopt``, a
Dutch draft that a Dutch prosecutor approves."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from plugins.exchange import cap
from plugins.exchange.models import IN, Message, ReceivedAlert, ReceivedImage, Tombstone
from plugins.exchange.partners import partner_by_sender
from schoolalert.plugin_api import (
    Conflict,
    ImageRejected,
    InvalidInput,
    NotFound,
    Role,
    User,
    close_for_partner,
    content_key_exists,
    create_external_draft,
    db,
    decrypt_content,
    destroy_content_key,
    encrypt_content,
    mail_users,
    new_content_key,
    record_audit,
    require_role,
    sanitise_image,
    utcnow,
)

logger = logging.getLogger(__name__)

UPDATED_MAIL = "exchange.updated"
RECEIVED, ADOPTED, CANCELLED = "received", "adopted", "cancelled"
KINDS = {"face", "clothing", "object"}
MAX_IDENTIFIER, MAX_SENT = 200, 25  # the columns that keep them


class Refused(Exception):
    """A document that is not accepted: ``status`` (400 or 403) and the reason."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class Receipt:
    status: int  # 202 new, 200 already received
    message: Message


# The Dutch case data an investigator adds; description and images come from the partner.
ADOPTION_FIELDS = ("case_reference", "justification", "targeting", "duration_days", "age_estimate")


def _earlier(document: Any) -> Message | None:
    return db.session.scalar(
        select(Message).where(
            Message.sender == document.sender,
            Message.identifier == document.identifier,
            Message.sent == document.sent,
        )
    )


def receive(data: bytes) -> Receipt:
    """Check and act on one document; Refused changes nothing."""
    try:
        tree = cap.parse_untrusted(data)
    except cap.NotCap as error:
        raise Refused(400, "not_cap", str(error)) from None
    partner = partner_by_sender(cap.claimed_sender(tree))
    if partner is None:
        raise Refused(403, "unknown_sender", "the sender is not a registered partner")
    try:
        signed = cap.verify(data, partner.certificate)
    except cap.BadSignature as error:
        raise Refused(403, "bad_signature", f"the signature does not verify: {error}") from None
    try:
        document = cap.read(signed)  # from here on only the signed content
    except cap.NotCap as error:
        raise Refused(400, "not_cap", str(error)) from None
    if document.sender != partner.sender:
        raise Refused(403, "unknown_sender", "the signed sender is not the partner's")
    if len(document.identifier) > MAX_IDENTIFIER or len(document.sent) > MAX_SENT:
        raise Refused(400, "not_cap", "the identifier or the sent time is too long")
    earlier = _earlier(document)
    if earlier is not None:
        return Receipt(200, earlier)
    message = Message(
        direction=IN,
        partner_id=partner.id,
        msg_type=document.msg_type,
        status=document.status,
        sender=document.sender,
        identifier=document.identifier,
        sent=document.sent,
        references=" ".join(document.references),
        state="recorded",
        attempts=1,
        delivered_at=utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:  # the same document, received a moment earlier by another request
        earlier = _earlier(document)
        assert earlier is not None
        return Receipt(200, earlier)
    if document.status != "Actual":
        message.state = "not_actual"  # exercises, tests and drafts: recorded, never distributed
    elif document.msg_type == "Alert":
        _alert(message, document)
    elif document.msg_type == "Update":
        _update(message, document)
    elif document.msg_type == "Cancel":
        _cancel(message, document)
    db.session.flush()
    record_audit(
        "exchange.received",
        object_type="exchange_message",
        object_id=message.id,
        details={
            "partner": partner.name,
            "type": document.msg_type,
            "status": document.status,
            "state": message.state,
        },
    )
    return Receipt(202, message)


def _tombstoned(triples: list[str]) -> bool:
    for triple in triples:
        sender, identifier, sent = _split(triple)
        if db.session.scalar(
            select(Tombstone.id).where(
                Tombstone.sender == sender,
                Tombstone.identifier == identifier,
                Tombstone.sent == sent,
            )
        ):
            return True
    return False


def _split(triple: str) -> tuple[str, str, str]:
    parts = triple.split(",")
    if len(parts) != 3:
        raise Refused(400, "not_cap", f"a reference is not sender,identifier,sent: {triple!r}")
    return parts[0], parts[1], parts[2]


def _referenced(document: cap.Document) -> list[ReceivedAlert]:
    """The received alerts an Update or Cancel names (through any message of their chain)."""
    found: dict[int, ReceivedAlert] = {}
    for triple in document.references:
        sender, identifier, sent = _split(triple)
        if sender != document.sender:
            continue  # a partner acts on its own messages only
        received_id = db.session.scalar(
            select(Message.received_id).where(
                Message.direction == IN,
                Message.sender == sender,
                Message.identifier == identifier,
                Message.sent == sent,
            )
        )
        if received_id is not None:
            found[received_id] = db.session.get(ReceivedAlert, received_id)  # type: ignore[assignment]
    return list(found.values())


def _images(info: cap.Info) -> list[tuple[str, bytes]]:
    images = []
    for resource in info.resources:
        try:
            clean = sanitise_image(resource.data)
        except ImageRejected:
            raise Refused(400, "bad_image", "a resource is not an acceptable image") from None
        kind = resource.description if resource.description in KINDS else "face"
        images.append((kind, clean))
    return images


def _fill(received: ReceivedAlert, info: cap.Info) -> None:
    """Seal the description and the (re-encoded) images under a fresh key at once."""
    images = _images(info)
    if received.key_id:
        destroy_content_key(received.key_id)
    received.images.clear()
    db.session.flush()
    received.key_id = new_content_key("exchange")
    received.description_sealed = encrypt_content(
        received.key_id, info.description.encode(), f"exchange:received:{received.id}"
    )
    received.age_estimate = (info.age_estimate or "")[:20] or None
    received.expires = info.expires
    for kind, data in images:
        image = ReceivedImage(kind=kind, size=len(data), data_sealed=b"")
        received.images.append(image)
        db.session.flush()
        image.data_sealed = encrypt_content(
            received.key_id, data, f"exchange:received-image:{image.id}"
        )
    received.updated_at = utcnow()


def _alert(message: Message, document: cap.Document) -> None:
    if _tombstoned([document.triple]) or document.info is None:
        message.state = "refused"  # cancelled before it arrived (or nothing to show)
        return
    received = ReceivedAlert(
        partner_id=message.partner_id,
        sender=document.sender,
        identifier=document.identifier,
        sent=document.sent,
        state=RECEIVED,
    )
    db.session.add(received)
    db.session.flush()
    _fill(received, document.info)
    message.received_id = received.id
    message.state = "received"


def _update(message: Message, document: cap.Document) -> None:
    targets = _referenced(document)
    if not targets:
        message.state = "ignored"  # nothing of it here; its original will not be taken later
        _bury(document)
        return
    for received in targets:
        message.received_id = received.id
        if received.state == RECEIVED and document.info is not None:
            _fill(received, document.info)
            message.state = "updated"
        elif received.state == ADOPTED and received.adopted_by_id is not None:
            mail_users(
                UPDATED_MAIL,
                [received.adopted_by_id],
                {"alert_id": received.adopted_alert_id},
                key=f"{UPDATED_MAIL}:{message.id}",
            )
            message.state = "notified"
        else:
            message.state = "ignored"


def _bury(document: cap.Document) -> None:
    for triple in document.references:
        sender, identifier, sent = _split(triple)
        if sender == document.sender and not _tombstoned([triple]):
            db.session.add(Tombstone(sender=sender, identifier=identifier, sent=sent))


def _cancel(message: Message, document: cap.Document) -> None:
    targets = _referenced(document)
    _bury(document)  # a late original (or a copy of it) is refused
    for received in targets:
        message.received_id = received.id
        adopted = received.adopted_alert_id if received.state == ADOPTED else None
        purge_received(received)
        if adopted is not None:
            close_for_partner(
                adopted, origin=f"exchange:{document.sender}", reason="Cancel from the partner"
            )
    message.state = "cancelled" if targets else "tombstone"


def purge_received(received: ReceivedAlert) -> bool:
    """Destroy the received alert's description and images (crypto-shredded, rows removed);
    True when nothing readable is left."""
    if received.key_id:
        destroy_content_key(received.key_id)
    received.images.clear()
    received.description_sealed = None
    received.state = CANCELLED
    if received.purged_at is not None:
        db.session.flush()
        return not received.images
    received.purged_at = utcnow()
    db.session.flush()
    record_audit(
        "exchange.received_purged",
        object_type="exchange_received",
        object_id=received.id,
        alert_id=received.adopted_alert_id,
    )
    return not received.images and received.description_sealed is None


# -- for investigators and prosecutors ------------------------------------------------------


def received_alerts(actor: User) -> list[ReceivedAlert]:
    require_role(actor, Role.INVESTIGATOR, Role.PROSECUTOR)
    return list(db.session.scalars(select(ReceivedAlert).order_by(ReceivedAlert.id.desc())))


def received_alert(actor: User, received_id: int) -> ReceivedAlert:
    require_role(actor, Role.INVESTIGATOR, Role.PROSECUTOR)
    received = db.session.get(ReceivedAlert, received_id)
    if received is None:
        raise NotFound("no such received alert")
    return received


def read_description(actor: User, received: ReceivedAlert) -> str | None:
    if received.description_sealed is None or received.key_id is None:
        return None
    text = decrypt_content(
        received.key_id, received.description_sealed, f"exchange:received:{received.id}"
    ).decode()
    record_audit(
        "exchange.received_read",
        actor=actor,
        object_type="exchange_received",
        object_id=received.id,
    )
    return text


def read_image(actor: User, received_id: int, image_id: int) -> bytes:
    """One re-encoded image of a received alert (PNG); the view is audited."""
    received = received_alert(actor, received_id)
    image = next((item for item in received.images if item.id == image_id), None)
    if image is None or received.key_id is None:
        raise NotFound("no such image")
    data = decrypt_content(
        received.key_id, image.data_sealed, f"exchange:received-image:{image.id}"
    )
    record_audit(
        "exchange.received_image_viewed",
        actor=actor,
        object_type="exchange_received",
        object_id=received.id,
        details={"image": image.id},
    )
    return data


def adopt(actor: User, received_id: int, body: dict[str, Any]) -> int:
    """A Dutch draft from the received alert: its description and images, the Dutch case
    data; it goes out only after submission and a Dutch prosecutor's approval."""
    require_role(actor, Role.INVESTIGATOR)
    received = db.session.get(ReceivedAlert, received_id, with_for_update=True)
    if received is None:
        raise NotFound("no such received alert")
    if received.state != RECEIVED or received.key_id is None:
        raise Conflict(str(_l("This received alert was adopted or cancelled already.")))
    unknown = sorted(set(body) - set(ADOPTION_FIELDS))
    if unknown:
        raise InvalidInput(str(_l("Unknown field: %(name)s.", name=unknown[0])), field=unknown[0])
    fields = {key: value for key, value in body.items() if key != "age_estimate"}
    fields["description"] = read_description(actor, received) or ""
    fields["age_estimate"] = body.get("age_estimate") or received.age_estimate or ""
    images = [
        (
            decrypt_content(
                received.key_id, image.data_sealed, f"exchange:received-image:{image.id}"
            ),
            image.kind,
        )
        for image in received.images
    ]
    alert = create_external_draft(actor, fields, images, origin=f"exchange:{received.sender}")
    received.state = ADOPTED
    received.adopted_alert_id = alert.id
    received.adopted_by_id = actor.id
    received.updated_at = utcnow()
    record_audit(
        "exchange.adopted",
        actor=actor,
        object_type="exchange_received",
        object_id=received.id,
        alert_id=alert.id,
    )
    db.session.flush()
    return alert.id


def purge_adopted(alert_id: int) -> tuple[int, bool] | None:
    """The Dutch alert adopted from a received one closed: its received copy goes too.
    ``(copies, verified)``, or None when the alert was not adopted from a partner's."""
    copies = list(
        db.session.scalars(select(ReceivedAlert).where(ReceivedAlert.adopted_alert_id == alert_id))
    )
    if not copies:
        return None
    verified = True
    for received in copies:
        verified &= purge_received(received)
        verified &= received.key_id is None or not content_key_exists(received.key_id)
    return len(copies), verified


def purge_expired(now: Any) -> int:
    """Retention: received alerts past their end that nobody adopted."""
    expired = db.session.scalars(
        select(ReceivedAlert).where(
            ReceivedAlert.state == RECEIVED,
            ReceivedAlert.expires.is_not(None),
            ReceivedAlert.expires <= now,
        )
    ).all()
    for received in expired:
        purge_received(received)
    return len(expired)
