"""Board admins: locations and participation, staff, the consent register. Staff: the briefing."""

from __future__ import annotations

from collections.abc import Callable
from itertools import groupby

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from wtforms.fields import SelectChoice

from schoolalert.accounts.auth import signed_in_user
from schoolalert.accounts.roles import Role
from schoolalert.consent import agreements, boards, exercises, participation, staff, terms
from schoolalert.consent.forms import (
    BriefingForm,
    ExerciseForm,
    GrantForm,
    StaffInviteForm,
    WithdrawForm,
)
from schoolalert.consent.models import TermsKind
from schoolalert.consent.register import (
    PAGE_SIZE,
    board_state,
    history_page,
)
from schoolalert.consent.register import export as export_register
from schoolalert.errors import DomainError
from schoolalert.schools.models import Board
from schoolalert.transaction import rollback
from schoolalert.web.input import page_number
from schoolalert.web.views import safe_next_url

bp = Blueprint("consent", __name__, template_folder="templates")


@bp.get("/board")
def my_board() -> Response:
    if signed_in_user().board is None:
        abort(404)
    return redirect(url_for(".board", number=signed_in_user().board.number))


@bp.get("/boards/<number>")
def board(number: str) -> str:
    board = boards.visible_board(signed_in_user(), number)
    current = board_state(board).current_terms
    return _board_page(board, GrantForm(terms_version=current.version if current else None))[0]


def _board_page(
    board: Board, form: GrantForm, status: int = 200, errors: dict[str, str] | None = None
) -> tuple[str, int]:
    page = render_template(
        "consent/board.html",
        state=board_state(board),
        form=form,
        errors=errors or {},
        can_act=signed_in_user().role == Role.BOARD_ADMIN,
        exercises=exercises.board_state(board),
        exercise_form=ExerciseForm(),
    )
    return page, status


@bp.post("/boards/<number>/exercises/opt-in")
def opt_in_exercises(number: str) -> Response:
    board = boards.visible_board(signed_in_user(), number)
    form = ExerciseForm()
    if not form.validate_on_submit():
        abort(400)
    scope = form.scope.data or ""
    chosen = "all" if scope == "all" else [scope]
    _apply(
        lambda: exercises.opt_in(signed_in_user(), board, schools=chosen),
        _("Opted in to exercises."),
    )
    return redirect(url_for(".board", number=board.number))


@bp.post("/boards/<number>/exercises/opt-out")
def opt_out_exercises(number: str) -> Response:
    board = boards.visible_board(signed_in_user(), number)
    form = ExerciseForm()
    if not form.validate_on_submit():
        abort(400)
    _apply(
        lambda: exercises.opt_out(signed_in_user(), board, form.scope.data or ""),
        _("Opted out of exercises. This took effect at once."),
    )
    return redirect(url_for(".board", number=board.number))


@bp.post("/boards/<number>/grant")
def grant(number: str) -> Response | tuple[str, int]:
    board = boards.visible_board(signed_in_user(), number)
    form = GrantForm()
    scope = request.form.get("scope")
    chosen = "all" if scope == "all" else request.form.getlist("schools")
    if not form.validate_on_submit() or not chosen:
        # Every problem at once, on the page itself (the form pattern); nothing is granted.
        missing = _("Choose at least one location, or grant for the whole board.")
        return _board_page(board, form, 422, {} if chosen else {"schools": missing})
    _apply(
        lambda: participation.grant(
            signed_in_user(), board, schools=chosen, terms_version=form.terms_version.data
        ),
        _("Participation is granted."),
    )
    return redirect(url_for(".board", number=board.number))


@bp.post("/boards/<number>/withdraw")
def withdraw(number: str) -> Response | str:
    """A confirmation step first (what is withdrawn, whom it cuts off), then the withdrawal."""
    board = boards.visible_board(signed_in_user(), number)
    form = WithdrawForm()
    if not form.validate_on_submit():
        abort(400)
    scope = form.scope.data or ""
    if request.form.get("confirmed") != "yes":
        return _confirm_withdrawal(board, scope)
    if scope == "all":
        _apply(
            lambda: participation.withdraw_board(signed_in_user(), board),
            _("Participation is withdrawn for the whole board. This took effect at once."),
        )
    else:
        _apply(
            lambda: participation.withdraw_school(signed_in_user(), board, scope),
            _("Participation is withdrawn for %(code)s. This took effect at once.", code=scope),
        )
    return redirect(url_for(".board", number=board.number))


def _confirm_withdrawal(board: Board, scope: str) -> str:
    schools, staff_count = participation.withdrawal_scope(signed_in_user(), board, scope)
    whole = scope == "all"
    return render_template(
        "_confirm.html",
        heading=_("Withdraw the whole board?") if whole else _("Withdraw this location?"),
        lead=_("The withdrawal takes effect at once. You can grant participation again later."),
        facts=[
            (_("Board"), board.name or board.number),
            (
                ngettext("Location", "Locations", len(schools)),
                ", ".join(f"{school.name} ({school.code})" for school in schools),
            ),
        ],
        consequences=[
            ngettext(
                "%(num)d staff member no longer sees any alert.",
                "%(num)d staff members no longer see any alert.",
                staff_count,
            ),
            _("Alerts that are live now disappear from the portal of these locations."),
        ],
        action=url_for(".withdraw", number=board.number),
        fields=[("scope", scope)],
        button=_("Withdraw participation"),
        cancel=url_for(".board", number=board.number),
    )


def _apply(operation: Callable[[], object], message: str) -> None:
    """Run a service; commit and confirm, or roll back and show its refusal."""
    try:
        operation()
    except DomainError as error:
        rollback()
        flash(error.message, "error")
    else:
        flash(message, "success")


# -- the consent register -------------------------------------------------------------------


@bp.get("/boards/<number>/register")
def register(number: str) -> str:
    board = boards.visible_board(signed_in_user(), number)
    return register_page(board, url_for(".register_csv", number=board.number))


def register_page(board: Board | None, csv_url: str) -> str:
    """The consent register of one board, or of all boards (``board`` None), page by page."""
    page = page_number(request.args.get("page"))
    changes, total = history_page(board, page)
    return render_template(
        "consent/register.html",
        board=board,
        changes=changes,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        total=total,
        csv_url=csv_url,
    )


@bp.get("/boards/<number>/register.csv")
def register_csv(number: str) -> Response:
    board = boards.visible_board(signed_in_user(), number)
    text = export_register(signed_in_user(), board)
    return csv_download(text, f"consent-register-{board.number}.csv")


def csv_download(text: str, file_name: str) -> Response:
    """A CSV export as a download that is never cached."""
    return Response(
        text.encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{file_name}"',
            "Cache-Control": "no-store",
        },
    )


# -- staff ---------------------------------------------------------------------------------------


@bp.get("/boards/<number>/staff")
def staff_page(number: str) -> str:
    board = boards.visible_board(signed_in_user(), number)
    return _render_staff(board, _invite_form(board))


@bp.post("/boards/<number>/staff")
def invite_staff(number: str) -> Response | tuple[str, int]:
    board = boards.visible_board(signed_in_user(), number)
    form = _invite_form(board)
    if form.validate_on_submit():
        try:
            staff.invite_staff(
                signed_in_user(),
                board,
                email=form.email.data or "",
                name=form.name.data or "",
                school_code=form.school.data or "",
            )
        except DomainError as error:
            rollback()
            field = getattr(form, error.field, None) if error.field else None
            errors = field.errors if field is not None else form.form_errors
            errors.append(error.message)
        else:
            flash(_("The invitation has been sent."), "success")
            return redirect(url_for(".staff_page", number=board.number))
    return _render_staff(board, form), 422


@bp.post("/boards/<number>/staff/<int:user_id>/deactivate")
def deactivate_staff(number: str, user_id: int) -> Response | str:
    """A confirmation step first (who), then the deactivation."""
    board = boards.visible_board(signed_in_user(), number)
    if request.form.get("confirmed") != "yes":
        member = staff.own_staff_member(signed_in_user(), board, user_id)
        return render_template(
            "_confirm.html",
            heading=_("Deactivate this account?"),
            lead=_("The account stops working at once; its sessions end."),
            facts=[
                (_("Name"), member.name),
                (_("E-mail address"), member.email),
                (_("Location"), member.school.name if member.school else "—"),
            ],
            consequences=[_("This person no longer sees alerts and cannot sign in.")],
            action=url_for(".deactivate_staff", number=board.number, user_id=member.id),
            fields=[],
            button=_("Deactivate"),
            cancel=url_for(".staff_page", number=board.number),
        )
    _apply(
        lambda: staff.deactivate_staff(signed_in_user(), board, user_id),
        _("The account is deactivated; its sessions have ended."),
    )
    return redirect(url_for(".staff_page", number=board.number))


@bp.post("/boards/<number>/staff/<int:user_id>/unlock")
def unlock_staff(number: str, user_id: int) -> Response:
    board = boards.visible_board(signed_in_user(), number)
    _apply(
        lambda: staff.unlock_staff(signed_in_user(), board, user_id),
        _("The sign-in lock is lifted."),
    )
    return redirect(url_for(".staff_page", number=board.number))


@bp.post("/boards/<number>/staff/<int:user_id>/resend")
def resend_invitation(number: str, user_id: int) -> Response:
    board = boards.visible_board(signed_in_user(), number)
    _apply(
        lambda: staff.resend_invitation(signed_in_user(), board, user_id),
        _("A new invitation has been sent."),
    )
    return redirect(url_for(".staff_page", number=board.number))


def _invite_form(board: Board) -> StaffInviteForm:
    form = StaffInviteForm()
    form.school.choices = [
        SelectChoice(school.code, f"{school.name} ({school.code})")
        for school in sorted(board.schools, key=lambda school: (school.name, school.code))
        if school.active
    ]
    return form


def _render_staff(board: Board, form: StaffInviteForm) -> str:
    members = staff.staff_of_board(board)
    by_school = [
        (school, list(group))
        for school, group in groupby(members, key=lambda member: member.user.school)
    ]
    return render_template(
        "consent/staff.html",
        board=board,
        by_school=by_school,
        form=form,
        can_act=signed_in_user().role == Role.BOARD_ADMIN,
    )


# -- the staff briefing -----------------------------------------------------------------------


@bp.route("/briefing", methods=["GET", "POST"])
def briefing() -> Response | str:
    """What staff read, and the statement they accept, before their first view of an alert."""
    statement = terms.current_version(TermsKind.CONFIDENTIALITY)
    form = BriefingForm(
        terms_version=statement.version if statement else None,
        next=request.args.get("next", ""),
    )
    if statement is not None and form.validate_on_submit():
        try:
            agreements.accept_statement(signed_in_user(), form.terms_version.data)
        except DomainError as error:
            rollback()
            flash(error.message, "error")
            return redirect(url_for(".briefing", next=form.next.data or None))
        flash(_("Thank you. You can now see alerts for your school."), "success")
        return redirect(safe_next_url(form.next.data, url_for("web.home")))
    return render_template(
        "consent/briefing.html",
        statement=statement,
        form=form,
        accepted=agreements.has_accepted_current_statement(signed_in_user()),
    )
