"""Web forms of the consent pages (CSRF comes with every FlaskForm)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length

from schoolalert.consent.models import TermsKind
from schoolalert.consent.terms import MAX_TEXT

TERMS_KIND_LABELS = {
    TermsKind.PARTICIPATION: _l("Participation terms (school boards)"),
    TermsKind.CONFIDENTIALITY: _l("Confidentiality statement (school staff)"),
}


class GrantForm(FlaskForm):
    """The board page: chosen locations (``schools``) or the whole board (``scope=all``)."""

    terms_version = IntegerField(validators=[DataRequired()])
    accept = BooleanField(
        _l("I have read the participation terms and accept them on behalf of the board."),
        validators=[DataRequired(message=_l("Tick this box to accept the terms."))],
    )


class WithdrawForm(FlaskForm):
    scope = HiddenField(validators=[DataRequired()])  # "all" or a location code


class ExerciseForm(FlaskForm):
    """Opt in to or out of exercises: ``scope`` is "all" (opt in only) or a location code."""

    scope = HiddenField(validators=[DataRequired()])


class StaffInviteForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    school = SelectField(_l("School location"), validators=[DataRequired()])


class BriefingForm(FlaskForm):
    terms_version = IntegerField(validators=[DataRequired()])
    read_briefing = BooleanField(
        _l("I have read the briefing."),
        validators=[DataRequired(message=_l("Tick this box once you have read the briefing."))],
    )
    accept = BooleanField(
        _l("I accept the confidentiality statement."),
        validators=[DataRequired(message=_l("Tick this box to accept the statement."))],
    )
    next = HiddenField()


class TermsForm(FlaskForm):
    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice(kind.value, label) for kind, label in TERMS_KIND_LABELS.items()],
    )
    text = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=MAX_TEXT)])
    requires_reacceptance = BooleanField(
        _l("Everyone must accept this version again (earlier acceptances stop counting)"),
        default=True,
    )
