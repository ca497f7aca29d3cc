"""Documents a partner signs by hand (an Update, a Cancel that overtakes its Alert, an
exercise), documents signed with a key nobody pinned, and looking into what was stored."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from lxml import etree

from plugins.exchange import cap, keys, partners
from plugins.exchange.models import Message
from schoolalert.database import utcnow
from schoolalert.extensions import db
from schoolalert.plugin_api import decrypt_content
from schoolalert.tasks.models import OutboxMessage
from schoolalert.tasks.sweeper import sweep
from tests.exchange.conftest import Instance


def info(description: str = "Junge, etwa acht Jahre, rote Jacke.", images: int = 1) -> cap.Info:
    from schoolalert.demo.drawings import face

    return cap.Info(
        description=description,
        expires=utcnow() + timedelta(days=5),
        age_estimate="8",
        resources=[cap.Resource("face", "image/png", face(seed=40 + n)) for n in range(images)],
        language="de-DE",
    )


def signed_by(
    instance: Instance,
    msg_type: str = "Alert",
    *,
    info: cap.Info | None = None,
    references: list[str] | None = None,
    status: str = "Actual",
    key: tuple[bytes, bytes] | None = None,
    sender: str | None = None,
) -> tuple[bytes, str]:
    """A document signed with the instance's own key (or ``key``): ``(bytes, triple)``."""
    with instance.app.app_context():
        own_sender, key_pem, certificate = partners.signing_material()
    if key is not None:
        key_pem, certificate = key
    sender = sender or own_sender
    sent = utcnow().replace(microsecond=0)
    identifier = f"{sender}.{secrets.token_hex(6)}"
    root = cap.build(
        sender=sender,
        identifier=identifier,
        sent=sent,
        msg_type=msg_type,
        status="Actual",
        references=references,
        info=info,
    )
    if status != "Actual":
        root.find(f"{{{cap.NS}}}status").text = status  # any status, also one we never send
    data = cap.sign(root, key_pem=key_pem, certificate_pem=certificate)
    return data, f"{sender},{identifier},{cap.cap_time(sent)}"


def foreign_key(sender: str) -> tuple[bytes, bytes]:
    return keys.new_identity(sender)


def post(instance: Instance, data: bytes, content_type: str = "application/cap+xml"):
    return instance.app.test_client().post(
        "/api/v1/exchange/inbox", data=data, content_type=content_type
    )


def stored_document(instance: Instance, message: Message) -> bytes | None:
    with instance.app.app_context():
        row = db.session.get(Message, message.id)
        if row.document is None:
            return None
        if row.key_id is None:
            return row.document
        return decrypt_content(row.key_id, row.document, f"exchange:message:{row.id}")


def retries_due(instance: Instance, run_jobs: Any = None) -> None:
    """As if every back-off has passed: the sweep hands the due work to the back end."""
    with instance.app.app_context():
        db.session.execute(db.update(OutboxMessage).values(available_at=utcnow()))
        db.session.commit()
        sweep()
        db.session.commit()
    if run_jobs is not None:
        run_jobs()


def element_text(data: bytes, path: str) -> list[str]:
    tree = etree.fromstring(data)
    return [node.text for node in tree.iterfind(path, namespaces={"c": cap.NS})]
