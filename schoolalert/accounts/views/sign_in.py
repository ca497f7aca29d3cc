"""Signing in with password and second factor (enrolling one at first), and signing out."""

from __future__ import annotations

import time

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from schoolalert.accounts import authentication, second_factor
from schoolalert.accounts.auth import is_signed_in, signed_in_user
from schoolalert.accounts.authentication import Channel
from schoolalert.accounts.forms import (
    CodeForm,
    SignInForm,
)
from schoolalert.accounts.models import User
from schoolalert.accounts.sessions import end_session
from schoolalert.accounts.views import bp
from schoolalert.accounts.web_session import current_session, start_session
from schoolalert.extensions import db, limiter
from schoolalert.limits import account_key, config_limit
from schoolalert.web.unit_of_work import keep_refusal
from schoolalert.web.views import safe_next_url

PENDING = "pending_sign_in"
NEW_KEY = "new_key"  # the enrolment POST that makes a (new) pending secret


def _account_key() -> str:
    """Throttle per account, whatever the spelling of its address or the client address."""
    return account_key("sign-in", request.form.get("email", ""))


def _pending_key() -> str:
    """Second-factor codes per account, across client addresses and pending sign-ins."""
    return f"second-factor:user:{session.get(PENDING, {}).get('user_id')}"


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(config_limit("LIMIT_SIGN_IN_ADDRESS"), methods=["POST"])
@limiter.limit(config_limit("LIMIT_SIGN_IN_ACCOUNT"), key_func=_account_key, methods=["POST"])
def sign_in() -> Response | str:
    if is_signed_in():
        return redirect(url_for("web.home"))
    form = SignInForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        email, password = form.email.data or "", form.password.data or ""
        user = authentication.check_password(email, password, Channel.WEB)
        if user is None:
            keep_refusal()  # the failed attempt's audit entry is kept
            flash(_("The e-mail address or password is not right."), "error")
            return render_template("accounts/sign_in.html", form=form), 401
        begin_pending_sign_in(user, safe_next_url(form.next.data))
        if second_factor.has_confirmed_factor(user):
            return redirect(url_for(".second_factor_code"))
        return redirect(url_for(".enrol"))
    return render_template("accounts/sign_in.html", form=form)


def begin_pending_sign_in(user: User, next_url: str | None = None) -> None:
    """The password is proven: a fresh session that still owes the second factor. A user
    without one gets a pending authenticator secret now, by this POST, so that the enrolment
    page's GET only shows it."""
    session.clear()
    session[PENDING] = {"user_id": user.id, "started": time.time(), "next": next_url}
    if not second_factor.has_confirmed_factor(user):
        _new_enrolment(user)


def _new_enrolment(user: User) -> None:
    """A fresh pending secret (dropping an earlier unconfirmed one), remembered by the session."""
    enrolment = second_factor.begin_totp_enrolment(user)
    session[PENDING] = {**session[PENDING], "authenticator_id": enrolment.authenticator_id}


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
    authentication.signed_in(user)
    return destination


@bp.route("/sign-in/code", methods=["GET", "POST"])
@limiter.limit(config_limit("LIMIT_SECOND_FACTOR"), key_func=_pending_key, methods=["POST"])
def second_factor_code() -> Response | str:
    user = _pending_user()
    if user is None:
        flash(_("Please sign in again."), "error")
        return redirect(url_for(".sign_in"))
    if not second_factor.has_confirmed_factor(user):
        return redirect(url_for(".enrol"))
    form = CodeForm()
    if form.validate_on_submit():
        if authentication.check_second_factor(user, form.code.data or "", Channel.WEB):
            return redirect(_complete_sign_in(user))
        keep_refusal()  # the failed attempt's audit entry and the failure count are kept
        if authentication.is_second_factor_locked(user):
            flash(
                _(
                    "Too many wrong codes: signing in with this account is locked. Your board "
                    "admin or an administrator can lift the lock."
                ),
                "error",
            )
        else:
            flash(_("This code is not right, or was used before."), "error")
        return render_template("accounts/code.html", form=form), 401
    return render_template("accounts/code.html", form=form)


@bp.route("/sign-in/enrol", methods=["GET", "POST"])
@limiter.limit(config_limit("LIMIT_SECOND_FACTOR"), key_func=_pending_key, methods=["POST"])
def enrol() -> Response | str:
    """First sign-in (or after a reset): set up TOTP, then receive the recovery codes.

    A GET only shows the pending secret that the password's POST made (or, when there is none,
    a button that makes one by POST): it writes nothing, and a refresh shows the same key. The
    codes are the answer to the confirming POST (never to a GET); sending it again once signed
    in (a refresh) leads to the page that offers new codes instead."""
    if is_signed_in():
        return redirect(url_for(".recovery_codes"))
    user = _pending_user()
    if user is None:
        flash(_("Please sign in again."), "error")
        return redirect(url_for(".sign_in"))
    if second_factor.has_confirmed_factor(user):
        return redirect(url_for(".second_factor_code"))
    if request.method == "POST" and NEW_KEY in request.form:
        _new_enrolment(user)  # the CSRF token is checked for every web form's POST
        return redirect(url_for(".enrol"))
    authenticator_id = session[PENDING].get("authenticator_id")
    enrolment = None
    if authenticator_id is not None:
        enrolment = second_factor.enrolment_for(user, authenticator_id)
    if enrolment is None:
        return render_template("accounts/enrol.html", form=None, enrolment=None, new_key=NEW_KEY)
    form = CodeForm()
    if form.validate_on_submit():
        codes = authentication.confirm_enrolment(
            user, enrolment.authenticator_id, form.code.data or ""
        )
        if codes is not None:
            destination = _complete_sign_in(user)
            return render_template(
                "accounts/recovery_codes.html", codes=codes, destination=destination
            )
        flash(_("This code is not right. Check the time on your phone and try again."), "error")
    return render_template("accounts/enrol.html", form=form, enrolment=enrolment, new_key=NEW_KEY)


@bp.post("/sign-out")
def sign_out() -> Response:
    row = current_session()
    if row is not None:
        end_session(row, "signed_out")
        authentication.signed_out(signed_in_user())
    session.clear()
    flash(_("You are signed out."), "success")
    return redirect(url_for(".sign_in"))
