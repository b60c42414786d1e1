"""The evaluation's chart, drawn on the server as SVG like every chart of the platform
(platform.charts): one row per measure, its estimated effect as a dot and its confidence
interval as a line through it, against a dashed zero line. An interval that crosses zero
is an effect that cannot be told apart from none.

It plugs into the dashboard card (`DashboardCard(chart=ForestChart(...))`), so the card
pattern draws it above the same numbers as a table, with the export."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from neisheng.platform.charts import LegendItem

WIDTH = 320
LABEL_WIDTH = 96
VALUE_WIDTH = 58
ROW_HEIGHT = 24
AXIS_HEIGHT = 18
LABEL_CHARS = 7
PAD = 6
TICK_CHAR = 6.5


@dataclass(frozen=True)
class Interval:
    label: str  # the measure, translated
    effect: float | None
    low: float | None
    high: float | None
    shown: str  # the effect as the table shows it ("+1,234", "−3.5")
    caution: bool = False  # drawn pale: too few households or no comparable ones


@dataclass(frozen=True)
class ForestChart:
    rows: Sequence[Interval]
    legend_labels: tuple[str, str] = ("", "")  # (the estimate with its interval, a figure with a caution)

    def svg(self, *, title: str, key: str) -> SafeString:
        return forest_chart_svg(self.rows, title=title, key=key)

    def legend(self) -> list[LegendItem]:
        estimate, caution = self.legend_labels
        items = [LegendItem(estimate, "effect", shape="line")] if estimate else []
        if caution and any(row.caution for row in self.rows):
            items.append(LegendItem(caution, "caution", shape="line"))
        return items


def axis_bounds(rows: Sequence[Interval]) -> tuple[float, float]:
    """The axis from the lowest to the highest end of any interval, zero always inside,
    widened to round numbers."""
    ends = [v for row in rows for v in (row.low, row.high, row.effect) if v is not None and math.isfinite(v)]
    low, high = min([0.0, *ends]), max([0.0, *ends])
    if low == high:
        return -1.0, 1.0
    step = _round_step((high - low) / 4)
    return math.floor(low / step) * step, math.ceil(high / step) * step


def _round_step(raw: float) -> float:
    power = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 2.5, 5, 10):
        if raw <= multiple * power:
            return multiple * power
    return 10 * power


def _tick(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 100 or float(value).is_integer():
        return f"{value:,.0f}".replace("-", "−")
    return f"{value:,.2f}".rstrip("0").rstrip(".").replace("-", "−")


def forest_chart_svg(rows: Sequence[Interval], *, title: str, key: str = "forest") -> SafeString:
    """Each row: the measure's label, its interval and dot on the common axis, and the
    effect in text after the plot. Rows without an estimate keep their label and a dash."""
    low, high = axis_bounds(rows)
    left, right = LABEL_WIDTH + PAD, WIDTH - VALUE_WIDTH - PAD
    span = right - left

    def x(value: float) -> float:
        return round(left + (value - low) / (high - low) * span, 2)

    height = max(len(rows), 1) * ROW_HEIGHT + AXIS_HEIGHT + 4
    plot_bottom = max(len(rows), 1) * ROW_HEIGHT + 2
    title_id = f"{key}-chart-title"
    parts = [format_html(
        '<svg class="chart forest" id="{}-chart" role="img" aria-labelledby="{}" viewBox="0 0 {} {}" '
        'width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{}">{}</title>'
        '<line class="forest-zero" x1="{zx}" x2="{zx}" y1="0" y2="{pb}"></line>',
        key, title_id, WIDTH, height, title_id, title, zx=x(0.0), pb=plot_bottom,
    )]
    for index, row in enumerate(rows):
        y = index * ROW_HEIGHT + 2
        middle = y + ROW_HEIGHT / 2 - 2
        text_y = middle + 4
        mark = ""
        if row.effect is not None and row.low is not None and row.high is not None:
            mark = format_html(
                '<line class="forest-ci" x1="{}" x2="{}" y1="{m}" y2="{m}"></line>'
                '<line class="forest-ci" x1="{lo}" x2="{lo}" y1="{a}" y2="{b}"></line>'
                '<line class="forest-ci" x1="{hi}" x2="{hi}" y1="{a}" y2="{b}"></line>'
                '<circle class="forest-point" cx="{}" cy="{m}" r="4"></circle>',
                x(row.low), x(row.high), x(row.effect), m=middle, lo=x(row.low), hi=x(row.high),
                a=middle - 4, b=middle + 4,
            )
        elif row.effect is not None:
            mark = format_html('<circle class="forest-point" cx="{}" cy="{}" r="4"></circle>', x(row.effect), middle)
        short = row.label if len(row.label) <= LABEL_CHARS else row.label[: LABEL_CHARS - 1] + "…"
        parts.append(format_html(
            '<g class="forest-row{caution}" data-effect="{effect}" data-low="{lo}" data-high="{hi}">'
            '<title>{label}: {shown}</title>'
            '<text class="bar-label" x="{lx}" y="{ty}" text-anchor="end">{short}</text>{mark}'
            '<text class="bar-value" x="{vx}" y="{ty}">{shown}</text></g>',
            caution=" forest-caution" if row.caution else "",
            effect="" if row.effect is None else row.effect, lo="" if row.low is None else row.low,
            hi="" if row.high is None else row.high, label=row.label, shown=row.shown, lx=LABEL_WIDTH - 6,
            ty=text_y, short=short, mark=mark, vx=right + PAD,
        ))
    axis_y = plot_bottom + 2
    parts.append(format_html('<line class="forest-axis" x1="{}" x2="{}" y1="{y}" y2="{y}"></line>',
                             left, right, y=axis_y))
    ticks = [(low, "start"), (high, "end")]
    # Zero gets its own number when it cannot collide with the ends' (a digit is about
    # 6.5 units at this size).
    if left + len(_tick(low)) * TICK_CHAR + 8 < x(0.0) < right - len(_tick(high)) * TICK_CHAR - 8:
        ticks.append((0.0, "middle"))
    for value, anchor in ticks:
        parts.append(format_html('<text class="forest-tick" x="{}" y="{}" text-anchor="{}">{}</text>',
                                 x(value), axis_y + 13, anchor, _tick(value)))
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(str(p) for p in parts))
