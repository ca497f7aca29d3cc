"""The six roles of PRODUCT §2. Every user has exactly one."""

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    INVESTIGATOR = "investigator"
    PROSECUTOR = "prosecutor"
    BOARD_ADMIN = "board_admin"
    SCHOOL_STAFF = "school_staff"
    SUPPORT_WORKER = "support_worker"


POLICE_ROLES = frozenset({Role.ADMIN, Role.INVESTIGATOR, Role.PROSECUTOR})
