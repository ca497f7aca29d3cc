"""Administrators: terms versions and the consent register of every board."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from schoolalert.accounts.auth import signed_in_user
from schoolalert.consent import terms
from schoolalert.consent.forms import TERMS_KIND_LABELS, TermsForm
from schoolalert.consent.models import TermsKind
from schoolalert.consent.register import export as export_register
from schoolalert.consent.views import csv_download, register_page
from schoolalert.errors import DomainError
from schoolalert.transaction import rollback

bp = Blueprint("consent_admin", __name__, url_prefix="/admin", template_folder="templates")


@bp.route("/terms", methods=["GET", "POST"])
def terms_page() -> Response | tuple[str, int]:
    form = TermsForm()
    if form.validate_on_submit():
        try:
            version = terms.publish(
                signed_in_user(),
                TermsKind(form.kind.data),
                form.text.data or "",
                requires_reacceptance=bool(form.requires_reacceptance.data),
            )
        except DomainError as error:
            rollback()
            form.text.errors.append(error.message)
        else:
            flash(
                _("Version %(version)d is published.", version=version.version),
                "success",
            )
            return redirect(url_for(".terms_page"))
    page = render_template(
        "consent/admin_terms.html",
        form=form,
        versions=terms.all_versions(),
        kind_labels=TERMS_KIND_LABELS,
    )
    return page, 422 if form.errors else 200


@bp.get("/consent")
def register() -> str:
    return register_page(None, url_for(".register_csv"))


@bp.get("/consent.csv")
def register_csv() -> Response:
    return csv_download(export_register(signed_in_user(), None), "consent-register.csv")
