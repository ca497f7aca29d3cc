"""Horizontal bar charts as SVG, drawn by the app (no script, no inline style: the stylesheet
colours ``.chart-bar``). Each bar has its label and value as text, so the chart reads without
colour and the numbers are in the page itself."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup

BAR, GAP, LABEL_WIDTH, BAR_WIDTH, VALUE_WIDTH = 18, 6, 170, 260, 60


def bar_chart(
    title: str,
    bars: Sequence[tuple[str, float | None]],
    *,
    show: Callable[[float], str] = lambda value: f"{value:g}",
) -> Markup:
    """One bar per (label, value), its value written by ``show``; None is "—" without a bar."""
    largest = max((value for _label, value in bars if value), default=0) or 1
    height = len(bars) * (BAR + GAP) + GAP
    rows = []
    for index, (label, value) in enumerate(bars):
        y = GAP + index * (BAR + GAP)
        width = 0 if not value else max(1, round(BAR_WIDTH * value / largest))
        shown = "—" if value is None else show(value)
        rows.append(
            Markup(
                '<g class="chart-row"><text class="chart-label" x="{lx}" y="{ty}">{label}</text>'
                '<rect class="chart-bar" x="{bx}" y="{y}" width="{w}" height="{h}"/>'
                '<text class="chart-value" x="{vx}" y="{ty}">{shown}</text></g>'
            ).format(
                lx=LABEL_WIDTH - 6,
                ty=y + BAR - 5,
                label=label,
                bx=LABEL_WIDTH,
                y=y,
                w=width,
                h=BAR,
                vx=LABEL_WIDTH + width + 4,
                shown=shown,
            )
        )
    total = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {w} {h}" role="img" '
        'aria-label="{title}"><title>{title}</title>{rows}</svg>'
    ).format(w=total, h=height, title=title, rows=Markup("").join(rows))
