"""The plugin's settings page for administrators, at ``/plugins/regional/settings``."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from plugins.regional.settings import (
    COUNTRY_KM,
    DEFAULT_MAX_RADIUS_KM,
    RegionalSettings,
    change_settings,
    current_settings,
)
from schoolalert.plugin_api import signed_in_user

blueprint = Blueprint("regional", __name__, template_folder="templates")

PERMISSIONS = {"settings": {"admin"}}


class SettingsForm(FlaskForm):
    max_radius_km = IntegerField(
        _l("Largest radius an investigator may choose (km)"),
        validators=[
            InputRequired(),
            NumberRange(
                min=1,
                max=COUNTRY_KM,
                message=_l("Enter a whole number from 1 to %(max)d.", max=COUNTRY_KM),
            ),
        ],
        render_kw={"inputmode": "numeric"},
    )


@blueprint.route("/settings", methods=["GET", "POST"])
def settings() -> Response | str:
    form = SettingsForm(data=current_settings().as_dict())
    if form.validate_on_submit():
        change_settings(signed_in_user(), RegionalSettings(max_radius_km=form.max_radius_km.data))
        flash(_("The settings of regional targeting are saved."), "success")
        return redirect(url_for(".settings"))
    return render_template(
        "regional/settings.html",
        form=form,
        country_km=COUNTRY_KM,
        default_km=DEFAULT_MAX_RADIUS_KM,
    )
