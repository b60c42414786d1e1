"""Dashboard cards and their charts, drawn on the server as SVG.

A card (`DashboardCard`) is a title, a chart (one series of bars), the same numbers as a
table, and an export button; `patterns/card.html` shows it:

    card = DashboardCard(
        key="by-risk", title=gettext("按风险等级"),
        series=[Bar(gettext(label), n, href=f"/households/?risk={code}", tone=code) for ...],
        headers=[gettext("风险"), gettext("户数")],
        rows=[[Cell(gettext(label)), Cell(n, href=...)] for ...],
        export_action="",  # the page's own URL: its POST handler returns the workbook
    )
    {% include "patterns/card.html" with card=card %}

Besides `series` (horizontal bars of one series), a card may carry `chart=`:
`LineChart(x_labels, [Line(label, values, tone)])` for trends across runs, or
`StackedBarChart([Stack(name, [Segment(label, value, tone)])])` for a whole split into its
parts (households by risk colour per division, the motivation index by indicator). Both
draw a legend under the chart (`card.legend`); lines differ by dash pattern as well as
colour. The export button posts `card=<key>`; the view answers with `card.table()`.

Why SVG from the server rather than a chart library in the browser: the Content-Security-
Policy runs only our own static scripts, pages must work without JavaScript on a cadre's
phone, the same markup prints into PDFs later, and the numbers a chart shows are exactly
the table's (one series, read by a screen reader from the table under it). Colours come
from the stylesheet through classes (`bar-<tone>`), never from attributes here.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.safestring import SafeString, mark_safe

Number = int | float | Decimal


@dataclass(frozen=True)
class Bar:
    label: str  # already translated, or data (then data=True)
    value: Number
    href: str | None = None  # where the bar leads (the filtered list)
    tone: str = ""  # a CSS class suffix: "red", "yellow", "green"; "" the default colour
    data: bool = False  # the label is data (a village's name): translate="no"


@dataclass(frozen=True)
class Cell:
    value: object  # a number (shown with thousands separators) or text
    href: str | None = None
    data: bool = False  # names, codes typed by users: translate="no"
    tone: str = ""
    decimals: int | None = None  # a ratio's places (H, A, M0, FGT): "0.125"
    percent: bool = False  # a share shown as a percentage ("12.5%"), exported ×100

    @property
    def is_number(self) -> bool:
        return isinstance(self.value, (int, float, Decimal)) and not isinstance(self.value, bool)

    @property
    def shown(self) -> str | None:
        """The text of a ratio or of an unknown value ("—"); None: the template shows the
        value itself (counts with thousands separators, text as it is)."""
        if self.value is None:
            return "—"
        if self.is_number and (self.percent or self.decimals is not None):
            return format_number(self.value, self.decimals, percent=self.percent)
        return None

    @property
    def exported(self):
        """The cell in a workbook: the number itself (a percentage as its number of
        percent, as the header says), text as shown."""
        if self.percent and self.is_number:
            return float(self.value) * 100
        return self.value


def _escaped(value) -> str:
    """django.utils.html.conditional_escape, word for word, without the lazy-text wrapper
    Django puts around it: a county's dashboard escapes some 130,000 values, and the
    wrapper (checking every argument for lazy text) was most of the page's time."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def format_html(format_string: str, *args, **kwargs) -> SafeString:
    """django.utils.html.format_html (the same output) over `_escaped`."""
    return mark_safe(format_string.format(*(_escaped(a) for a in args),
                                          **{k: _escaped(v) for k, v in kwargs.items()}))


def cell_html(cell: Cell, *, strong: bool = False) -> SafeString:
    """One table cell as the card shows it: a number right-aligned with thousands
    separators (or its ratio's places), data marked translate="no", a link or a risk
    colour. Drawn here rather than by a template included per cell: a dashboard has some
    six hundred cells, and an include each was most of its rendering time."""
    from django.contrib.humanize.templatetags.humanize import intcomma

    shown = cell.shown
    text = shown if shown is not None else (intcomma(cell.value) if cell.is_number else cell.value)
    tone = f"risk-{cell.tone}" if cell.tone else ""
    if cell.href:
        inner = format_html('<a href="{}"{}>{}</a>', cell.href,
                            format_html(' class="{}"', tone) if tone else "", text)
    elif tone:
        inner = format_html('<span class="{}">{}</span>', tone, text)
    else:
        inner = format_html("{}", text)
    if strong:
        inner = format_html("<strong>{}</strong>", inner)
    return format_html("<td{}{}>{}</td>", mark_safe(' class="num"') if cell.is_number else "",
                       mark_safe(' translate="no"') if cell.data else "", inner)


def cells(*values) -> list[Cell]:
    """A row of cells from plain values (a Cell is kept as it is)."""
    return [v if isinstance(v, Cell) else Cell(v) for v in values]


@dataclass
class DashboardCard:
    key: str  # the card's HTML id, unique on its page
    title: str  # translated
    series: Sequence[Bar] = ()
    headers: Sequence[str] = ()  # translated
    rows: Sequence[Sequence[Cell]] = ()
    total: Sequence[Cell] | None = None  # a last row in bold
    # The URL the export form POSTs to ("" the page itself, None: no export button).
    export_action: str | None = None
    note: str = ""  # a line under the title (translated)
    chart_title: str = ""  # the chart's accessible name; the title by default
    extra: dict = field(default_factory=dict)
    # Another kind of chart than `series`' bars: a LineChart or a StackedBarChart.
    chart: object | None = None
    # What the workbook holds when it is more than the table (e.g. division codes first).
    export_headers: Sequence[str] | None = None
    export_rows: Sequence[Sequence] | None = None

    @property
    def has_chart(self) -> bool:
        return bool(self.series) or self.chart is not None

    def chart_svg(self) -> SafeString:
        title = self.chart_title or self.title
        if self.chart is not None:
            return self.chart.svg(title=title, key=self.key)
        return bar_chart_svg(self.series, title=title, key=self.key)

    @property
    def legend(self) -> list:
        return self.chart.legend() if self.chart is not None else []

    def table(self) -> tuple[list[str], list[list]]:
        """The card's export: its headers and rows as plain values (the total last)."""
        if self.export_rows is not None:
            return list(self.export_headers or self.headers), [list(row) for row in self.export_rows]
        rows = [*self.rows, *([self.total] if self.total else [])]
        return list(self.headers), [[cell.exported for cell in row] for row in rows]


# The drawing's own units: the SVG scales to the card's width (at most 360 px, site.css);
# on a 375 px phone a unit is about 1 px, so 13 units of text read like the table's.
WIDTH = 320
LABEL_WIDTH = 96
VALUE_WIDTH = 52
ROW_HEIGHT = 24
BAR_HEIGHT = 15
LABEL_CHARS = 7


def _number(value: Number) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    if isinstance(value, Decimal) and value != value.to_integral_value():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def bar_lengths(values: Sequence[Number], span: float) -> list[float]:
    """Each value's bar length in drawing units, proportional to the largest (which
    fills `span`); zero, negative or all-zero values draw nothing."""
    top = max((float(v) for v in values), default=0.0)
    if top <= 0:
        return [0.0 for _ in values]
    return [round(max(float(v), 0.0) / top * span, 2) for v in values]


def bar_chart_svg(series: Sequence[Bar], *, title: str, key: str = "chart") -> SafeString:
    """A horizontal bar chart: one row per bar, its label, its bar and its number.

    Horizontal, because division names and many bars fit a phone's width that way.
    Every text is escaped; a label is cut to fit and given whole in the bar's <title>.
    An empty series is a chart saying nothing, with its title: the table under it
    says there is nothing."""
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    lengths = bar_lengths([bar.value for bar in series], span)
    height = max(len(series), 1) * ROW_HEIGHT + 4
    title_id = f"{key}-chart-title"
    # An image may hold no links (its content is not read); bars that link make it a group.
    role = "group" if any(bar.href for bar in series) else "img"
    parts = [format_html(
        '<svg class="chart" id="{}-chart" role="{}" aria-labelledby="{}" viewBox="0 0 {} {}" '
        'width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{}">{}</title>',
        key, role, title_id, WIDTH, height, title_id, title,
    )]
    for index, (bar, length) in enumerate(zip(series, lengths)):
        y = index * ROW_HEIGHT + 2
        text_y = y + BAR_HEIGHT - 2
        tone = f" bar-{bar.tone}" if bar.tone else ""
        # A name is data: the language scan and translators leave it as it is.
        label_attrs = mark_safe(' translate="no"') if bar.data else ""
        row = format_html(
            '<g class="bar-row" data-value="{value}"{la}>'
            '<title>{label}: {number}</title>'
            '<text class="bar-label" x="{lx}" y="{ty}" text-anchor="end">{short}</text>'
            '<rect class="bar{tone}" x="{bx}" y="{y}" width="{w}" height="{h}" rx="2"></rect>'
            '<text class="bar-value" x="{vx}" y="{ty}">{number}</text></g>',
            value=bar.value, label=bar.label, number=_number(bar.value), lx=LABEL_WIDTH - 6, ty=text_y,
            la=label_attrs, short=_short(bar.label), tone=tone, bx=LABEL_WIDTH, y=y, w=length,
            h=BAR_HEIGHT, vx=LABEL_WIDTH + length + 4,
        )
        if bar.href:
            row = format_html('<a href="{}">{}</a>', bar.href, row)
        parts.append(row)
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(str(p) for p in parts))


# --- Line charts (trends across runs) and stacked bars (a whole split into its parts) ---

# Categorical tones beyond the risk colours, for monitoring types, stability and the
# motivation indicators (site.css: .bar-s1 … .bar-s8, .line-s1 … .line-s8).
SERIES_TONES = tuple(f"s{n}" for n in range(1, 9))


@dataclass(frozen=True)
class LegendItem:
    label: str  # translated, or data (data=True)
    tone: str = ""
    data: bool = False
    shape: str = "bar"  # "bar" (a swatch) or "line" (a stroke with its dash pattern)


def format_number(value: Number | None, decimals: int | None = None, *, percent: bool = False) -> str:
    """A number as charts and tables show it: thousands separators; `decimals` places
    when given; a share as a percentage; nothing known as "—"."""
    if value is None:
        return "—"
    if percent:
        return f"{float(value) * 100:,.{1 if decimals is None else decimals}f}%"
    if decimals is not None:
        return f"{float(value):,.{decimals}f}"
    return _number(value)


@dataclass(frozen=True)
class Line:
    label: str  # translated, or data (then data=True)
    values: Sequence[Number | None]  # one per x label; None leaves a gap
    tone: str = ""
    data: bool = False


@dataclass(frozen=True)
class LineChart:
    """Lines over a common x axis (runs, in time order)."""

    x_labels: Sequence[str]  # numbers or data: shown as they are
    lines: Sequence[Line]
    decimals: int | None = None

    def svg(self, *, title: str, key: str) -> SafeString:
        return line_chart_svg(self, title=title, key=key)

    def legend(self) -> list[LegendItem]:
        return [LegendItem(line.label, line.tone, line.data, shape="line") for line in self.lines]


@dataclass(frozen=True)
class Segment:
    label: str  # translated, or data (then data=True)
    value: Number | None
    tone: str = ""
    data: bool = False


@dataclass(frozen=True)
class Stack:
    label: str  # a division's name: data by default
    segments: Sequence[Segment]
    href: str | None = None
    data: bool = True
    total: Number | None = None  # the number after the bar; the sum of the segments by default

    @property
    def shown_total(self) -> Number:
        if self.total is not None:
            return self.total
        return sum((s.value or 0) for s in self.segments)


@dataclass(frozen=True)
class StackedBarChart:
    """One horizontal bar per row, split into its parts in a fixed order (the legend's):
    every row is drawn on the same scale, so bar lengths compare across rows."""

    stacks: Sequence[Stack]
    decimals: int | None = None

    def svg(self, *, title: str, key: str) -> SafeString:
        return stacked_bar_chart_svg(self, title=title, key=key)

    def legend(self) -> list[LegendItem]:
        seen: dict[str, LegendItem] = {}
        for stack in self.stacks:
            for s in stack.segments:
                seen.setdefault(s.label, LegendItem(s.label, s.tone, s.data))
        return list(seen.values())


def _tone_class(prefix: str, tone: str) -> str:
    return f" {prefix}-{tone}" if tone else ""


def stacked_bar_chart_svg(chart: StackedBarChart, *, title: str, key: str = "chart") -> SafeString:
    """Rows as in `bar_chart_svg`; each bar is its segments side by side, each with its
    own <title> (part: number), and the row's total after it."""
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    totals = [float(stack.shown_total or 0) for stack in chart.stacks]
    top = max(totals, default=0.0)
    scale = span / top if top > 0 else 0.0
    height = max(len(chart.stacks), 1) * ROW_HEIGHT + 4
    title_id = f"{key}-chart-title"
    role = "group" if any(stack.href for stack in chart.stacks) else "img"
    parts = [format_html(
        '<svg class="chart stacked" id="{}-chart" role="{}" aria-labelledby="{}" viewBox="0 0 {} {}" '
        'width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{}">{}</title>',
        key, role, title_id, WIDTH, height, title_id, title,
    )]
    for index, stack in enumerate(chart.stacks):
        y = index * ROW_HEIGHT + 2
        text_y = y + BAR_HEIGHT - 2
        x = float(LABEL_WIDTH)
        rects = []
        for segment in stack.segments:
            width = round(max(float(segment.value or 0), 0.0) * scale, 2)
            segment_attrs = mark_safe(' translate="no"') if segment.data else ""
            rects.append(format_html(
                '<rect class="bar{tone}" x="{x}" y="{y}" width="{w}" height="{h}" data-part="{part}" '
                'data-value="{value}"{sa}><title>{label}: {number}</title></rect>',
                tone=_tone_class("bar", segment.tone), x=round(x, 2), y=y, w=width, h=BAR_HEIGHT,
                part=segment.label, value="" if segment.value is None else segment.value, sa=segment_attrs,
                label=segment.label, number=format_number(segment.value, chart.decimals),
            ))
            x += width
        label_attrs = mark_safe(' translate="no"') if stack.data else ""
        total = stack.shown_total
        row = format_html(
            '<g class="bar-row stack" data-total="{total}"><title{la}>{label}: {number}</title>'
            '<text class="bar-label" x="{lx}" y="{ty}" text-anchor="end"{la}>{short}</text>{rects}'
            '<text class="bar-value" x="{vx}" y="{ty}">{number}</text></g>',
            total=total, la=label_attrs, label=stack.label, number=format_number(total, chart.decimals),
            lx=LABEL_WIDTH - 6, ty=text_y, short=_short(stack.label),
            rects=mark_safe("".join(str(r) for r in rects)), vx=round(x + 4, 2),
        )
        if stack.href:
            row = format_html('<a href="{}">{}</a>', stack.href, row)
        parts.append(row)
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(str(p) for p in parts))


# The line chart's frame in drawing units: room on the left for the axis's numbers and
# below for the runs' labels.
LINE_HEIGHT = 180
LINE_LEFT = 44
LINE_RIGHT = 12
LINE_TOP = 10
LINE_BOTTOM = 26
X_LABEL_UNITS = 7  # about one digit's width at 12 units of text


def nice_ceiling(value: float, *, integers: bool = False) -> float:
    """The top of the axis: the smallest 1, 2, 2.5, 3, 5 or 7.5 × 10ⁿ step, four steps high,
    that holds `value`, so the gridlines fall on round numbers (whole numbers when the
    values are counts)."""
    if value <= 0:
        return 4.0 if integers else 1.0
    step = 10 ** math.floor(math.log10(value / 4))
    for multiple in (1, 2, 2.5, 3, 5, 7.5, 10, 20):
        top = step * multiple * 4
        if value <= top and (not integers or float(top / 4).is_integer()):
            return top
    return step * 80


def x_label_indexes(labels: Sequence[str], span: float) -> list[int]:
    """Which x labels fit without overlapping: the first and the last always, others
    evenly spaced between."""
    n = len(labels)
    if n <= 2:
        return list(range(n))
    widest = max(len(str(label)) for label in labels) * X_LABEL_UNITS + 8
    fits = max(int(span // widest) + 1, 2)
    if fits >= n:
        return list(range(n))
    step = math.ceil((n - 1) / (fits - 1))
    shown = list(range(0, n - 1, step))
    if (n - 1) - shown[-1] < step / 2 and len(shown) > 1:
        shown.pop()  # too close to the last label, which is always drawn
    return [*shown, n - 1]


def line_chart_svg(chart: LineChart, *, title: str, key: str = "chart") -> SafeString:
    """Lines over the runs: gridlines on round numbers with their values, each line a
    polyline (broken where a value is missing) with a point per value whose <title> is
    its x label and number. Lines differ by colour and by dash pattern (site.css), so
    they part without colour too; the numbers are the table's under the chart."""
    x_labels = list(chart.x_labels)
    n = len(x_labels)
    plot_w = WIDTH - LINE_LEFT - LINE_RIGHT
    plot_h = LINE_HEIGHT - LINE_TOP - LINE_BOTTOM
    known = [float(v) for line in chart.lines for v in line.values if v is not None]
    top = nice_ceiling(max(known, default=0.0), integers=all(v.is_integer() for v in known))

    def x_at(i: int) -> float:
        return round(LINE_LEFT + (plot_w / 2 if n == 1 else i * plot_w / (n - 1)), 2)

    def y_at(v: float) -> float:
        return round(LINE_TOP + plot_h - max(float(v), 0.0) / top * plot_h, 2)

    title_id = f"{key}-chart-title"
    parts = [format_html(
        '<svg class="chart line-chart" id="{}-chart" role="img" aria-labelledby="{}" viewBox="0 0 {} {}" '
        'width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{}">{}</title>',
        key, title_id, WIDTH, LINE_HEIGHT, title_id, title,
    )]
    for tick in range(5):
        value = top * tick / 4
        y = y_at(value)
        parts.append(format_html(
            '<line class="grid" x1="{}" y1="{}" x2="{}" y2="{}"></line>'
            '<text class="axis" x="{}" y="{}" text-anchor="end">{}</text>',
            LINE_LEFT, y, WIDTH - LINE_RIGHT, y, LINE_LEFT - 4, round(y + 4, 2),
            format_number(value if not value.is_integer() else int(value), chart.decimals),
        ))
    for i in x_label_indexes(x_labels, plot_w):
        anchor = "middle" if 0 < i < n - 1 or n == 1 else ("start" if i == 0 else "end")
        parts.append(format_html(
            '<text class="axis x-label" x="{}" y="{}" text-anchor="{}" translate="no">{}</text>',
            x_at(i), LINE_HEIGHT - 8, anchor, x_labels[i],
        ))
    for line in chart.lines:
        tone = _tone_class("line", line.tone)
        label_attrs = mark_safe(' translate="no"') if line.data else ""
        group = [format_html('<g class="series{}" data-series="{}"{}><title>{}</title>',
                             tone, line.label, label_attrs, line.label)]
        run: list[str] = []
        segments = []
        for i, value in enumerate(line.values[:n]):
            if value is None:
                segments.append(run)
                run = []
                continue
            run.append(f"{x_at(i)},{y_at(value)}")
        segments.append(run)
        for points in segments:
            if len(points) > 1:
                group.append(format_html('<polyline class="line{}" points="{}"></polyline>', tone, " ".join(points)))
        for i, value in enumerate(line.values[:n]):
            if value is None:
                continue
            group.append(format_html(
                '<circle class="point{}" cx="{}" cy="{}" r="3" data-value="{}"><title>{}: {}</title></circle>',
                tone, x_at(i), y_at(value), value, x_labels[i], format_number(value, chart.decimals),
            ))
        group.append(mark_safe("</g>"))
        parts.append(mark_safe("".join(str(g) for g in group)))
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(str(p) for p in parts))
