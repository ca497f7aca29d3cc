"""The six roles of PRODUCT §2 (every user has exactly one) and the role sets the rules use.

Each set is defined here once: the permission table (who may call an endpoint) and the services
(who may do a thing to an object) both read them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from schoolalert.errors import PermissionDenied


class Role(StrEnum):
    ADMIN = "admin"
    INVESTIGATOR = "investigator"
    PROSECUTOR = "prosecutor"
    BOARD_ADMIN = "board_admin"
    SCHOOL_STAFF = "school_staff"
    SUPPORT_WORKER = "support_worker"


#: Investigators and prosecutors: they read alerts (prosecutors never someone's unsent draft).
POLICE = frozenset({Role.INVESTIGATOR, Role.PROSECUTOR})
#: Accounts that must sign in with the stricter session and token limits of the police side.
POLICE_ROLES = frozenset({Role.ADMIN, Role.INVESTIGATOR, Role.PROSECUTOR})
#: Who reads the purge record of a closed alert.
PURGE_READERS = frozenset({Role.INVESTIGATOR, Role.PROSECUTOR, Role.ADMIN})
#: Who reads the audit trail.
AUDIT_READERS = frozenset({Role.ADMIN, Role.PROSECUTOR})
#: Who reads the evaluation of the programme (counts only, no personal data).
EVALUATION_READERS = frozenset({Role.ADMIN, Role.PROSECUTOR})
#: Who reads a board's participation, register and staff.
BOARD_READERS = frozenset({Role.ADMIN, Role.BOARD_ADMIN})
#: Who searches the school registry.
SCHOOL_READERS = frozenset({Role.ADMIN, Role.INVESTIGATOR, Role.BOARD_ADMIN})


class HasRole(Protocol):
    """Anyone with a role: a :class:`~schoolalert.accounts.models.User`."""

    role: Role


def require_role(actor: HasRole, *roles: Role) -> None:
    """PermissionDenied unless ``actor`` has one of ``roles``."""
    if actor.role not in roles:
        raise PermissionDenied("your role may not do this")
