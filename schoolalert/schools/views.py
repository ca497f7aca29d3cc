"""Administrators: the school registry (search) and DUO imports with their reports."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import BooleanField, SelectField
from wtforms.fields import SelectChoice

from schoolalert.accounts.auth import signed_in_user
from schoolalert.extensions import db
from schoolalert.schools import registry
from schoolalert.schools.duo import DuoFormatError
from schoolalert.schools.importer import import_boards, import_locations
from schoolalert.schools.models import ImportRun, Municipality
from schoolalert.transaction import rollback
from schoolalert.web.input import page_number

bp = Blueprint("schools", __name__, url_prefix="/admin/schools", template_folder="templates")

IMPORTERS = {"locations": import_locations, "boards": import_boards}


class ImportForm(FlaskForm):
    file = FileField(_l("DUO file (CSV)"), validators=[FileRequired()])
    kind = SelectField(
        _l("Kind of file"),
        choices=[
            SelectChoice(
                "locations", _l("School locations (vestigingenbo.csv, vestigingenso.csv)")
            ),
            SelectChoice("boards", _l("Boards (besturenbo.csv)")),
        ],
    )
    dry_run = BooleanField(_l("Dry run: check and count, change nothing"))


@bp.get("")
def registry_page() -> str:
    args = request.args
    police_unit = (args.get("police_unit") or "").strip().upper() or None
    search = registry.Search(
        text=(args.get("q") or "").strip()[:100],
        municipality=(args.get("municipality") or "").strip()[:100] or None,
        police_unit=police_unit,
    )
    page = page_number(args.get("page"))
    rows, total = registry.search(signed_in_user(), search, page)
    units = db.session.execute(
        select(Municipality.police_unit_code, Municipality.police_unit_name)
        .distinct()
        .order_by(Municipality.police_unit_code)
    ).all()
    return render_template(
        "schools/registry.html",
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // registry.PAGE_SIZE)),
        args=args,
        police_units=units,
    )


@bp.route("/imports", methods=["GET", "POST"])
def imports() -> Response | tuple[str, int]:
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        importer = IMPORTERS[form.kind.data]
        try:
            result = importer(
                db.session,
                upload.read(),
                upload.filename or "upload.csv",
                dry_run=bool(form.dry_run.data),
                user_id=signed_in_user().id,
            )
        except DuoFormatError as error:
            rollback()
            form.file.errors.append(_("Nothing was imported: %(reason)s", reason=str(error)))
        else:
            flash(_("The file has been read; the report is below."), "success")
            return redirect(url_for(".import_run", run_id=result.run_id))
    runs = db.session.scalars(select(ImportRun).order_by(ImportRun.id.desc()).limit(100)).all()
    page = render_template("schools/imports.html", form=form, runs=runs)
    return page, 422 if form.errors else 200


@bp.get("/imports/<int:run_id>")
def import_run(run_id: int) -> str:
    run = db.session.get(ImportRun, run_id)
    if run is None:
        abort(404)
    return render_template("schools/import_run.html", run=run)
