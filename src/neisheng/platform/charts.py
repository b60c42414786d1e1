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

Why SVG from the server rather than a chart library in the browser: the Content-Security-
Policy runs only our own static scripts, pages must work without JavaScript on a cadre's
phone, the same markup prints into PDFs later, and the numbers a chart shows are exactly
the table's (one series, read by a screen reader from the table under it). Colours come
from the stylesheet through classes (`bar-<tone>`), never from attributes here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.html import format_html
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

    @property
    def is_number(self) -> bool:
        return isinstance(self.value, (int, float, Decimal)) and not isinstance(self.value, bool)


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

    def chart_svg(self) -> SafeString:
        return bar_chart_svg(self.series, title=self.chart_title or self.title, key=self.key)


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
