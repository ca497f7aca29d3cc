"""The evaluation page for the programme lead (administrator, public prosecutor), and its CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from flask import render_template, request
from flask_babel import format_decimal
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.wrappers import Response

from schoolalert.accounts.auth import signed_in_user
from schoolalert.alerts.charts import bar_chart
from schoolalert.alerts.evaluation import COLUMNS, NATIONAL, EvaluationRow, evaluation
from schoolalert.alerts.preview import police_unit_names
from schoolalert.alerts.views import bp


@bp.get("/evaluation")
def evaluation_page() -> str:
    rows = evaluation(signed_in_user())
    years = sorted({row.year for row in rows}, reverse=True)
    chosen = request.args.get("year", "")
    year = (
        int(chosen) if chosen.isdigit() and int(chosen) in years else (years[0] if years else None)
    )
    national = next((r for r in rows if r.year == year and r.unit == NATIONAL), None)
    units = [row for row in rows if row.year == year and row.unit != NATIONAL]
    names = police_unit_names()
    return render_template(
        "alerts/evaluation.html",
        years=years,
        year=year,
        national=national,
        units=units,
        names=names,
        charts=_charts(units, names) if units else [],
    )


def _charts(units: list[EvaluationRow], names: dict[str, str]) -> list[Markup]:
    def bars(value: Callable[[EvaluationRow], float | None]) -> list[tuple[str, float | None]]:
        return [(names.get(row.unit, row.unit), value(row)) for row in units]

    def hours(value: float) -> str:
        return _("%(hours)s h", hours=format_decimal(value))

    return [
        bar_chart(_("Alerts"), bars(lambda row: row.alerts)),
        bar_chart(_("Schools reached"), bars(lambda row: row.schools_reached)),
        bar_chart(_("Staff reached"), bars(lambda row: row.staff_reached)),
        bar_chart(
            _("Median time to the first view"),
            bars(lambda row: row.median_hours_to_first_view),
            show=hours,
        ),
        bar_chart(_("Answers"), bars(lambda row: row.answers)),
        bar_chart(_("Recognitions"), bars(lambda row: row.recognitions)),
        bar_chart(
            _("Median time to identification"),
            bars(lambda row: row.median_hours_to_identification),
            show=hours,
        ),
        bar_chart(_("Verified purges"), bars(lambda row: row.purges_verified)),
    ]


@bp.get("/evaluation.csv")
def evaluation_csv() -> Response:
    """Every year and unit, counts only (``police_unit`` NL is the national row)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for row in evaluation(signed_in_user()):
        writer.writerow(row.csv_values())
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="schoolalert-evaluation.csv"'},
    )
