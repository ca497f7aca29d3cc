"""Human labels for the audit codes (``sign_in.succeeded`` → "Signed in"), in one place.

The audit trail stores codes, which stay stable; pages show these labels in the reader's
language. A code without a label (a plugin's own) is shown as it is.
"""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

AUDIT_LABELS: dict[str, LazyString] = {
    "agreement.accepted": _l("Confidentiality statement accepted"),
    "audit.chain_reanchored": _l("Audit chain re-anchored"),
    "alert.approved": _l("Alert approved and published"),
    "alert.closed": _l("Alert closed"),
    "alert.closed_by_partner": _l("Alert closed by a partner abroad"),
    "alert.created": _l("Alert created"),
    "alert.created_from_external": _l("Alert created from a partner's alert"),
    "alert.description_read": _l("Alert description read"),
    "alert.exported": _l("Alert handed to a plugin"),
    "alert.image_added": _l("Image added"),
    "alert.image_removed": _l("Image removed"),
    "alert.purge_checked": _l("Destruction checked"),
    "alert.purged": _l("Images destroyed"),
    "alert.rejected": _l("Alert sent back"),
    "alert.submitted": _l("Alert submitted for approval"),
    "alert.updated": _l("Alert changed"),
    "consent.exercises_opted_in": _l("Opted in to exercises"),
    "consent.exercises_opted_out": _l("Opted out of exercises"),
    "consent.granted": _l("Participation granted"),
    "consent.register_exported": _l("Participation register exported"),
    "consent.withdrawn": _l("Participation withdrawn"),
    "image.viewed": _l("Image viewed"),
    "plugin.disabled": _l("Plugin disabled"),
    "plugin.enabled": _l("Plugin enabled"),
    "plugin.settings_changed": _l("Plugin settings changed"),
    "response.recorded": _l("Answer recorded"),
    "responses.purged": _l("Answers destroyed after retention"),
    "responses.read": _l("Answers read"),
    "school.confirmed": _l("School confirmed the alert"),
    "schools.imported": _l("School register imported"),
    "sign_in.failed": _l("Sign-in failed"),
    "sign_in.succeeded": _l("Signed in"),
    "storage.orphans_removed": _l("Orphaned files removed"),
    "terms.published": _l("Terms published"),
    "token.issued": _l("API token issued"),
    "token.revoked": _l("API token revoked"),
    "user.created": _l("Account created"),
    "user.deactivated": _l("Account deactivated"),
    "user.invitation_resent": _l("Invitation sent again"),
    "user.invited_existing": _l("Existing account invited"),
    "user.password_reset_requested": _l("Password reset requested"),
    "user.password_set": _l("Password set"),
    "user.reactivated": _l("Account reactivated"),
    "user.recovery_codes_renewed": _l("Recovery codes renewed"),
    "user.role_changed": _l("Role changed"),
    "user.second_factor_enrolled": _l("Second factor set up"),
    "user.second_factor_locked": _l("Second factor locked"),
    "user.second_factor_reset": _l("Second factor reset"),
    "user.second_factor_unlocked": _l("Second factor unlocked"),
}


def audit_label(code: str) -> str:
    """The label of ``code`` in the current language, or the code itself."""
    label = AUDIT_LABELS.get(code)
    return str(label) if label is not None else code
