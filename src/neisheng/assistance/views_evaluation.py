"""The evaluation page (帮扶成效评估, issue 13 point 4): per measure and outcome, the
effect with its confidence interval, the before/after means of both groups, how many
households stand behind them and the caution when they are too few; a chart of the
effects; the method in plain words; the Excel export (a POST, audited).

Aggregates only: the page is open to researchers (MEASURES_EVALUATE), names no household
or person, and shows a group's mean only when enough households stand behind it
(assistance.evaluation.mean_shown)."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext

from neisheng.accounts.access import MEASURES_EVALUATE
from neisheng.assistance.evaluation import (
    OUTCOME_ORDER,
    Evaluation,
    division_chosen,
    divisions_offered,
    evaluation_for,
    mean_shown,
)
from neisheng.assistance.evaluation_chart import ForestChart, Interval
from neisheng.engine.evaluation import (
    AT_RISK,
    CAUTIONS,
    INCOME_PC,
    NO_OVERLAP,
    NOT_ESTIMABLE,
    OUTCOMES,
    TOO_FEW,
    Estimate,
)
from neisheng.engine.measures import MEASURE_LABELS
from neisheng.platform.access import requires
from neisheng.platform.charts import Cell, DashboardCard, format_number
from neisheng.platform.exports import export_response

CARD_KEYS = {INCOME_PC: "evaluation-income", AT_RISK: "evaluation-risk"}


def _caution_short(caution: str | None) -> str:
    return {TOO_FEW: gettext("户数太少"), NO_OVERLAP: gettext("缺少可比农户"),
            NOT_ESTIMABLE: gettext("无法估计")}.get(caution or "", "")


def _scaled(outcome: str, value: float | None) -> float | None:
    """An effect as the page shows it: yuan per person, or percentage points of a share."""
    if value is None:
        return None
    return value * 100 if outcome == AT_RISK else value


def _signed(outcome: str, value: float | None) -> str:
    shown = format_number(_scaled(outcome, value), 0 if outcome == INCOME_PC else 1)
    if value is not None and value > 0:
        shown = "+" + shown
    return shown.replace("-", "−")


def _mean_cell(outcome: str, value: float | None) -> Cell:
    if outcome == AT_RISK:
        return Cell(value, decimals=1, percent=True)
    return Cell(value, decimals=0)


def _card(result: Evaluation, outcome: str, division_label: str) -> DashboardCard:
    confidence = f"{result.confidence * 100:.0f}%"
    unit = gettext("元/人") if outcome == INCOME_PC else gettext("百分点")
    headers = [gettext("措施"), gettext("成效(%(unit)s)") % {"unit": unit},
               gettext("%(level)s 置信区间") % {"level": confidence},
               gettext("接受户数"), gettext("比较户数"), gettext("接受户·前"), gettext("接受户·后"),
               gettext("比较户·前"), gettext("比较户·后"), gettext("提示")]
    rows, intervals, exported = [], [], []
    for estimate in result.by_outcome(outcome):
        label = gettext(MEASURE_LABELS.get(estimate.measure, estimate.measure))
        means = [mean_shown(estimate, group, when, result.min_households)
                 for group in ("treated", "comparison") for when in ("before", "after")]
        interval = "—"
        if estimate.ci_low is not None and estimate.ci_high is not None:
            interval = gettext("%(low)s 至 %(high)s") % {"low": _signed(outcome, estimate.ci_low),
                                                          "high": _signed(outcome, estimate.ci_high)}
        rows.append([
            Cell(label), Cell(_signed(outcome, estimate.effect) if estimate.effect is not None else None),
            Cell(interval), Cell(estimate.n_treated), Cell(estimate.n_comparison),
            *[_mean_cell(outcome, m) for m in means], Cell(_caution_short(estimate.caution))])
        intervals.append(Interval(label=label, effect=_scaled(outcome, estimate.effect),
                                  low=_scaled(outcome, estimate.ci_low), high=_scaled(outcome, estimate.ci_high),
                                  shown=_signed(outcome, estimate.effect) if estimate.effect is not None else "—",
                                  caution=bool(estimate.caution)))
        exported.append(_export_row(result, estimate, division_label))
    note = (gettext("接受措施的农户人均纯收入比相似的未接受农户多增加的元数。") if outcome == INCOME_PC else
            gettext("接受措施的农户中收入低于监测范围的比例,比相似的未接受农户多变化的百分点;负数是减少。"))
    return DashboardCard(
        key=CARD_KEYS[outcome], title=gettext(OUTCOMES[outcome]), note=note, headers=headers, rows=rows,
        chart=ForestChart(intervals, legend_labels=(
            gettext("成效及其 %(level)s 置信区间") % {"level": confidence}, gettext("户数太少或缺少可比农户,仅供参考"))),
        chart_title=gettext("各项措施的成效:%(outcome)s") % {"outcome": gettext(OUTCOMES[outcome])},
        export_action="", export_headers=export_headers(), export_rows=exported,
    )


def export_headers() -> list[str]:
    return [gettext("区划代码"), gettext("区划"), gettext("评估年度"), gettext("措施代码"), gettext("措施"),
            gettext("结果指标"), gettext("成效"), gettext("置信区间下限"), gettext("置信区间上限"), gettext("P 值"),
            gettext("接受户数"), gettext("比较户数"), gettext("接受户·前"), gettext("接受户·后"),
            gettext("比较户·前"), gettext("比较户·后"), gettext("提示")]


def _export_row(result: Evaluation, estimate: Estimate, division_label: str) -> list:
    means = [mean_shown(estimate, group, when, result.min_households)
             for group in ("treated", "comparison") for when in ("before", "after")]
    return [result.division_code, division_label, result.year, estimate.measure,
            gettext(MEASURE_LABELS.get(estimate.measure, estimate.measure)), gettext(OUTCOMES[estimate.outcome]),
            estimate.effect, estimate.ci_low, estimate.ci_high, estimate.p_value, estimate.n_treated,
            estimate.n_comparison, *means, gettext(CAUTIONS[estimate.caution]) if estimate.caution else ""]


@requires(MEASURES_EVALUATE)
def evaluation(request):
    """The page; a POST (the page's or a card's export button) downloads the workbook."""
    user = request.user
    division = division_chosen(user, request.GET.get("division"))
    result = evaluation_for(user, division)
    division_label = division.name if division is not None else gettext("全部区划")
    # A measure nobody received in the year before (this year's plans) has nothing to
    # compare: named once under the cards rather than drawn as empty rows.
    shown = result.with_receivers()
    cards = [_card(shown, outcome, division_label) for outcome in OUTCOME_ORDER]
    if request.method == "POST":
        card = next((c for c in cards if c.key == request.POST.get("card")), None)
        rows = card.export_rows if card is not None else [row for c in cards for row in c.export_rows]
        return export_response(
            request, object_type="measure_evaluation",
            detail={"division": result.division_code, "year": result.year, "card": card.key if card else ""},
            filename=gettext("帮扶成效评估"), title=gettext("帮扶成效评估"), headers=export_headers(), rows=rows)
    cautions = [(gettext(MEASURE_LABELS.get(e.measure, e.measure)), gettext(OUTCOMES[e.outcome]), e.caution,
                 gettext(CAUTIONS[e.caution])) for e in shown.estimates if e.caution]
    not_received = [gettext(MEASURE_LABELS.get(m, m)) for m in result.measures_without_receivers()]
    return render(request, "assistance/evaluation_page.html", {
        "result": result, "division": division, "divisions": divisions_offered(user, division),
        "cards": cards if shown.estimates else [], "cautions": cautions, "not_received": not_received,
        "confidence": f"{result.confidence * 100:.0f}%", "before_year": result.year - 1,
    })
