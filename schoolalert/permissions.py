"""Who may call which endpoint: one table for the whole application, deny by default.

Every endpoint (web and API) is listed in :data:`CORE_PERMISSIONS` or contributed by a plugin
with its blueprint. An endpoint missing from the table answers 404 for everybody, and a test walks
``app.url_map`` so a missing entry fails the suite. Object-level rules (a board admin acts only
for their board, staff only for their school) live in the services.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from schoolalert.accounts import roles as role_sets
from schoolalert.accounts.roles import Role

PUBLIC = frozenset({"public"})


def _names(roles: Collection[Role]) -> frozenset[str]:
    return frozenset(role.value for role in roles)


# The role sets of the rules (accounts/roles.py), as the role names this table holds.
EVERY_ROLE = _names(Role)
ADMIN = _names({Role.ADMIN})
INVESTIGATOR = _names({Role.INVESTIGATOR})
PROSECUTOR = _names({Role.PROSECUTOR})
POLICE = _names(role_sets.POLICE)
STAFF = _names({Role.SCHOOL_STAFF})
PURGE_READERS = _names(role_sets.PURGE_READERS)
AUDIT_READERS = _names(role_sets.AUDIT_READERS)
EVALUATION_READERS = _names(role_sets.EVALUATION_READERS)
BOARD_ADMIN = _names({Role.BOARD_ADMIN})
BOARD_READERS = _names(role_sets.BOARD_READERS)
SCHOOL_READERS = _names(role_sets.SCHOOL_READERS)

CORE_PERMISSIONS: dict[str, frozenset[str]] = {
    "static": PUBLIC,
    "web.home": PUBLIC,
    "web.set_language": PUBLIC,
    "health.healthz": PUBLIC,
    "health.readyz": PUBLIC,
    # Sign-in steps check the half-finished sign-in themselves.
    "accounts.sign_in": PUBLIC,
    "accounts.second_factor_code": PUBLIC,
    "accounts.enrol": PUBLIC,
    "accounts.password_reset_request": PUBLIC,
    "accounts.password_reset": PUBLIC,
    "accounts.invitation": PUBLIC,
    "accounts.sign_out": EVERY_ROLE,
    "accounts.account": EVERY_ROLE,
    "accounts.end_own_session": EVERY_ROLE,
    "accounts.end_all_own_sessions": EVERY_ROLE,
    "accounts.regenerate_recovery_codes": EVERY_ROLE,
    "accounts.recovery_codes": EVERY_ROLE,
    "accounts.change_password": EVERY_ROLE,
    "admin_users.users": ADMIN,
    "admin_users.invite": ADMIN,
    "admin_users.user_detail": ADMIN,
    "admin_users.user_action": ADMIN,
    "admin_users.change_role": ADMIN,
    "admin_users.revoke_token": ADMIN,
    "plugin_admin.plugins": ADMIN,
    "plugin_admin.toggle_plugin": ADMIN,
    "delivery_admin.delivery": ADMIN,
    "audit.trail": AUDIT_READERS,
    # Consent: services check that a board admin acts only for their own board.
    "consent.my_board": BOARD_ADMIN,
    "consent.board": BOARD_READERS,
    "consent.grant": BOARD_ADMIN,
    "consent.withdraw": BOARD_ADMIN,
    "consent.opt_in_exercises": BOARD_ADMIN,
    "consent.opt_out_exercises": BOARD_ADMIN,
    "consent.register": BOARD_READERS,
    "consent.register_csv": BOARD_READERS,
    "consent.staff_page": BOARD_READERS,
    "consent.invite_staff": BOARD_ADMIN,
    "consent.deactivate_staff": BOARD_ADMIN,
    "consent.resend_invitation": BOARD_ADMIN,
    "consent.unlock_staff": BOARD_ADMIN,
    "consent.briefing": STAFF,
    "consent_admin.terms_page": ADMIN,
    "consent_admin.register": ADMIN,
    "consent_admin.register_csv": ADMIN,
    "schools.registry_page": ADMIN,
    "schools.imports": ADMIN,
    "schools.import_run": ADMIN,
    "alerts.dashboard": POLICE,
    "alerts.new_draft": INVESTIGATOR,
    "alerts.edit_draft": INVESTIGATOR,
    "alerts.preview": INVESTIGATOR,
    "alerts.alert": POLICE,
    "alerts.image": POLICE,
    "alerts.upload_image": INVESTIGATOR,
    "alerts.remove_image": INVESTIGATOR,
    "alerts.submit": INVESTIGATOR,
    "alerts.approve": PROSECUTOR,
    "alerts.reject": PROSECUTOR,
    "alerts.responses_page": INVESTIGATOR,
    "alerts.close": INVESTIGATOR,
    "alerts.purge_record": PURGE_READERS,
    "alerts.evaluation_page": EVALUATION_READERS,
    "alerts.evaluation_csv": EVALUATION_READERS,
    "portal.alerts": STAFF,
    "portal.alert": STAFF,
    "portal.image": STAFF,
    "portal.respond": STAFF,
    "portal.answered": STAFF,
    "portal.confirm": STAFF,
    "api.openapi": PUBLIC,
    "api.accounts.issue_token": PUBLIC,
    "api.accounts.list_tokens": ADMIN,
    "api.accounts.revoke_token": ADMIN,
    "api.audit.list_audit": AUDIT_READERS,
    "api.alerts.list_alerts": POLICE,
    "api.alerts.create_alert": INVESTIGATOR,
    "api.alerts.update_alert": INVESTIGATOR,
    "api.alerts.get_alert": POLICE,
    "api.alerts.upload_image": INVESTIGATOR,
    "api.alerts.delete_image": INVESTIGATOR,
    "api.alerts.police_image": POLICE,
    "api.alerts.submit_alert": INVESTIGATOR,
    "api.alerts.approve_alert": PROSECUTOR,
    "api.alerts.reject_alert": PROSECUTOR,
    "api.alerts.close_alert": INVESTIGATOR,
    "api.alerts.list_responses": INVESTIGATOR,
    "api.alerts.get_purge_record": PURGE_READERS,
    "api.alerts.alert_schools": POLICE,
    "api.alerts.preview_targeting": POLICE,
    "api.me.my_alerts": STAFF,
    "api.me.my_alert": STAFF,
    "api.me.staff_image": STAFF,
    "api.me.my_response": STAFF,
    "api.me.school_confirmation": STAFF,
    "api.consent.current_terms": PUBLIC,
    "api.consent.participation": BOARD_READERS,
    "api.consent.grant": BOARD_ADMIN,
    "api.consent.withdraw_board": BOARD_ADMIN,
    "api.consent.withdraw_school": BOARD_ADMIN,
    "api.consent.exercise_state": BOARD_READERS,
    "api.consent.opt_in_exercises": BOARD_ADMIN,
    "api.consent.opt_out_exercises": BOARD_ADMIN,
    "api.consent.invite_staff": BOARD_ADMIN,
    "api.consent.accept_agreement": STAFF,
    "api.schools.list_schools": SCHOOL_READERS,
    "api.plugins.list_plugins": ADMIN,
    "api.plugins.enable_plugin": ADMIN,
    "api.plugins.disable_plugin": ADMIN,
}


class PermissionTable:
    def __init__(self, entries: Mapping[str, Collection[str]]) -> None:
        self._entries: dict[str, frozenset[str]] = {}
        for endpoint, roles in entries.items():
            self.add(endpoint, roles)

    def add(self, endpoint: str, roles: Collection[str]) -> None:
        allowed = frozenset(roles)
        unknown = allowed - EVERY_ROLE - PUBLIC
        if unknown or not allowed:
            raise ValueError(f"bad roles for {endpoint}: {sorted(unknown) or 'none'}")
        if endpoint in self._entries:
            raise ValueError(f"permissions for {endpoint} are given twice")
        self._entries[endpoint] = allowed

    def allowed(self, endpoint: str) -> frozenset[str] | None:
        return self._entries.get(endpoint)

    def endpoints(self) -> frozenset[str]:
        return frozenset(self._entries)


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def enforce_permissions() -> Response | None:
    """``before_request``: refuse before any view code runs."""
    endpoint = request.endpoint
    if endpoint is None:
        return None  # no route: the 404/405 handlers answer
    allowed = current_app.extensions["schoolalert.permissions"].allowed(endpoint)
    if allowed is None:
        current_app.logger.error("endpoint %s has no entry in the permission table", endpoint)
        abort(404)
    if allowed == PUBLIC:
        return None
    if not current_user.is_authenticated:
        if is_api_request() or current_app.login_manager.login_view is None:
            abort(401)
        return redirect(url_for(current_app.login_manager.login_view, next=request.full_path))
    if current_user.role.value not in allowed:
        abort(403)
    return None


def init_app(app: Flask, table: PermissionTable) -> None:
    app.extensions["schoolalert.permissions"] = table
    app.before_request(enforce_permissions)
