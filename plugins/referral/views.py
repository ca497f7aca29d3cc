"""The plugin's pages under ``/plugins/referral/``: asking for support (staff), the work queue
(support workers), organisations, workers and evaluation counts (administrators)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, Optional

from plugins.referral import services
from plugins.referral.models import OrganisationKind, State, Urgency
from plugins.referral.settings import CONSENT_VERSION
from schoolalert.plugin_api import (
    Conflict,
    InvalidInput,
    Role,
    received_alert,
    rollback,
    signed_in_user,
)

blueprint = Blueprint("referral", __name__, template_folder="templates")

STAFF = {Role.SCHOOL_STAFF.value}
WORKERS = {Role.SUPPORT_WORKER.value}
ADMIN = {Role.ADMIN.value}
PERMISSIONS = {
    "support": STAFF,
    "queue": WORKERS | ADMIN,
    "referral": WORKERS | ADMIN,
    "step": WORKERS,
    "organisations": ADMIN,
    "organisation": ADMIN,
    "organisation_active": ADMIN,
    "add_worker": ADMIN,
    "remove_worker": ADMIN,
    "statistics": ADMIN,
}

CONSENT_TEXT = _l(
    "I agree that Schoolalert gives this phone number to the support organisation so that they "
    "can call me back. It is erased when my request has been closed for a while."
)
KIND_LABELS = {
    OrganisationKind.VICTIM_SUPPORT.value: _l("Victim support"),
    OrganisationKind.SCHOOL_SUPPORT.value: _l("School support"),
    OrganisationKind.COUNSELLING.value: _l("Counselling"),
}
STATE_LABELS = {
    State.REQUESTED.value: _l("Requested"),
    State.ACCEPTED.value: _l("Accepted"),
    State.IN_PROGRESS.value: _l("In progress"),
    State.CLOSED.value: _l("Closed"),
}
OUTCOME_LABELS = {
    "supported": _l("Supported"),
    "referred_on": _l("Referred on"),
    "no_contact": _l("No contact"),
    "declined": _l("Declined"),
}


class SupportForm(FlaskForm):
    urgency = RadioField(
        _l("How soon do you need support?"),
        choices=[
            SelectChoice(Urgency.NORMAL.value, _l("Normal: I would like to talk to someone")),
            SelectChoice(Urgency.URGENT.value, _l("Urgent: I need help now")),
        ],
        default=Urgency.NORMAL.value,
        validators=[InputRequired()],
    )
    phone = StringField(
        _l("Phone number (optional)"),
        validators=[Optional()],
        render_kw={"type": "tel", "autocomplete": "off"},
    )
    share_contact = BooleanField(CONSENT_TEXT)


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired()])
    kind = SelectField(
        _l("Kind"), choices=[SelectChoice(value, label) for value, label in KIND_LABELS.items()]
    )
    regions = StringField(_l("Police units served (RE01 to RE10, comma-separated)"))
    email = StringField(_l("Contact e-mail address"), validators=[InputRequired()])
    phone = StringField(_l("Phone"))
    address = StringField(_l("Address"))
    opening_hours = StringField(_l("Opening hours"))
    first_contact_hours = IntegerField(
        _l("First contact within (hours)"), default=24, validators=[InputRequired()]
    )

    def to_input(self) -> services.OrganisationInput:
        return services.OrganisationInput(
            name=self.name.data or "",
            kind=self.kind.data or "",
            regions=(self.regions.data or "").split(","),
            email=self.email.data or "",
            phone=self.phone.data or "",
            address=self.address.data or "",
            opening_hours=self.opening_hours.data or "",
            first_contact_hours=self.first_contact_hours.data or 0,
        )


class WorkerForm(FlaskForm):
    email = StringField(_l("E-mail address of the support worker"), validators=[InputRequired()])


class StepForm(FlaskForm):
    outcome = SelectField(
        _l("Outcome"),
        choices=[
            SelectChoice("", "—"),
            *(SelectChoice(value, label) for value, label in OUTCOME_LABELS.items()),
        ],
        validate_choice=False,
    )


class ButtonForm(FlaskForm):
    """A button that only carries the CSRF token."""


def _place(form: FlaskForm, error: InvalidInput) -> None:
    target = getattr(form, error.field or "", None)
    if target is not None:
        target.errors = [*target.errors, error.message]
    else:
        flash(error.message, "error")


# -- staff ----------------------------------------------------------------------------------------


@blueprint.route("/alerts/<int:alert_id>/support", methods=["GET", "POST"])
def support(alert_id: int) -> Response | tuple[str, int] | str:
    user = signed_in_user()
    alert = received_alert(user, alert_id)
    form = SupportForm()
    status = 200
    if form.is_submitted():
        if not form.validate():
            status = 422
        else:
            try:
                referral = services.request_support(
                    user,
                    alert.id,
                    urgency=form.urgency.data or "",
                    phone=form.phone.data,
                    share_contact=bool(form.share_contact.data),
                )
            except services.NoOrganisation as refusal:
                # The administrators' notice stays: the request commits this refusal.
                return render_template(
                    "referral/support.html",
                    alert=alert,
                    form=form,
                    refusal=refusal.message,
                    crisis_lines=services.crisis_lines(),
                    requests=services.own_requests(user, alert.id),
                    state_labels=STATE_LABELS,
                    consent_version=CONSENT_VERSION,
                ), 200
            except InvalidInput as error:
                rollback()
                _place(form, error)
                status = 422
            except Conflict as refusal:
                rollback()
                flash(refusal.message, "error")
                return redirect(url_for(".support", alert_id=alert.id))
            else:
                flash(_("Your request for support has been sent."), "success")
                return render_template(
                    "referral/support_sent.html",
                    alert=alert,
                    referral=referral,
                    organisation=services.get_organisation(referral.organisation_id),
                    urgent=referral.urgency == Urgency.URGENT.value,
                    crisis_lines=services.crisis_lines(),
                )
    return render_template(
        "referral/support.html",
        alert=alert,
        form=form,
        refusal=None,
        crisis_lines=services.crisis_lines(),
        requests=services.own_requests(user, alert.id),
        state_labels=STATE_LABELS,
        consent_version=CONSENT_VERSION,
    ), status


# -- support workers ------------------------------------------------------------------------------


@blueprint.get("/queue")
def queue() -> str:
    user = signed_in_user()
    referrals = services.queue(user, include_closed=True)
    return render_template(
        "referral/queue.html",
        referrals=referrals,
        organisation=services.organisation_of(user),
        state_labels=STATE_LABELS,
        is_admin=user.role == Role.ADMIN,
    )


@blueprint.get("/referrals/<int:referral_id>")
def referral(referral_id: int) -> str:
    user = signed_in_user()
    item = services.referral_for(user, referral_id)
    requester = services.requester_of(item)
    return render_template(
        "referral/referral.html",
        referral=item,
        requester=requester,
        school=services.school_of(item),
        phone=services.contact_phone(user, item),
        note=services.note_text(user, item),
        organisation=services.get_organisation(item.organisation_id),
        state_labels=STATE_LABELS,
        outcome_labels=OUTCOME_LABELS,
        may_act=user.role == Role.SUPPORT_WORKER,
        form=StepForm(),
    )


@blueprint.post("/referrals/<int:referral_id>/<action>")
def step(referral_id: int, action: str) -> Response:
    if action not in services.STEPS:
        abort(404)
    form = StepForm()
    if not form.validate():
        abort(400)
    try:
        services.step(signed_in_user(), referral_id, action, form.outcome.data)
    except (Conflict, InvalidInput) as refusal:
        rollback()
        flash(refusal.message, "error")
    else:
        flash(
            _("The referral is now: %(state)s.", state=STATE_LABELS[services.STEPS[action][1]]),
            "success",
        )
    return redirect(url_for(".referral", referral_id=referral_id))


# -- administrators -------------------------------------------------------------------------------


@blueprint.route("/organisations", methods=["GET", "POST"])
def organisations() -> Response | tuple[str, int]:
    user = signed_in_user()
    form = OrganisationForm()
    status = 200
    if form.validate_on_submit():
        try:
            organisation = services.add_organisation(user, form.to_input())
        except InvalidInput as error:
            rollback()
            _place(form, error)
            status = 422
        else:
            flash(_("The organisation %(name)s was added.", name=organisation.name), "success")
            return redirect(url_for(".organisation", organisation_id=organisation.id))
    elif form.is_submitted():
        status = 422
    return render_template(
        "referral/organisations.html",
        organisations=services.organisations(),
        form=form,
        kind_labels=KIND_LABELS,
    ), status


@blueprint.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
def organisation(organisation_id: int) -> Response | tuple[str, int]:
    user = signed_in_user()
    item = services.get_organisation(organisation_id)
    form = OrganisationForm(obj=item)
    status = 200
    if form.validate_on_submit():
        try:
            services.update_organisation(user, item.id, form.to_input())
        except InvalidInput as error:
            rollback()
            _place(form, error)
            status = 422
        else:
            flash(_("The organisation is saved."), "success")
            return redirect(url_for(".organisation", organisation_id=item.id))
    elif form.is_submitted():
        status = 422
    return render_template(
        "referral/organisation.html",
        organisation=item,
        form=form,
        worker_form=WorkerForm(formdata=None),
        button=ButtonForm(formdata=None),
        workers=services.workers(item.id),
        kind_labels=KIND_LABELS,
    ), status


@blueprint.post("/organisations/<int:organisation_id>/active")
def organisation_active(organisation_id: int) -> Response:
    if not ButtonForm().validate():
        abort(400)
    item = services.get_organisation(organisation_id)
    services.set_organisation_active(signed_in_user(), item.id, not item.active)
    return redirect(url_for(".organisation", organisation_id=organisation_id))


@blueprint.post("/organisations/<int:organisation_id>/workers")
def add_worker(organisation_id: int) -> Response:
    form = WorkerForm()
    if not form.validate():
        flash(_("Enter the e-mail address of a support worker."), "error")
        return redirect(url_for(".organisation", organisation_id=organisation_id))
    try:
        services.add_worker(signed_in_user(), organisation_id, form.email.data or "")
    except InvalidInput as error:
        rollback()
        flash(error.message, "error")
    else:
        flash(_("The support worker now works for this organisation."), "success")
    return redirect(url_for(".organisation", organisation_id=organisation_id))


@blueprint.post("/organisations/<int:organisation_id>/workers/<int:user_id>/remove")
def remove_worker(organisation_id: int, user_id: int) -> Response:
    if not ButtonForm().validate():
        abort(400)
    services.remove_worker(signed_in_user(), user_id)
    flash(_("The support worker was removed from this organisation."), "success")
    return redirect(url_for(".organisation", organisation_id=organisation_id))


@blueprint.get("/statistics")
def statistics() -> str:
    return render_template(
        "referral/statistics.html",
        rows=services.statistics(signed_in_user()),
        kind_labels=KIND_LABELS,
    )
