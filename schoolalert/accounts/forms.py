"""Web forms of sign-in and account management (CSRF comes with every FlaskForm)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from schoolalert.accounts.passwords import MAX_LENGTH
from schoolalert.accounts.roles import Role
from schoolalert.accounts.services import ADMIN_INVITES

ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.INVESTIGATOR: _l("Investigator"),
    Role.PROSECUTOR: _l("Public prosecutor"),
    Role.BOARD_ADMIN: _l("School board contact"),
    Role.SCHOOL_STAFF: _l("School staff"),
    Role.SUPPORT_WORKER: _l("Support worker"),
}


class SignInForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_LENGTH)])
    next = HiddenField()


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=20)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True},
    )


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])


def _invitable_roles() -> list[SelectChoice]:
    return [SelectChoice(role.value, ROLE_LABELS[role]) for role in Role if role in ADMIN_INVITES]


class InviteForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(_l("Role"), choices=_invitable_roles)


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=_invitable_roles)


class ConfirmForm(FlaskForm):
    """A button-only form: the CSRF token is its only field."""
