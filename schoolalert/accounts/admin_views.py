"""Administrators manage police, OM and support accounts: invite, deactivate, role, factor."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from schoolalert.accounts import services, tokens
from schoolalert.accounts.auth import signed_in_user
from schoolalert.accounts.forms import ROLE_LABELS, ConfirmForm, InviteForm, RoleForm
from schoolalert.accounts.roles import Role
from schoolalert.accounts.sessions import live_sessions
from schoolalert.errors import DomainError
from schoolalert.transaction import rollback
from schoolalert.web.views import safe_next_url

bp = Blueprint("admin_users", __name__, url_prefix="/admin/users", template_folder="templates")


@bp.get("")
def users() -> str:
    role_filter = request.args.get("role") or None
    if role_filter not in {None, *(role.value for role in Role)}:
        abort(400)
    query = request.args.get("q", "")[:100]
    return render_template(
        "accounts/admin_users.html",
        users=services.list_users(
            signed_in_user(), role=Role(role_filter) if role_filter else None, query=query
        ),
        role_labels=ROLE_LABELS,
        role_filter=role_filter,
        query=query,
    )


@bp.route("/invite", methods=["GET", "POST"])
def invite() -> Response | str:
    form = InviteForm()
    if form.validate_on_submit():
        try:
            services.invite_user(
                signed_in_user(),
                email=form.email.data or "",
                name=form.name.data or "",
                role=Role(form.role.data),
            )
        except DomainError as error:
            rollback()
            (getattr(form, error.field).errors if error.field else form.form_errors).append(
                error.message
            )
        else:
            flash(_("The invitation has been sent."), "success")
            return redirect(url_for(".users"))
    return render_template("accounts/admin_invite.html", form=form)


@bp.get("/<int:user_id>")
def user_detail(user_id: int) -> str:
    user = services.get_user(signed_in_user(), user_id)
    return render_template(
        "accounts/admin_user.html",
        user=user,
        role_labels=ROLE_LABELS,
        sessions=live_sessions(user),
        tokens=tokens.live_tokens(signed_in_user(), user.id),
        role_form=RoleForm(role=user.role.value),
        form=ConfirmForm(),
    )


@bp.post(
    '/<int:user_id>/<any(deactivate, reactivate, "reset-second-factor", "unlock-second-factor")'
    ":action>"
)
def user_action(user_id: int, action: str) -> Response | str:
    user = services.get_user(signed_in_user(), user_id)
    if action == "deactivate" and request.form.get("confirmed") != "yes":
        return render_template(
            "_confirm.html",
            heading=_("Deactivate this account?"),
            lead=_("The account stops working at once; its sessions and API tokens end."),
            facts=[
                (_("Name"), user.name),
                (_("E-mail address"), user.email),
                (_("Role"), ROLE_LABELS[user.role]),
            ],
            consequences=[_("You can reactivate the account later.")],
            action=url_for(".user_action", user_id=user.id, action="deactivate"),
            fields=[],
            button=_("Deactivate"),
            cancel=url_for(".user_detail", user_id=user.id),
        )
    operations = {
        "deactivate": (services.deactivate_user, _("The account is deactivated.")),
        "reactivate": (services.reactivate_user, _("The account is active again.")),
        "reset-second-factor": (
            services.reset_second_factor,
            _("The second factor is removed; the user sets up a new one at the next sign-in."),
        ),
        "unlock-second-factor": (
            services.unlock_second_factor,
            _("The sign-in lock is lifted."),
        ),
    }
    operation, message = operations[action]
    try:
        operation(signed_in_user(), user)
    except DomainError as error:
        rollback()
        flash(error.message, "error")
    else:
        flash(message, "success")
    return redirect(url_for(".user_detail", user_id=user.id))


@bp.post("/<int:user_id>/role")
def change_role(user_id: int) -> Response:
    user = services.get_user(signed_in_user(), user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.change_role(signed_in_user(), user, Role(form.role.data))
    except DomainError as error:
        rollback()
        flash(error.message, "error")
    else:
        flash(_("The role is changed."), "success")
    return redirect(url_for(".user_detail", user_id=user.id))


@bp.post("/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int) -> Response:
    tokens.revoke_token(signed_in_user(), token_id)
    flash(_("The token is revoked."), "success")
    return redirect(safe_next_url(request.form.get("back"), url_for(".users")))
