"""Sign-in with password and second factor, and the pages of one's own account."""

from __future__ import annotations

import time
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from schoolalert.accounts import links, second_factor, services
from schoolalert.accounts.forms import (
    ChangePasswordForm,
    CodeForm,
    ConfirmForm,
    NewPasswordForm,
    ResetRequestForm,
    SignInForm,
)
from schoolalert.accounts.models import LinkPurpose, User
from schoolalert.accounts.passwords import PasswordRejected, verify_password
from schoolalert.accounts.sessions import (
    current_session,
    end_all_sessions,
    end_session,
    live_sessions,
    start_session,
)
from schoolalert.audit import services as audit
from schoolalert.errors import NotFound
from schoolalert.extensions import db, limiter
from schoolalert.transaction import commit
from schoolalert.web.views import safe_next_url

bp = Blueprint("accounts", __name__, template_folder="templates")

PENDING = "pending_sign_in"


def _config_limit(name: str) -> Any:
    return lambda: current_app.config[name]


def _account_key() -> str:
    """Throttle per account and address together: an attacker elsewhere cannot lock a user out."""
    return f"sign-in:{request.form.get('email', '').strip().lower()}:{request.remote_addr}"


def _pending_key() -> str:
    return f"second-factor:{session.get(PENDING, {}).get('user_id')}:{request.remote_addr}"


# -- sign-in ------------------------------------------------------------------------------------


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_config_limit("LIMIT_SIGN_IN_ADDRESS"), methods=["POST"])
@limiter.limit(_config_limit("LIMIT_SIGN_IN_ACCOUNT"), key_func=_account_key, methods=["POST"])
def sign_in() -> Response | str:
    if current_user.is_authenticated:
        return redirect(url_for("web.home"))
    form = SignInForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = services.check_credentials(form.email.data or "", form.password.data or "")
        if user is None:
            services.record_sign_in_failure(form.email.data or "", "password")
            commit()
            flash(_("The e-mail address or password is not right."), "error")
            return render_template("accounts/sign_in.html", form=form), 401
        session.clear()
        session[PENDING] = {
            "user_id": user.id,
            "started": time.time(),
            "next": safe_next_url(form.next.data),
        }
        commit()
        if second_factor.has_confirmed_factor(user):
            return redirect(url_for(".second_factor_code"))
        return redirect(url_for(".enrol"))
    return render_template("accounts/sign_in.html", form=form)


def _pending_user() -> User | None:
    """The user who gave the right password a moment ago and still owes the second factor."""
    pending = session.get(PENDING)
    if not pending:
        return None
    if time.time() - pending["started"] > current_app.config["SIGN_IN_PENDING_SECONDS"]:
        session.pop(PENDING, None)
        return None
    user = db.session.get(User, pending["user_id"])
    return user if user is not None and user.active else None


def _complete_sign_in(user: User) -> str:
    destination = session.get(PENDING, {}).get("next") or url_for("web.home")
    start_session(user)  # clears the pre-sign-in session: a new id, nothing carried over
    audit.record("sign_in.succeeded", actor=user, object_type="user", object_id=user.id)
    return destination


@bp.route("/sign-in/code", methods=["GET", "POST"])
@limiter.limit(_config_limit("LIMIT_SECOND_FACTOR"), key_func=_pending_key, methods=["POST"])
def second_factor_code() -> Response | str:
    user = _pending_user()
    if user is None:
        flash(_("Please sign in again."), "error")
        return redirect(url_for(".sign_in"))
    if not second_factor.has_confirmed_factor(user):
        return redirect(url_for(".enrol"))
    form = CodeForm()
    if form.validate_on_submit():
        code = form.code.data or ""
        if second_factor.verify_totp(user, code) or second_factor.use_recovery_code(user, code):
            destination = _complete_sign_in(user)
            commit()
            return redirect(destination)
        services.record_sign_in_failure(user.email, "second_factor")
        commit()
        flash(_("This code is not right, or was used before."), "error")
        return render_template("accounts/code.html", form=form), 401
    return render_template("accounts/code.html", form=form)


@bp.route("/sign-in/enrol", methods=["GET", "POST"])
@limiter.limit(_config_limit("LIMIT_SECOND_FACTOR"), key_func=_pending_key, methods=["POST"])
def enrol() -> Response | str:
    """First sign-in (or after a reset): set up TOTP, then receive the recovery codes."""
    user = _pending_user()
    if user is None:
        flash(_("Please sign in again."), "error")
        return redirect(url_for(".sign_in"))
    if second_factor.has_confirmed_factor(user):
        return redirect(url_for(".second_factor_code"))
    pending = session[PENDING]
    enrolment = None
    if "authenticator_id" in pending:
        enrolment = second_factor.enrolment_for(user, pending["authenticator_id"])
    if enrolment is None:
        enrolment = second_factor.begin_totp_enrolment(user)
        session[PENDING] = {**pending, "authenticator_id": enrolment.authenticator_id}
        commit()
    form = CodeForm()
    if form.validate_on_submit():
        if second_factor.confirm_totp_enrolment(
            user, enrolment.authenticator_id, form.code.data or ""
        ):
            codes = second_factor.new_recovery_codes(user)
            audit.record(
                "user.second_factor_enrolled",
                actor=user,
                object_type="user",
                object_id=user.id,
                details={"kind": "totp"},
            )
            destination = _complete_sign_in(user)
            commit()
            return render_template(
                "accounts/recovery_codes.html", codes=codes, destination=destination
            )
        flash(_("This code is not right. Check the time on your phone and try again."), "error")
    return render_template("accounts/enrol.html", form=form, enrolment=enrolment)


@bp.post("/sign-out")
def sign_out() -> Response:
    row = current_session()
    if row is not None:
        end_session(row, "signed_out")
        audit.record("sign_out", actor=current_user, object_type="user", object_id=current_user.id)
        commit()
    session.clear()
    flash(_("You are signed out."), "success")
    return redirect(url_for(".sign_in"))


# -- own account --------------------------------------------------------------------------------


@bp.get("/account")
def account() -> str:
    return render_template(
        "accounts/account.html",
        sessions=live_sessions(current_user),
        this_session=current_session(),
        recovery_codes_left=second_factor.remaining_recovery_codes(current_user),
        form=ConfirmForm(),
    )


@bp.post("/account/sessions/<int:session_id>/end")
def end_own_session(session_id: int) -> Response:
    row = next((row for row in live_sessions(current_user) if row.id == session_id), None)
    if row is None:
        abort(404)
    end_session(row, "ended_by_user")
    commit()
    flash(_("The session has been ended."), "success")
    return redirect(url_for(".account"))


@bp.post("/account/sessions/end-all")
def end_all_own_sessions() -> Response:
    end_all_sessions(current_user.id, "signed_out_everywhere")
    audit.record(
        "sign_out.everywhere", actor=current_user, object_type="user", object_id=current_user.id
    )
    commit()
    session.clear()
    flash(_("You are signed out everywhere."), "success")
    return redirect(url_for(".sign_in"))


@bp.post("/account/recovery-codes")
def regenerate_recovery_codes() -> str:
    codes = second_factor.new_recovery_codes(current_user)
    audit.record(
        "user.recovery_codes_renewed",
        actor=current_user,
        object_type="user",
        object_id=current_user.id,
    )
    commit()
    return render_template(
        "accounts/recovery_codes.html", codes=codes, destination=url_for(".account")
    )


@bp.route("/account/password", methods=["GET", "POST"])
def change_password() -> Response | str:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current.data or ""):
            form.current.errors = [_("The current password is not right.")]
        else:
            try:
                services.set_password(current_user, form.password.data or "", reason="changed")
            except PasswordRejected as rejected:
                form.password.errors = [str(rejected.reason)]
            else:
                commit()
                session.clear()
                flash(_("Your password is changed. Please sign in again."), "success")
                return redirect(url_for(".sign_in"))
    return render_template("accounts/password.html", form=form)


# -- links: password reset and invitations --------------------------------------------------------


@bp.route("/password-reset", methods=["GET", "POST"])
@limiter.limit(_config_limit("LIMIT_RESET"), methods=["POST"])
def password_reset_request() -> Response | str:
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data or "")
        commit()
        flash(
            _(
                "If an account exists for this address, a link to choose a new password is on its "
                "way. It works for one hour."
            ),
            "success",
        )
        return redirect(url_for(".sign_in"))
    return render_template("accounts/reset_request.html", form=form)


@bp.route("/password-reset/<token>", methods=["GET", "POST"])
@limiter.limit(_config_limit("LIMIT_RESET"), methods=["POST"])
def password_reset(token: str) -> Response | str:
    return _set_password_with_link(token, LinkPurpose.PASSWORD_RESET)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@limiter.limit(_config_limit("LIMIT_RESET"), methods=["POST"])
def invitation(token: str) -> Response | str:
    return _set_password_with_link(token, LinkPurpose.INVITATION)


def _set_password_with_link(token: str, purpose: LinkPurpose) -> Response | str:
    try:
        link = links.redeemable_link(token, purpose)
    except NotFound:
        return render_template("accounts/link_invalid.html"), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            services.set_password(link.user, form.password.data or "", reason=purpose.value)
        except PasswordRejected as rejected:
            form.password.errors = [str(rejected.reason)]
        else:
            links.consume(link)
            commit()
            session.clear()
            flash(_("Your password is set. Sign in with it and your second factor."), "success")
            return redirect(url_for(".sign_in"))
    return render_template("accounts/set_password.html", form=form, user=link.user, purpose=purpose)
