"""Choosing a password through a link: the password reset and the invitation."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from schoolalert.accounts import links, second_factor, services
from schoolalert.accounts.forms import (
    NewPasswordForm,
    ResetRequestForm,
)
from schoolalert.accounts.models import LinkPurpose
from schoolalert.accounts.passwords import PasswordRejected
from schoolalert.accounts.views import bp
from schoolalert.accounts.views.sign_in import begin_pending_sign_in
from schoolalert.errors import NotFound
from schoolalert.extensions import limiter
from schoolalert.limits import config_limit
from schoolalert.transaction import rollback


@bp.route("/password-reset", methods=["GET", "POST"])
@limiter.limit(config_limit("LIMIT_RESET"), methods=["POST"])
def password_reset_request() -> Response | str:
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data or "")
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
@limiter.limit(config_limit("LIMIT_RESET"), methods=["POST"])
def password_reset(token: str) -> Response | str:
    return _set_password_with_link(token, LinkPurpose.PASSWORD_RESET)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@limiter.limit(config_limit("LIMIT_RESET"), methods=["POST"])
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
            rollback()
            form.password.errors = [str(rejected.reason)]
        else:
            links.consume(link)
            begin_pending_sign_in(link.user)  # the link and the new password stand for both
            if second_factor.has_confirmed_factor(link.user):
                flash(_("Your password is set. Enter the code from your app."), "success")
                return redirect(url_for(".second_factor_code"))
            flash(_("Your password is set. Now set up your second factor."), "success")
            return redirect(url_for(".enrol"))
    return render_template(
        "accounts/set_password.html",
        form=form,
        user=link.user,
        purpose=purpose,
        expires_at=link.expires_at,
        board=links.inviting_board(link) if purpose == LinkPurpose.INVITATION else None,
    )
