"""The household portrait (一户一画像). The household page IS the portrait: monitoring's card
(risk, reasons in words, monitoring type, stability, motivation, recommended measures)
comes first, then the sections registered here through platform.extensions — the four
poverties of motivation as a chart with every indicator, income by source over the last
years, and the runs' results over time — beside the assigned measures (measures app) and
the case with its history (cases app). `/monitoring/portrait/<household>/` shows the
same sections alone, for printing.

Values are the latest run's, unless the household was re-evaluated after an edit
(monitoring.current): then the portrait shows the re-evaluated values, marked as changed
since the run. The charts are SVG drawn here on the server, like platform.charts (whose
one-series bars do not fit an indicator grid, stacked sources or a risk timeline); their
numbers are exactly the tables' under them, and colours come from site.css classes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from neisheng.accounts.access import PERSONS_READ
from neisheng.engine import explain, schema
from neisheng.monitoring import selectors
from neisheng.monitoring.current import current_result, policy_in_use
from neisheng.monitoring.models import HouseholdResult
from neisheng.platform import scope
from neisheng.platform.access import requires
from neisheng.platform.extensions import (
    HouseholdSection,
    household_section_add,
    household_sections_rendered,
)
from neisheng.registry.models import Household
from neisheng.registry.selectors import household_file

# The income sources of the ledger (schema.LEDGER_ITEMS' groups), in the statistics'
# usual order: wages, business, property, transfers.
SOURCES = {
    "wage": "工资性收入",
    "business": "经营性收入",
    "property": "财产性收入",
    "transfer": "转移性收入",
}
# Years of income the portrait shows: the ledger keeps more, the page the recent trend.
INCOME_YEARS = 5


def _current(household):
    """The household's re-evaluation after an edit when newer than the latest run covering
    it (monitoring.current), else None: the portrait then shows the run's values."""
    current = current_result(household)
    return current if current is not None and current.reevaluated else None


# --------------------------------------------------------------------------- motivation


@dataclass(frozen=True)
class IndicatorBar:
    dimension: str  # translated
    label: str  # translated
    weight: float
    deprived: bool


def motivation_section(request, household) -> dict | None:
    """Every indicator of the policy by dimension (意识/能力/治理/机会): deprived or not,
    its weight and condition, and the household's score against the cut-off k. The run's
    policy; after a re-evaluation, the policy in force and today's facts."""
    result = selectors.result_for(household)
    if result is None:
        return None
    current = _current(household)
    policy = policy_in_use(result.run).policy if current is not None else result.run.resolved_policy()
    motivation = explain.motivation_explained(selectors.household_assessment(household, policy), policy)
    if motivation is None:
        return None
    bars = [IndicatorBar(gettext(d.label), gettext(i.label), i.weight, i.deprived)
            for d in motivation.dimensions for i in d.indicators]
    return {
        "household": household, "motivation": motivation, "current": current, "run": result.run,
        "chart": motivation_chart_svg(bars, score=motivation.score, k=motivation.k, scale=motivation.scale,
                                      title=gettext("内生动力各指标")),
    }


def _weight(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


WIDTH = 320
LABEL_X = 112  # the labels end here (right-aligned); bars start a little after
BAR_X = 118
SPAN = 130  # the longest bar
ROW = 22
BAR_H = 14


def _svg_open(key: str, title: str, height: int) -> SafeString:
    return format_html(
        '<svg class="chart portrait-chart" id="{}-chart" role="img" aria-labelledby="{}-chart-title" '
        'viewBox="0 0 {} {}" width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{}-chart-title">{}</title>', key, key, WIDTH, height, key, title)


def _short(label: str, chars: int) -> str:
    return label if len(label) <= chars else label[: chars - 1] + "…"


def motivation_chart_svg(bars: list[IndicatorBar], *, score: float, k: float, scale: float,
                         title: str) -> SafeString:
    """One row per indicator under its dimension's heading: the bar is the indicator's
    weight, filled when the household is deprived (it then adds its weight to the score),
    outlined when not; the last row puts the score on its scale with the cut-off k."""
    top = max((b.weight for b in bars), default=0) or 1
    rows, y, dimension = [], 2, None
    deprived_word, spared_word = gettext("剥夺"), gettext("未剥夺")
    for bar in bars:
        if bar.dimension != dimension:
            dimension = bar.dimension
            rows.append(format_html('<text class="chart-group" x="0" y="{}">{}</text>', y + BAR_H - 2, dimension))
            y += ROW
        length = round(bar.weight / top * SPAN, 2)
        state = deprived_word if bar.deprived else spared_word
        rows.append(format_html(
            '<g class="indicator-row{}" data-deprived="{}"><title>{}: {} · {}</title>'
            '<text class="bar-label" x="{}" y="{}" text-anchor="end">{}</text>'
            '<rect class="bar {}" x="{}" y="{}" width="{}" height="{}" rx="2"></rect>'
            '<text class="bar-value" x="{}" y="{}">{} {}</text></g>',
            " deprived" if bar.deprived else "", "1" if bar.deprived else "0", bar.label, state, _weight(bar.weight),
            LABEL_X, y + BAR_H - 2, _short(bar.label, 8),
            "bar-deprived" if bar.deprived else "bar-spared", BAR_X, y, length, BAR_H,
            BAR_X + length + 4, y + BAR_H - 2, _weight(bar.weight), "✗" if bar.deprived else "✓",
        ))
        y += ROW
    # The score on its scale, and the cut-off: at or above k the household lacks motivation.
    y += 4
    span = WIDTH - BAR_X - 50
    filled = round(min(max(score / (scale or 1), 0), 1) * span, 2)
    k_x = round(BAR_X + min(max(k / (scale or 1), 0), 1) * span, 2)
    rows.append(format_html(
        '<g class="score-row"><title>{}</title>'
        '<text class="bar-label" x="{}" y="{}" text-anchor="end">{}</text>'
        '<rect class="gauge-track" x="{}" y="{}" width="{}" height="{}" rx="2"></rect>'
        '<rect class="gauge-fill{}" x="{}" y="{}" width="{}" height="{}" rx="2"></rect>'
        '<line class="gauge-k" x1="{}" x2="{}" y1="{}" y2="{}"></line>'
        '<text class="bar-value" x="{}" y="{}">{}</text>'
        '<text class="gauge-k-label" x="{}" y="{}" text-anchor="middle">k {}</text></g>',
        f"{gettext('剥夺得分')} {_weight(score)} / {_weight(scale)} · k {_weight(k)}",
        LABEL_X, y + BAR_H - 2, gettext("剥夺得分"),
        BAR_X, y, span, BAR_H, " poor" if score >= k else "", BAR_X, y, filled, BAR_H,
        k_x, k_x, y - 3, y + BAR_H + 3, BAR_X + span + 4, y + BAR_H - 2, _weight(score),
        k_x, y + BAR_H + 15, _weight(k),
    ))
    height = y + BAR_H + 20
    return mark_safe(str(_svg_open("motivation", title, height)) + "".join(rows) + "</svg>")


# --------------------------------------------------------------------------- income


@dataclass
class IncomeYear:
    year: int
    sources: dict[str, Decimal]  # source → income of the year
    income: Decimal
    cost: Decimal
    net: Decimal
    per_capita: Decimal | None


def income_by_source(household) -> list[IncomeYear]:
    """The last INCOME_YEARS years of the ledger, oldest first: income by source, total
    income, production cost, net income and per-capita net income (the engine's totals,
    engine.household.ledger_years, as a run computes them)."""
    # From the members the household page has read already (the same count).
    alive = sum(1 for p in household.members.all() if p.alive)
    years = sorted(household_file.ledger_by_year(household, alive), key=lambda y: y.year)[-INCOME_YEARS:]
    shown = []
    for y in years:
        sources: dict[str, Decimal] = defaultdict(Decimal)
        for row in y.rows:
            item = schema.LEDGER_ITEMS.get(row.item)
            if item is not None and item.kind == "income" and item.group in SOURCES:
                sources[item.group] += row.amount
        shown.append(IncomeYear(y.year, {s: sources.get(s, Decimal(0)) for s in SOURCES}, y.income, y.cost, y.net,
                                y.per_capita))
    return shown


def income_section(request, household) -> dict | None:
    years = income_by_source(household)
    if not years:
        return None
    labels = {code: gettext(label) for code, label in SOURCES.items()}
    for y in years:
        y.cells = [(code, labels[code], amount) for code, amount in y.sources.items()]
    return {
        "household": household, "years": years, "sources": labels,
        "chart": income_chart_svg(years, labels, title=gettext("各年度收入来源")),
    }


def _yuan(value: Decimal) -> str:
    return f"{value.quantize(Decimal(1)):,}"


def income_chart_svg(years: list[IncomeYear], labels: dict[str, str], *, title: str) -> SafeString:
    """One stacked bar per year, a segment per source (its own colour class), the year's
    income at its end; a legend names the sources."""
    label_x, bar_x = 40, 46
    span = WIDTH - bar_x - 66
    top = max((float(y.income) for y in years), default=0) or 1
    parts, y_pos = [], 2
    for year in years:
        x = float(bar_x)
        segments = []
        for code, amount in year.sources.items():
            width = round(max(float(amount), 0) / top * span, 2)
            if width:
                segments.append(format_html(
                    '<rect class="seg seg-{}" x="{}" y="{}" width="{}" height="{}"><title>{}: {}</title></rect>',
                    code, round(x, 2), y_pos, width, BAR_H, labels[code], _yuan(amount)))
            x += width
        parts.append(format_html(
            '<g class="income-year" data-year="{}"><text class="bar-label" x="{}" y="{}" text-anchor="end">{}</text>'
            '{}<text class="bar-value" x="{}" y="{}">{}</text></g>',
            year.year, label_x, y_pos + BAR_H - 2, year.year, mark_safe("".join(map(str, segments))),
            round(x + 4, 2), y_pos + BAR_H - 2, _yuan(year.income)))
        y_pos += ROW
    # The legend: two sources a line, so it fits a phone.
    y_pos += 4
    for index, (code, label) in enumerate(labels.items()):
        lx = 0 if index % 2 == 0 else WIDTH // 2
        ly = y_pos + (index // 2) * 18
        parts.append(format_html(
            '<g class="legend"><rect class="seg seg-{}" x="{}" y="{}" width="12" height="12"></rect>'
            '<text x="{}" y="{}">{}</text></g>', code, lx, ly, lx + 16, ly + 11, _short(label, 14)))
    height = y_pos + ((len(labels) + 1) // 2) * 18 + 2
    return mark_safe(str(_svg_open("income", title, height)) + "".join(parts) + "</svg>")


# --------------------------------------------------------------------------- runs over time


@dataclass
class RunRow:
    year: int | None
    at: object  # when the run started, or when the household was re-evaluated
    risk: str | None
    reasons: list[str]  # schema.REASON msgids
    monitor_type: str | None
    stability: str | None
    income_pc: Decimal | None
    motivation_score: float | None
    motivation_poor: bool | None
    current: bool = False  # the re-evaluation after an edit, not a run
    changed: bool = False  # the re-evaluation's risk or reasons differ from the latest run's

    @property
    def risk_label(self) -> str:
        return schema.RISK.get(self.risk or "", "")

    @property
    def monitor_type_label(self) -> str:
        return schema.MONITOR_TYPE.get(self.monitor_type or "", "")

    @property
    def stability_label(self) -> str:
        return schema.STABILITY.get(self.stability or "", "")


def _codes(reasons) -> list[str]:
    codes = reasons.split(";") if isinstance(reasons, str) else list(reasons or ())
    return [schema.REASON.get(code, code) for code in codes if code]


def runs_section(request, household) -> dict | None:
    """Every run with a result for the household, oldest first, and the re-evaluation after
    the last edit when newer than the latest run (marked, and whether it changed the result)."""
    rows = [
        RunRow(r.run.year, r.run.started_at, r.risk, r.reason_labels, r.monitor_type, r.stability, r.income_pc,
               r.motivation_score, r.motivation_poor)
        for r in HouseholdResult.objects.filter(household=household).select_related("run")
        .order_by("run__started_at", "run_id")
    ]
    current = _current(household)
    if current is not None:
        rows.append(RunRow(None, current.evaluated_at, current.risk, _codes(current.reasons), current.monitor_type,
                           current.stability, current.income_pc, current.motivation_score, current.motivation_poor,
                           current=True, changed=current.changed))
    if not rows:
        return None
    return {"household": household, "rows": rows, "current": current,
            "chart": runs_chart_svg(rows, title=gettext("历次监测结果"))}


def runs_chart_svg(rows: list[RunRow], *, title: str) -> SafeString:
    """One bar per run: its length the per-capita net income, its colour the risk; the
    re-evaluation last, marked."""
    label_x, bar_x = 92, 98
    span = WIDTH - bar_x - 66
    top = max((float(r.income_pc) for r in rows if r.income_pc is not None), default=0) or 1
    parts = []
    for index, row in enumerate(rows):
        y = 2 + index * ROW
        label = gettext("当前") if row.current else f"{row.year} · {timezone.localtime(row.at):%m-%d}"
        value = row.income_pc
        width = round(max(float(value or 0), 0) / top * span, 2)
        shown = "—" if value is None else _yuan(value)
        parts.append(format_html(
            '<g class="run-row{}" data-risk="{}"><title>{}: {}</title>'
            '<text class="bar-label" x="{}" y="{}" text-anchor="end">{}</text>'
            '<rect class="bar bar-{}" x="{}" y="{}" width="{}" height="{}" rx="2"></rect>'
            '<text class="bar-value" x="{}" y="{}">{}</text></g>',
            " current" if row.current else "", row.risk or "", label, shown,
            label_x, y + BAR_H - 2, label, row.risk or "none", bar_x, y, width, BAR_H,
            bar_x + width + 4, y + BAR_H - 2, shown))
    height = max(len(rows), 1) * ROW + 4
    return mark_safe(str(_svg_open("runs", title, height)) + "".join(parts) + "</svg>")


# --------------------------------------------------------------------------- the printable portrait


@requires(PERSONS_READ)
def portrait_print(request, household_id):
    """The portrait alone (every section of the household page, no forms or history), for
    printing or handing over."""
    household = get_object_or_404(
        scope.visible_to(request.user, Household.objects.select_related("village", "village__parent")),
        pk=household_id)
    members = list(household.members.filter(alive=True).order_by("birth_date"))
    return render(request, "monitoring/portrait.html", {
        "household": household, "sections": household_sections_rendered(request, household),
        "head": next((p for p in members if p.relation == "head"), None), "size": len(members),
    })


def register() -> None:
    household_section_add(HouseholdSection(
        name="portrait-motivation", template="monitoring/portrait_motivation.html", context=motivation_section,
        order=20))
    household_section_add(HouseholdSection(
        name="portrait-income", template="monitoring/portrait_income.html", context=income_section, order=30))
    household_section_add(HouseholdSection(
        name="portrait-runs", template="monitoring/portrait_runs.html", context=runs_section, order=40))
