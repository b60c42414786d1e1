"""The monitoring dashboard of a division (issue 10, item 6): households by risk, monitoring
type and stability one level down, trends across runs, the motivation index (H, A, M0 and
each indicator's contribution) and FGT0/1/2 and Watts, each as a card with its chart, its
table and an Excel export.

Every figure comes from the runs' region summaries (`RegionSummary`, one row per division
per run, computed by the engine once when a run is stored): a page view reads a division's
row in each run and its children's rows in one run, never the households' results, so it
costs the same at a thousand households as at a million.

Aggregates only: every role may open it within its own division, researchers too. Counts
link to the household list (the latest run's results) only for roles that may read
households, and only while the page shows the latest run.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext, pgettext

from neisheng.accounts.access import PERSONS_READ, user_may
from neisheng.divisions import parent_of
from neisheng.engine import explain, schema
from neisheng.monitoring.models import MonitoringRun, RegionSummary
from neisheng.platform import scope
from neisheng.platform.charts import (
    SERIES_TONES,
    Bar,
    Cell,
    DashboardCard,
    Line,
    LineChart,
    Segment,
    Stack,
    StackedBarChart,
)

# Count columns of region_summary.parquet: they add up across divisions (the ratios do not).
COUNTS = ("households", "persons", *(f"risk_{r}" for r in schema.RISK),
          *(f"monitor_{t}" for t in schema.MONITOR_TYPE), *(f"stability_{s}" for s in schema.STABILITY),
          "motivation_poor")
# The household list filters by town or village only (registry.list_views); above that a
# count links to the list without a division, which is the user's whole scope.
LIST_LEVELS = (schema.VILLAGE_LEVEL - 1, schema.VILLAGE_LEVEL)
MONITOR_TONES = dict(zip(schema.MONITOR_TYPE, SERIES_TONES[:3]))
STABILITY_TONES = dict(zip(schema.STABILITY, SERIES_TONES[3:6]))


@dataclass(frozen=True)
class Region:
    """A division's row of a run's region summary."""

    code: str  # "" for the whole registry (several top divisions summed)
    name: str
    level: int
    values: dict

    def count(self, key: str) -> int:
        value = self.values.get(key)
        return int(value) if value is not None else 0

    def ratio(self, key: str) -> float | None:
        value = self.values.get(key)
        return float(value) if value is not None else None

    @property
    def monitored(self) -> int:
        return sum(self.count(f"monitor_{t}") for t in schema.MONITOR_TYPE)

    @property
    def with_stability(self) -> int:
        return sum(self.count(f"stability_{s}") for s in schema.STABILITY)


def _region(row: RegionSummary) -> Region:
    return Region(code=row.code, name=row.name, level=row.level, values=row.values or {})


def _summed(regions: list[Region]) -> Region:
    """The whole registry when it has several top divisions: their counts added; the
    ratios are left unknown (they cannot be added)."""
    return Region(code="", name="", level=0, values={k: sum(r.count(k) for r in regions) for k in COUNTS})


@dataclass(frozen=True)
class RunPoint:
    run: MonitoringRun
    region: Region
    label: str  # "2026·2": the run's year and its order among that year's runs


@dataclass
class Dashboard:
    user: object
    division: Region  # the chosen division, in the chosen run
    run: MonitoringRun
    latest: bool  # the chosen run is the newest covering the division
    trend: list[RunPoint]  # every run with a summary of the division, oldest first
    children: list[Region]  # one level down; a village: itself
    path: list[Region]  # below the user's division down to the chosen one
    links: bool  # counts link to the household list
    # The two pages every link leads to, reversed once per page rather than once per cell.
    page_path: str = ""
    list_path: str = ""

    def __post_init__(self) -> None:
        self.page_path = self.page_path or reverse("monitoring:overview")
        self.list_path = self.list_path or reverse("registry:household_list")

    @property
    def rows_are_children(self) -> bool:
        return not (len(self.children) == 1 and self.children[0].code == self.division.code)


def _covering(code: str) -> list[str]:
    """Run scopes that cover a division: the whole registry and the division or any above.
    A run over another town of the county has no row of this town, and a county's row is
    the whole county's only in a run over the county or above it."""
    codes = [""]
    while code:
        codes.append(code)
        code = parent_of(code) or ""
    return codes


def _trend(user, code: str) -> list[tuple[MonitoringRun, Region]]:
    """The division's row in every run covering it, oldest first (one query)."""
    rows = scope.visible_to(user, RegionSummary.objects.filter(
        run__division_code__in=_covering(code), run__finished_at__isnull=False, run__error="",
    ))
    rows = rows.filter(code=code) if code else rows.filter(parent_code="")
    rows = rows.select_related("run").defer("run__policy_text").order_by("run__started_at", "run__pk", "code")
    if code:
        return [(row.run, _region(row)) for row in rows]
    by_run: dict[int, tuple[MonitoringRun, list[Region]]] = {}
    for row in rows:
        by_run.setdefault(row.run_id, (row.run, []))[1].append(_region(row))
    return [(run, regions[0] if len(regions) == 1 else _summed(regions)) for run, regions in by_run.values()]


def _labelled(trend: list[tuple[MonitoringRun, Region]]) -> list[RunPoint]:
    seen: dict[int, int] = {}
    points = []
    for run, region in trend:
        seen[run.year] = seen.get(run.year, 0) + 1
        points.append(RunPoint(run, region, f"{run.year}·{seen[run.year]}"))
    return points


def dashboard_for(user, *, division_code: str | None = None, run_id: str | None = None) -> Dashboard | None:
    """The dashboard of `division_code` (the user's own division when it is not given,
    outside their scope, or has no summary) in run `run_id` (the newest covering the
    division when it is not one of them). None when no run with a summary covers it."""
    home = user.division_id or ""
    wanted = division_code if division_code and division_code.isdigit() and len(division_code) == 12 else None
    code = wanted if wanted and wanted != home and scope.code_is_within(user, wanted) else home
    trend = _trend(user, code)
    if not trend and code != home:
        code = home
        trend = _trend(user, code)
    if not trend:
        return None
    points = _labelled(trend)
    chosen = next((p for p in points if str(p.run.pk) == str(run_id or "")), points[-1])
    run = chosen.run
    division = chosen.region
    children = _children(user, run, code)
    while not code and len(children) == 1:
        # The whole registry under one division (a province, its one city): that division
        # is the registry; the first level with several divisions gives the rows.
        below = _children(user, run, children[0].code)
        division, children = children[0], below
        if not below:
            break
    return Dashboard(
        user=user, division=division, run=run, latest=chosen is points[-1], trend=points,
        children=children or [division], path=_path(user, run, code, home),
        links=user_may(user, PERSONS_READ),
    )


def _children(user, run: MonitoringRun, code: str) -> list[Region]:
    rows = scope.visible_to(user, RegionSummary.objects.filter(run=run, parent_code=code))
    return [_region(r) for r in rows.order_by("code")]


def _path(user, run: MonitoringRun, code: str, home: str) -> list[Region]:
    """The divisions below the user's own down to `code` (itself included), for the
    breadcrumbs after the user's division."""
    codes = []
    current = code
    while current and current != home:
        codes.append(current)
        current = parent_of(current) or ""
    if not codes:
        return []
    rows = {r.code: _region(r) for r in scope.visible_to(user, RegionSummary.objects.filter(
        run=run, code__in=codes))}
    return [rows[c] for c in reversed(codes) if c in rows]


# --- Links --------------------------------------------------------------------------


def page_url(division_code: str, run: MonitoringRun | None = None, *, path: str | None = None) -> str:
    """The dashboard of a division (in `run`; the newest when None)."""
    params = {"division": division_code}
    if run is not None:
        params["run"] = run.pk
    return (path or reverse("monitoring:overview")) + "?" + urlencode({k: v for k, v in params.items() if v})


def list_url(board: Dashboard, region: Region, **params) -> str | None:
    """The household list behind a count of `region`, or None (no link): for roles that
    may read households, while the page shows the latest run, for a town or village
    (the list's division filter) or the user's own division (their whole scope)."""
    if not board.links or not board.latest:
        return None
    if region.level not in LIST_LEVELS and region.code != (board.user.division_id or ""):
        return None  # the list would ignore the division and count the user's whole scope
    params["division"] = region.code
    query = urlencode({k: v for k, v in params.items() if v})
    return board.list_path + (f"?{query}" if query else "")


def _drill_url(board: Dashboard, region: Region) -> str | None:
    if region.code == board.division.code or not region.code:
        return None
    return page_url(region.code, None if board.latest else board.run, path=board.page_path)


# --- Cards --------------------------------------------------------------------------


def cards_for(board: Dashboard) -> list[DashboardCard]:
    policy = _policy(board.run)
    return [
        risk_card(board), division_risk_card(board), monitor_type_card(board), stability_card(board),
        trend_risk_card(board), trend_monitor_card(board), motivation_card(board, policy),
        poverty_card(board, policy),
    ]


def _policy(run: MonitoringRun):
    if "policy_text" in run.get_deferred_fields():
        run.refresh_from_db(fields=["policy_text"])
    return run.resolved_policy()


def _named(board: Dashboard, region: Region) -> Cell:
    return Cell(region.name, href=_drill_url(board, region), data=True)


def _division_table(board: Dashboard, headers: list[str], cells_of) -> dict:
    """A card's table with one row per child division and the chosen division's total
    (unless the one row is the division itself); the export leads with the codes."""
    rows = [[_named(board, r), *cells_of(r)] for r in board.children]
    total = [Cell(gettext("合计")), *cells_of(board.division)] if board.rows_are_children else None
    shown = [*zip(board.children, rows), *([(board.division, total)] if total else [])]
    return {
        "headers": [gettext("区划"), *headers],
        "rows": rows,
        "total": total,
        "export_headers": [gettext("区划代码"), gettext("区划"), *headers],
        "export_rows": [[region.code, region.name if row is not total else gettext("合计"),
                         *(cell.exported for cell in row[1:])] for region, row in shown],
    }


def risk_card(board: Dashboard) -> DashboardCard:
    """Households of the chosen division by risk colour."""
    region = board.division
    bars, table = [], []
    for code, label in schema.RISK.items():
        n = region.count(f"risk_{code}")
        href = list_url(board, region, risk=code)
        bars.append(Bar(gettext(label), n, href=href, tone=code))
        table.append([Cell(gettext(label), tone=code), Cell(n, href=href)])
    return DashboardCard(
        key="by-risk", title=gettext("按风险等级"), series=bars,
        headers=[gettext("风险"), gettext("户数")], rows=table,
        total=[Cell(gettext("合计")), Cell(region.count("households"), href=list_url(board, region))],
        export_action="",
    )


def _stacks(board: Dashboard, parts, *, total=None, decimals=None) -> StackedBarChart:
    return StackedBarChart([
        Stack(r.name, [Segment(label, value, tone) for label, value, tone in parts(r)],
              href=_drill_url(board, r), total=total(r) if total else None)
        for r in board.children
    ], decimals=decimals)


def division_risk_card(board: Dashboard) -> DashboardCard:
    labels = {code: gettext(label) for code, label in schema.RISK.items()}

    def parts(r):
        return [(labels[code], r.count(f"risk_{code}"), code) for code in schema.RISK]

    def cells_of(r):
        return [Cell(r.count("households"), href=list_url(board, r)),
                *(Cell(r.count(f"risk_{code}"), href=list_url(board, r, risk=code),
                       tone=code if r.count(f"risk_{code}") else "") for code in schema.RISK)]

    return DashboardCard(
        key="by-division", title=gettext("各区划风险等级"),
        note=gettext("每条为一个下级区划的农户,按红、黄、绿分段;点区划名称查看下一级。"),
        chart=_stacks(board, parts), chart_title=gettext("各区划农户按风险等级"),
        **_division_table(board, [gettext("户数"), *(gettext(label) for label in schema.RISK.values())], cells_of),
        export_action="",
    )


def monitor_type_card(board: Dashboard) -> DashboardCard:
    labels = {code: gettext(label) for code, label in schema.MONITOR_TYPE.items()}

    def parts(r):
        return [(labels[code], r.count(f"monitor_{code}"), MONITOR_TONES[code]) for code in schema.MONITOR_TYPE]

    def cells_of(r):
        return [*(Cell(r.count(f"monitor_{code}"), href=list_url(board, r, monitor_type=code))
                  for code in schema.MONITOR_TYPE), Cell(r.monitored)]

    return DashboardCard(
        key="by-monitor-type", title=gettext("各区划监测对象类型"),
        chart=_stacks(board, parts), chart_title=gettext("各区划监测对象按类型"),
        **_division_table(board, [*(gettext(label) for label in schema.MONITOR_TYPE.values()),
                                  gettext("监测对象")], cells_of),
        export_action="",
    )


def stability_card(board: Dashboard) -> DashboardCard:
    labels = {code: gettext(label) for code, label in schema.STABILITY.items()}

    def parts(r):
        return [(labels[code], r.count(f"stability_{code}"), STABILITY_TONES[code]) for code in schema.STABILITY]

    def cells_of(r):
        return [*(Cell(r.count(f"stability_{code}"), href=list_url(board, r, stability=code))
                  for code in schema.STABILITY), Cell(r.with_stability)]

    return DashboardCard(
        key="by-stability", title=gettext("各区划脱贫稳定性"),
        note=gettext("稳定、巩固、临界按政策的收入倍数划分。"),
        chart=_stacks(board, parts), chart_title=gettext("各区划农户按脱贫稳定性"),
        **_division_table(board, [*(gettext(label) for label in schema.STABILITY.values()),
                                  pgettext("count of households", "脱贫户")], cells_of),
        export_action="",
    )


def _trend_card(board: Dashboard, *, key: str, title: str, chart_title: str,
                series: list[tuple[str, str, str]], total_label: str, total_of) -> DashboardCard:
    """Lines over the runs (oldest first), one per (column, label, tone); the table lists
    each run with its date, each run linking to the dashboard of that run."""
    points = board.trend
    chart = LineChart([p.label for p in points], [
        Line(label, [p.region.count(column) for p in points], tone=tone) for column, label, tone in series
    ])
    rows, export_rows = [], []
    for p in points:
        href = None if p.run.pk == board.run.pk else page_url(board.division.code, p.run, path=board.page_path)
        started = p.run.started_at.strftime("%Y-%m-%d %H:%M") if p.run.started_at else ""
        values = [p.region.count(column) for column, _, _ in series]
        rows.append([Cell(p.label, href=href, data=True), Cell(started, data=True),
                     *(Cell(v) for v in values), Cell(total_of(p.region))])
        export_rows.append([p.run.year, p.label, started, *values, total_of(p.region)])
    headers = [gettext("运行时间"), *(label for _, label, _ in series), total_label]
    return DashboardCard(
        key=key, title=title, chart=chart, chart_title=chart_title,
        note=gettext("横轴为监测年度·当年第几次运行;点表中的运行查看当时的仪表盘。"),
        headers=[gettext("运行"), *headers], rows=rows,
        export_headers=[gettext("监测年度"), gettext("运行"), *headers], export_rows=export_rows,
        export_action="",
    )


def trend_risk_card(board: Dashboard) -> DashboardCard:
    return _trend_card(
        board, key="trend-risk", title=gettext("风险等级趋势"), chart_title=gettext("历次运行的红、黄、绿户数"),
        series=[(f"risk_{code}", gettext(label), code) for code, label in schema.RISK.items()],
        total_label=gettext("户数"), total_of=lambda r: r.count("households"),
    )


def trend_monitor_card(board: Dashboard) -> DashboardCard:
    return _trend_card(
        board, key="trend-monitor", title=gettext("监测对象趋势"), chart_title=gettext("历次运行的监测对象户数"),
        series=[(f"monitor_{code}", gettext(label), MONITOR_TONES[code]) for code, label in schema.MONITOR_TYPE.items()],
        total_label=gettext("监测对象"), total_of=lambda r: r.monitored,
    )


def _indicator_label(name: str) -> tuple[str, bool]:
    """An indicator's label in the reader's language; a name the engine does not label
    is shown as it is (data)."""
    label = explain.INDICATOR_LABELS.get(name)
    return (gettext(label), False) if label else (name, True)


def motivation_card(board: Dashboard, policy) -> DashboardCard:
    """H (the share of households whose motivation is poor), A (their average weighted
    deprivation), M0 = H × A, and each indicator's contribution to M0. The bar of each
    division is its M0 split into the indicators' parts (weight × censored headcount
    ratio, which add up to M0), so both the level and the make-up compare across rows."""
    indicators = list(policy.indicators)
    tones = {i.name: SERIES_TONES[n % len(SERIES_TONES)] for n, i in enumerate(indicators)}

    def legend_label(indicator) -> str:
        dimension = explain.DIMENSION_LABELS.get(indicator.dimension)
        label, _ = _indicator_label(indicator.name)
        return f"{gettext(dimension)} · {label}" if dimension else label

    legend = {i.name: legend_label(i) for i in indicators}

    def parts(r):
        out = []
        for i in indicators:
            ch = r.ratio(f"ch_{i.name}")
            out.append((legend[i.name], None if ch is None else i.weight * ch, tones[i.name]))
        return out

    def cells_of(r):
        return [
            Cell(r.count("motivation_poor"), href=list_url(board, r, motivation="poor")),
            Cell(r.ratio("motivation_H"), decimals=3), Cell(r.ratio("motivation_A"), decimals=3),
            Cell(r.ratio("motivation_M0"), decimals=3),
            *(Cell(r.ratio(f"contrib_{i.name}"), percent=True) for i in indicators),
        ]

    headers = [gettext("内生动力不足(户)"), gettext("发生率 H"), gettext("平均剥夺份额 A"), gettext("指数 M0"),
               *(gettext("%(indicator)s贡献率(%%)") % {"indicator": _indicator_label(i.name)[0]}
                 for i in indicators)]
    return DashboardCard(
        key="motivation", title=gettext("内生动力指数"),
        note=gettext("H:内生动力不足户的占比;A:这些户的平均加权剥夺份额;M0 = H × A。"
                     "条形为 M0,按各指标的贡献分段。"),
        chart=_stacks(board, parts, total=lambda r: r.ratio("motivation_M0"), decimals=3),
        chart_title=gettext("各区划内生动力指数 M0 及各指标的贡献"),
        **_division_table(board, headers, cells_of),
        export_action="",
    )


def poverty_card(board: Dashboard, policy) -> DashboardCard:
    """FGT0 (headcount ratio), FGT1 (poverty gap), FGT2 (squared gap) and Watts, over
    persons, against the policy's poverty line."""

    def cells_of(r):
        return [Cell(r.count("persons")), Cell(r.ratio("fgt0"), percent=True),
                Cell(r.ratio("fgt1"), decimals=4), Cell(r.ratio("fgt2"), decimals=4),
                Cell(r.ratio("watts"), decimals=4)]

    bars = [Bar(r.name, round((r.ratio("fgt0") or 0.0) * 100, 1), href=_drill_url(board, r), data=True)
            for r in board.children]
    return DashboardCard(
        key="poverty", title=gettext("贫困发生率与贫困深度"),
        note=gettext("按脱贫标准 %(line)s 元/人·年计算,以人口为单位。") % {"line": f"{int(policy.poverty_line):,}"},
        series=bars, chart_title=gettext("各区划贫困发生率(%)"),
        **_division_table(board, [gettext("人口数"), gettext("贫困发生率"), gettext("贫困缺口指数"),
                                  gettext("平方贫困缺口指数"), gettext("瓦茨指数")], cells_of),
        export_action="",
    )


def no_summary_reason(user) -> str:
    """Why there is no dashboard: no run at all, or runs stored before summaries were."""
    covering = _covering(user.division_id or "")
    if MonitoringRun.objects.filter(Q(division_code__in=covering), error="").exists():
        return gettext("已有的监测运行没有区划汇总;请重新运行监测。")
    return ""
