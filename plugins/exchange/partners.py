"""This instance's identity, the partners with their pinned certificates, and the draft part
``share_with``."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select

from plugins.exchange import keys
from plugins.exchange.models import Identity, Partner, Share
from schoolalert.plugin_api import (
    Conflict,
    InvalidInput,
    NotFound,
    db,
    record_audit,
    seal_secret,
    unseal_secret,
)

KEY_PURPOSE = "exchange.signing_key"
KEY_PLACE = "exchange:identity"
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
# CAP: a sender has no spaces, commas or restricted characters (< and &).
SENDER = re.compile(r"^[^\s,<&]{1,200}$")


def configured_sender() -> str:
    """``SCHOOLALERT_EXCHANGE_SENDER``, else the host of ``SCHOOLALERT_BASE_URL``."""
    config = current_app.config
    return config.get("EXCHANGE_SENDER") or urlsplit(config["BASE_URL"]).hostname or "schoolalert"


def identity() -> Identity | None:
    return db.session.scalar(select(Identity).order_by(Identity.id))


def ensure_identity() -> tuple[Identity, bool]:
    """The signing identity, created when missing: ``(identity, created)``."""
    existing = identity()
    if existing is not None:
        return existing, False
    sender = configured_sender()
    if not SENDER.match(sender):
        raise InvalidInput(f"the sender {sender!r} has spaces, commas, < or &", field="sender")
    key_pem, certificate = keys.new_identity(sender)
    created = Identity(
        sender=sender,
        certificate=certificate.decode("ascii"),
        key_sealed=seal_secret(KEY_PURPOSE, key_pem.decode("ascii"), KEY_PLACE),
    )
    db.session.add(created)
    db.session.flush()
    record_audit(
        "exchange.identity_created",
        object_type="exchange_identity",
        object_id=created.id,
        details={"sender": sender, "fingerprint": keys.fingerprint(created.certificate)},
    )
    return created, True


def signing_material() -> tuple[str, bytes, bytes]:
    """``(sender, key PEM, certificate PEM)``; Conflict before ``schoolalert exchange
    identity`` ran."""
    current = identity()
    if current is None:
        raise Conflict(
            "this instance has no exchange identity: run `schoolalert exchange identity`"
        )
    key_pem = unseal_secret(KEY_PURPOSE, current.key_sealed, KEY_PLACE).encode("ascii")
    return current.sender, key_pem, current.certificate.encode("ascii")


def add_partner(
    *, name: str, sender: str, inbox_url: str, certificate: str, accepts_exercises: bool = False
) -> Partner:
    """Register a partner and pin its certificate (one per sender); exercises are shared with
    it only with ``accepts_exercises``."""
    if not NAME.match(name):
        raise InvalidInput("a partner name is letters, digits, '.', '_' or '-'", field="name")
    if not SENDER.match(sender):
        raise InvalidInput("a CAP sender has no spaces, commas, < or &", field="sender")
    url = urlsplit(inbox_url)
    if url.scheme not in {"https", "http"} or not url.hostname:
        raise InvalidInput("the inbox is an https:// URL", field="inbox")
    try:
        keys.load_certificate(certificate.encode("ascii"))
    except ValueError:
        raise InvalidInput("not a PEM certificate", field="certificate") from None
    taken = db.session.scalar(
        select(Partner.id).where((Partner.name == name) | (Partner.sender == sender))
    )
    if taken is not None:
        raise Conflict(f"a partner named {name!r} or with the sender {sender!r} exists")
    partner = Partner(
        name=name,
        sender=sender,
        inbox_url=inbox_url,
        certificate=certificate,
        accepts_exercises=accepts_exercises,
    )
    db.session.add(partner)
    db.session.flush()
    record_audit(
        "exchange.partner_added",
        object_type="exchange_partner",
        object_id=partner.id,
        details={
            "name": name,
            "sender": sender,
            "inbox": inbox_url,
            "fingerprint": keys.fingerprint(certificate),
            "accepts_exercises": accepts_exercises,
        },
    )
    return partner


def set_accepts_exercises(name: str, accepts: bool) -> tuple[Partner, bool]:
    """Whether exercises may be shared with the partner: ``(partner, changed)``. Switching it
    off does not call back what was sent: the Cancel of an exercise still goes to it."""
    partner = db.session.scalar(select(Partner).where(Partner.name == name))
    if partner is None:
        raise NotFound(f"no partner named {name!r}")
    if partner.accepts_exercises == accepts:
        return partner, False
    partner.accepts_exercises = accepts
    db.session.flush()
    record_audit(
        "exchange.partner_changed",
        object_type="exchange_partner",
        object_id=partner.id,
        details={"name": name, "accepts_exercises": accepts},
    )
    return partner, True


def partners() -> list[Partner]:
    return list(db.session.scalars(select(Partner).order_by(Partner.name)))


def partner_by_sender(sender: str) -> Partner | None:
    return db.session.scalar(select(Partner).where(Partner.sender == sender))


# -- the draft part share_with ----------------------------------------------------------------


def parse_share_with(raw: Any) -> list[str] | None:
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise ValueError(_("Give the partners as a list of names."))
    names = sorted(set(raw))
    known = set(db.session.scalars(select(Partner.name).where(Partner.name.in_(names))))
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(_("Unknown partner: %(names)s.", names=", ".join(unknown)))
    return names or None


def check_exercise_share(names: list[str]) -> None:
    """On an exercise alert: ValueError naming the partners that do not accept exercises."""
    refusing = sorted(
        db.session.scalars(
            select(Partner.name).where(
                Partner.name.in_(names), Partner.accepts_exercises.is_(False)
            )
        )
    )
    if refusing:
        raise ValueError(
            _(
                "An exercise can be shared only with partners that accept exercises. "
                "Not accepting exercises: %(names)s.",
                names=", ".join(refusing),
            )
        )


def share_with_schema() -> dict[str, Any]:
    """Names of registered partners (none registered: only the empty list); the description
    names those an exercise may be shared with."""
    registered = list(db.session.scalars(select(Partner).order_by(Partner.name)))
    if not registered:
        return {"type": "array", "maxItems": 0}
    exercising = [partner.name for partner in registered if partner.accepts_exercises]
    return {
        "type": "array",
        "items": {"enum": [partner.name for partner in registered]},
        "description": "Partners abroad the approved alert is sent to. An exercise alert "
        "(exercise: true) may name only partners that accept exercises ("
        + (", ".join(exercising) or "none")
        + "); another is refused (422 unresolvable).",
    }


def share_with_from_form(form: Any) -> list[str] | None:
    """The names typed in the draft form (commas, spaces or lines), or None."""
    names = [name for name in re.split(r"[\s,;]+", form.get("exchange_share_with") or "") if name]
    return names or None


def save_share_with(alert_id: int, names: list[str] | None) -> None:
    db.session.execute(delete(Share).where(Share.alert_id == alert_id))
    if names:
        ids = db.session.scalars(select(Partner.id).where(Partner.name.in_(names)))
        db.session.add_all(Share(alert_id=alert_id, partner_id=partner_id) for partner_id in ids)
    db.session.flush()


def load_share_with(alert_id: int) -> list[str] | None:
    names = list(
        db.session.scalars(
            select(Partner.name)
            .join(Share, Share.partner_id == Partner.id)
            .where(Share.alert_id == alert_id)
            .order_by(Partner.name)
        )
    )
    return names or None


def shared_partners(alert_id: int) -> list[Partner]:
    return list(
        db.session.scalars(
            select(Partner)
            .join(Share, Share.partner_id == Partner.id)
            .where(Share.alert_id == alert_id)
            .order_by(Partner.name)
        )
    )
