"""Terms versions: publishing them, the current one per kind, and which are still valid."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from schoolalert.accounts.models import User
from schoolalert.accounts.roles import Role
from schoolalert.audit import services as audit
from schoolalert.consent.models import TermsKind, TermsVersion
from schoolalert.errors import Conflict, InvalidInput, PermissionDenied, Unresolvable
from schoolalert.extensions import db

MAX_TEXT = 50_000


def current_version(kind: TermsKind) -> TermsVersion | None:
    """The newest published version of ``kind``, or None before the first publication."""
    return db.session.scalar(
        select(TermsVersion)
        .where(TermsVersion.kind == kind)
        .order_by(TermsVersion.version.desc())
        .limit(1)
    )


def valid_version_ids(kind: TermsKind) -> Select[tuple[int]]:
    """Ids of the versions of ``kind`` whose acceptance still counts: the newest version that
    requires re-acceptance and every version after it (all versions when none requires it)."""
    newer = aliased(TermsVersion)
    floor = (
        select(func.coalesce(func.max(newer.version), 0))
        .where(newer.kind == kind, newer.requires_reacceptance.is_(True))
        .scalar_subquery()
    )
    return select(TermsVersion.id).where(TermsVersion.kind == kind, TermsVersion.version >= floor)


def is_valid(kind: TermsKind, terms_version_id: ColumnElement[int | None]) -> ColumnElement[bool]:
    return terms_version_id.in_(valid_version_ids(kind))


def require_current(kind: TermsKind, number: object) -> TermsVersion:
    """The current version when ``number`` names it; a clear error otherwise."""
    if isinstance(number, bool) or not isinstance(number, int):
        raise InvalidInput(
            str(_l("The terms version must be a whole number.")), field="terms_version"
        )
    current = current_version(kind)
    if current is None:
        raise Conflict(f"no {kind.value} terms have been published yet", field="terms_version")
    if number == current.version:
        return current
    if 0 < number < current.version:
        raise Conflict(
            f"{kind.value} terms version {number} is outdated; the current version is "
            f"{current.version}: read it and accept that one",
            field="terms_version",
        )
    raise Unresolvable(f"there is no {kind.value} terms version {number}", field="terms_version")


def publish(
    actor: User | None, kind: TermsKind, text: str, *, requires_reacceptance: bool
) -> TermsVersion:
    """Publish the next version of ``kind`` (administrators; ``None`` is the command line)."""
    if actor is not None and actor.role != Role.ADMIN:
        raise PermissionDenied("only administrators publish terms")
    kind = TermsKind(kind)
    text = text.strip().replace("\r\n", "\n")
    if not text or len(text) > MAX_TEXT:
        raise InvalidInput(f"a text of 1 to {MAX_TEXT} characters is needed", field="text")
    current = current_version(kind)
    version = TermsVersion(
        kind=kind,
        version=(current.version if current else 0) + 1,
        text=text,
        requires_reacceptance=requires_reacceptance,
        published_by_id=actor.id if actor else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(version)
    except IntegrityError:
        raise Conflict(
            str(_l("Another version was published at the same moment: reload and try again."))
        ) from None
    audit.record(
        "terms.published",
        actor=actor,
        object_type="terms_version",
        object_id=version.id,
        details={
            "kind": kind.value,
            "version": version.version,
            "requires_reacceptance": requires_reacceptance,
        },
    )
    return version


def all_versions() -> list[TermsVersion]:
    return list(
        db.session.scalars(
            select(TermsVersion).order_by(TermsVersion.kind, TermsVersion.version.desc())
        )
    )
