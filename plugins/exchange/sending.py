"""Sending: after approval a signed CAP ``Alert`` per partner the alert is shared with; after
closing a ``Cancel`` naming every earlier message of the chain. Each document is built,
validated, signed once and stored; delivery (task :data:`DELIVER_TASK`) resends those bytes
unchanged, retrying with back-off on 5xx and timeouts, stopping with a notice to the
administrators on 4xx."""

from __future__ import annotations

import logging
import secrets
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select

from plugins.exchange import cap
from plugins.exchange.models import OUT, Message, Partner
from plugins.exchange.partners import shared_partners, signing_material
from schoolalert.plugin_api import (
    Alert,
    Conflict,
    Role,
    User,
    commit_item,
    content_key_exists,
    db,
    decrypt_content,
    destroy_content_key,
    encrypt_content,
    enqueue,
    export_alert,
    mail_users,
    new_content_key,
    record_audit,
    utcnow,
)

logger = logging.getLogger(__name__)

SHARE_TASK = "exchange.share"
CANCEL_TASK = "exchange.cancel"
DELIVER_TASK = "exchange.deliver"
REFUSED_MAIL = "exchange.refused"
TIMEOUT_SECONDS = 20
PENDING = {"pending", "retrying"}
CHAIN_TYPES = ("Alert", "Update")


class DeliveryFailed(Exception):
    """The partner was not reached or answered 5xx: the outbox tries again after a back-off."""


def post_document(url: str, document: bytes) -> int:
    """POST the signed document; the HTTP status, or DeliveryFailed for no answer."""
    request = urllib.request.Request(  # noqa: S310 (the operator's https inbox of a partner)
        url,
        data=document,
        method="POST",
        headers={"Content-Type": "application/cap+xml"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise DeliveryFailed(f"no answer: {type(error).__name__}") from None


# How documents leave; tests put a partner application in its place.
transport: Callable[[str, bytes], int] = post_document


def _identifier(sender: str, alert_id: int) -> str:
    return f"{sender}.{alert_id}.{secrets.token_hex(8)}"


def _store(
    partner: Partner,
    *,
    alert_id: int,
    msg_type: str,
    root_builder: Callable[[str, str, datetime], Any],
    sealed: bool,
    references: list[str] | None = None,
) -> Message:
    sender, key_pem, certificate = signing_material()
    now = utcnow().replace(microsecond=0)
    identifier = _identifier(sender, alert_id)
    root = root_builder(sender, identifier, now)
    signed = cap.sign(root, key_pem=key_pem, certificate_pem=certificate)
    message = Message(
        direction=OUT,
        partner_id=partner.id,
        msg_type=msg_type,
        status=root.findtext(f"{{{cap.NS}}}status"),  # the one the document says
        sender=sender,
        identifier=identifier,
        sent=cap.cap_time(now),
        references=" ".join(references or []),
        alert_id=alert_id,
        state="pending",
        attempts=0,
    )
    db.session.add(message)
    db.session.flush()
    if sealed:
        message.key_id = new_content_key("exchange")
        message.document = encrypt_content(message.key_id, signed, f"exchange:message:{message.id}")
    else:
        message.document = signed
    db.session.flush()
    enqueue(DELIVER_TASK, {"message_id": message.id})
    return message


def alert_is_exercise(alert_id: int) -> bool:
    alert = db.session.get(Alert, alert_id)
    return alert is not None and alert.exercise


def _withhold_exercise(alert_id: int, partners: list[Partner]) -> list[Partner]:
    """An exercise goes only to partners that accept exercises (now, not only when it was
    drafted); each one left out is audited."""
    for partner in partners:
        if not partner.accepts_exercises:
            record_audit(
                "exchange.exercise_withheld",
                object_type="exchange_partner",
                object_id=partner.id,
                alert_id=alert_id,
                details={"partner": partner.name},
            )
    return [partner for partner in partners if partner.accepts_exercises]


def share(alert_id: int) -> int:
    """Task after publication: one signed Alert per partner (status ``Actual``; an exercise
    ``Exercise``, to partners that accept exercises only); the number of documents."""
    partners = shared_partners(alert_id)
    if partners and alert_is_exercise(alert_id):
        partners = _withhold_exercise(alert_id, partners)
    if not partners:
        return 0
    try:
        content = export_alert(alert_id, purpose="exchange: " + ", ".join(p.name for p in partners))
    except Conflict:
        return 0  # closed meanwhile: nothing leaves
    status = cap.status_for(content.exercise)
    info = cap.Info(
        description=content.description,
        expires=content.expires_at,
        age_estimate=content.age_estimate,
        resources=[
            cap.Resource(image.kind, image.mime_type, image.data) for image in content.images
        ],
    )
    for partner in partners:
        if _chain(alert_id, partner.id):
            continue  # shared already (the task ran before)
        _store(
            partner,
            alert_id=alert_id,
            msg_type="Alert",
            root_builder=lambda sender, identifier, sent: cap.build(
                sender=sender,
                identifier=identifier,
                sent=sent,
                msg_type="Alert",
                status=status,
                info=info,
            ),
            sealed=True,
        )
    return len(partners)


def _chain(alert_id: int, partner_id: int) -> list[Message]:
    return list(
        db.session.scalars(
            select(Message)
            .where(
                Message.direction == OUT,
                Message.alert_id == alert_id,
                Message.partner_id == partner_id,
            )
            .order_by(Message.id)
        )
    )


def cancel(alert_id: int) -> int:
    """Task after closing: a Cancel to each partner that was sent anything of the alert,
    naming every earlier message, with the chain's status (an exercise's Cancel is
    ``Exercise``); what was still waiting is not sent any more."""
    count = 0
    for partner in shared_partners(alert_id):
        chain = _chain(alert_id, partner.id)
        if not chain or any(message.msg_type == "Cancel" for message in chain):
            continue
        for message in chain:
            if message.state in PENDING:
                message.state = "superseded"
        references = [message.triple for message in chain]
        status = chain[0].status
        _store(
            partner,
            alert_id=alert_id,
            msg_type="Cancel",
            root_builder=lambda sender, identifier, sent, refs=references, status=status: cap.build(
                sender=sender,
                identifier=identifier,
                sent=sent,
                msg_type="Cancel",
                status=status,
                references=refs,
            ),
            sealed=False,
            references=references,
        )
        count += 1
    return count


def deliver(message_id: int) -> None:
    """Task (``commits_per_item``): POST the stored bytes; each attempt is recorded."""
    message = db.session.get(Message, message_id, with_for_update=True)
    if message is None or message.state not in PENDING:
        return
    if message.document is None:
        message.state = "superseded"
        return
    document = (
        decrypt_content(message.key_id, message.document, f"exchange:message:{message.id}")
        if message.key_id
        else message.document
    )
    partner = message.partner
    message.attempts += 1
    try:
        status = transport(partner.inbox_url, document)
    except DeliveryFailed as error:
        _failed(message, str(error))
        raise
    now = utcnow()
    if 200 <= status < 300:
        message.state, message.delivered_at, message.last_error = "delivered", now, None
        partner.last_delivery_at, partner.last_error = now, None
        record_audit(
            "exchange.sent",
            object_type="exchange_message",
            object_id=message.id,
            alert_id=message.alert_id,
            details={"partner": partner.name, "type": message.msg_type, "status": status},
        )
        return
    if 400 <= status < 500:
        message.state = "refused"
        message.last_error = partner.last_error = f"HTTP {status}"
        record_audit(
            "exchange.refused_by_partner",
            object_type="exchange_message",
            object_id=message.id,
            alert_id=message.alert_id,
            details={"partner": partner.name, "type": message.msg_type, "status": status},
        )
        admins = db.session.scalars(
            select(User.id).where(User.role == Role.ADMIN, User.active.is_(True))
        ).all()
        mail_users(
            REFUSED_MAIL,
            list(admins),
            {"partner": partner.name, "status": status, "type": message.msg_type},
            key=f"{REFUSED_MAIL}:{message.id}",
        )
        return
    _failed(message, f"HTTP {status}")
    raise DeliveryFailed(f"HTTP {status}")


def _failed(message: Message, error: str) -> None:
    message.state = "retrying"
    message.last_error = message.partner.last_error = error
    logger.warning("delivery of exchange message %s failed: %s", message.id, error)
    commit_item()  # the attempt is recorded; raising then lets the outbox try again later


def purge_sent(alert_id: int) -> tuple[int, bool, list[tuple[str, bool]]] | None:
    """Destroy the stored documents of the alert that carry images; what was not sent yet is
    not sent any more. ``(destroyed, verified, [(partner, Cancel delivered)])`` or None."""
    messages = list(
        db.session.scalars(
            select(Message).where(Message.direction == OUT, Message.alert_id == alert_id)
        )
    )
    if not messages:
        return None
    for message in messages:
        if message.msg_type in CHAIN_TYPES and message.state in PENDING:
            message.state = "superseded"
        if message.key_id is not None:
            destroy_content_key(message.key_id)
            message.document = None
    destroyed = sum(1 for message in messages if message.key_id)
    db.session.flush()
    verified = all(
        message.document is None and not content_key_exists(message.key_id)
        for message in messages
        if message.key_id
    )
    confirmations: dict[str, bool] = {}
    for message in messages:
        name = message.partner.name
        confirmations.setdefault(name, False)
        if message.msg_type == "Cancel" and message.state == "delivered":
            confirmations[name] = True
    return destroyed, verified, sorted(confirmations.items())
