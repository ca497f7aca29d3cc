"""The pages of one's own account: sessions, recovery codes, password."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from schoolalert.accounts import authentication, second_factor, services
from schoolalert.accounts.auth import signed_in_user
from schoolalert.accounts.forms import (
    ChangePasswordForm,
    ConfirmForm,
)
from schoolalert.accounts.passwords import PasswordRejected, verify_password
from schoolalert.accounts.sessions import end_all_sessions, end_session, live_sessions
from schoolalert.accounts.views import bp
from schoolalert.accounts.web_session import current_session
from schoolalert.transaction import rollback


@bp.get("/account")
def account() -> str:
    return render_template(
        "accounts/account.html",
        sessions=live_sessions(signed_in_user()),
        this_session=current_session(),
        recovery_codes_left=second_factor.remaining_recovery_codes(signed_in_user()),
        form=ConfirmForm(),
    )


@bp.post("/account/sessions/<int:session_id>/end")
def end_own_session(session_id: int) -> Response:
    row = next((row for row in live_sessions(signed_in_user()) if row.id == session_id), None)
    if row is None:
        abort(404)
    end_session(row, "ended_by_user")
    flash(_("The session has been ended."), "success")
    return redirect(url_for(".account"))


@bp.post("/account/sessions/end-all")
def end_all_own_sessions() -> Response:
    user = signed_in_user()
    end_all_sessions(user.id, "signed_out_everywhere")
    authentication.signed_out(user, everywhere=True)
    session.clear()
    flash(_("You are signed out everywhere."), "success")
    return redirect(url_for(".sign_in"))


@bp.get("/account/recovery-codes")
def recovery_codes() -> str:
    """Codes are shown once, by a POST; here only the way to new ones."""
    return render_template(
        "accounts/recovery_codes_shown.html",
        left=second_factor.remaining_recovery_codes(signed_in_user()),
        form=ConfirmForm(),
    )


@bp.post("/account/recovery-codes")
def regenerate_recovery_codes() -> str:
    codes = authentication.renew_recovery_codes(signed_in_user())
    return render_template(
        "accounts/recovery_codes.html", codes=codes, destination=url_for(".account")
    )


@bp.route("/account/password", methods=["GET", "POST"])
def change_password() -> Response | str:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not verify_password(signed_in_user().password_hash, form.current.data or ""):
            form.current.errors = [_("The current password is not right.")]
        else:
            try:
                services.set_password(signed_in_user(), form.password.data or "", reason="changed")
            except PasswordRejected as rejected:
                rollback()
                form.password.errors = [str(rejected.reason)]
            else:
                session.clear()
                flash(_("Your password is changed. Please sign in again."), "success")
                return redirect(url_for(".sign_in"))
    return render_template("accounts/password.html", form=form)
