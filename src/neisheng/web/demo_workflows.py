"""The demo county's monitoring workflow (issue 10, item 8): what a county office has
after two years of 防返贫监测, so a newcomer sees every page with something on it.

Made by the demo logins through the same services the pages and the API call (policy
versions, monitoring runs, registry edits, warning-list handovers and follow-ups,
cases and their steps, assigned measures), never by writing rows, so it shows what a
county gets:

- the 2025 and 2026 policies, each saved and activated by the county officer;
- a 2025 run, a 2026 run, a few household edits (a house becomes D级危房, a wage income
  falls), a second 2026 run with NEW warnings, and one edit after it (changed since);
- the latest run's warning list handed to every town and some rows to the village and
  assistance cadres, with the policy's deadline: some overdue, some case opened, some
  dismissed with a reason;
- cases in every state of cases.md, through every channel, each step by the role that
  makes it, with past dates in order: some overdue, some rejected with a reason, the
  monitored households with a measure, one risk elimination.

Dates are counted back from today; cases' steps and measures take their dates through
their services. Two things no service dates: a run (it is when it ran) and a handover
of a warning list (handed today). `demo_runs_backdate` and `demo_handover_backdate`
move the demo's runs and handovers back after the service made them, so the trends
span two years and some handed rows are overdue. They are the only direct writes, and
only the demo makes them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

# Days before today each run is dated (the 2025 run, then the two 2026 runs).
RUN_DAYS_AGO = (350, 110, 20)
# Days before today each town got the latest list: the first town long enough ago that
# its open rows are overdue, the others recently.
TOWN_HANDED_AGO = (18, 4)
VILLAGE_CADRE_HANDED_AGO = 6  # within the deadline
ASSISTANCE_CADRE_HANDED_AGO = 15  # past it
CHECKERS = (["王建国", "李秀英"], ["张志强", "刘芳"], ["陈明", "赵丽"])
CONSENT_SCAN = b"%PDF-1.4\n% demo: the household's signed authorisation (scanned)\n"


def ago(days: int) -> dt.date:
    from django.utils import timezone

    return timezone.localdate() - dt.timedelta(days=days)


@dataclass
class DemoWorkflows:
    """What the workflow made, for the summary and the seconds each part took."""

    policies: list[str] = field(default_factory=list)
    runs: list[dict] = field(default_factory=list)  # year, on, red, yellow, green, new
    rows_handed: int = 0
    rows_by_status: dict[str, int] = field(default_factory=dict)
    cases_by_state: dict[str, int] = field(default_factory=dict)
    cases_overdue: int = 0
    measures: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """The summary printed before the browser opens."""
        runs = "; ".join(f"{r['year']} ({r['on']}): 红 red {r['red']}, 黄 yellow {r['yellow']}, "
                         f"绿 green {r['green']}, 新增预警 new {r['new']}" for r in self.runs)
        rows = ", ".join(f"{k} {v}" for k, v in self.rows_by_status.items())
        cases = ", ".join(f"{k} {v}" for k, v in self.cases_by_state.items())
        return [
            f"政策 policies: {', '.join(self.policies)}",
            f"监测运行 runs: {runs}",
            f"预警清单交办 warning rows handed out: {self.rows_handed} ({rows})",
            f"监测案件 cases: {sum(self.cases_by_state.values())} ({cases}); 逾期 overdue {self.cases_overdue}",
            f"帮扶措施 measures assigned: {self.measures}",
        ]


@dataclass(frozen=True)
class CasePlan:
    """One demo case: its channel, when it was reported, and its steps (target state,
    the demo login that makes it, days before today)."""

    channel: str
    reason: str
    reported_ago: int
    steps: tuple[tuple[str, str, int], ...] = ()
    pool: str = "risk"  # risk (red/yellow), eligible (meets the elimination conditions), green
    via: str = ""  # public_form, cadre_form, latest_row, earlier_row
    finding: str = ""
    note: str = ""  # the reason of a rejection


# cases.md's main line and the demo login that makes each step (its role may).
_IDENTIFY = (("verified", "village"), ("compared", "county"), ("village_reviewed", "village"),
             ("publicized", "village"), ("town_reviewed", "town"), ("monitoring", "county"))
_ELIMINATION = (("elimination_proposed", "village"), ("elimination_publicized", "village"),
                ("risk_eliminated", "county"))


def _steps(line, until: str, days: list[int]) -> tuple[tuple[str, str, int], ...]:
    """The steps of `line` up to `until`, dated `days` before today."""
    targets = [to for to, _ in line]
    return tuple((to, role, d) for (to, role), d in zip(line[: targets.index(until) + 1], days, strict=True))


def _line(until: str, days: list[int]) -> tuple[tuple[str, str, int], ...]:
    return _steps(_IDENTIFY, until, days)


def _eliminate(until: str, days: list[int]) -> tuple[tuple[str, str, int], ...]:
    return _steps(_ELIMINATION, until, days)


CASE_PLANS = (
    # reported
    CasePlan("self_report", "家中主要劳动力务工受伤,今年收入明显减少", 3, via="public_form"),
    CasePlan("cadre_screening", "走访发现户主突发重病住院,医疗支出大", 30),  # overdue
    # verified
    CasePlan("self_report", "儿子上大学学费负担重,申请纳入监测", 8, _line("verified", [6]), via="cadre_form"),
    CasePlan("department_screening", "医保部门预警:年内住院自付费用较高", 25, _line("verified", [20]),
             finding="医保局 大额医疗费用预警"),  # overdue
    # compared: from the latest run's warning list (a NEW row handed to the village cadre)
    CasePlan("monitoring_run", "预警清单新增:住房鉴定为D级危房", 5, _line("compared", [4, 3]), via="latest_row"),
    # village_reviewed
    CasePlan("cadre_screening", "走访发现家庭经营亏损,收入骤降", 14, _line("village_reviewed", [13, 12, 10])),
    # publicized (notice posted, not yet ended)
    CasePlan("cadre_screening", "走访发现因灾房屋受损,生活困难", 40, _line("publicized", [37, 34, 30, 3])),  # overdue
    # town_reviewed
    CasePlan("department_screening", "住建部门预警:农房安全排查列为危房", 13,
             _line("town_reviewed", [12, 11, 10, 9, 2]), finding="住建局 农房安全隐患排查"),
    # monitoring
    CasePlan("self_report", "家中老人长期患病,收入难以覆盖支出", 100,
             _line("monitoring", [98, 96, 95, 94, 87, 85]), via="cadre_form"),
    CasePlan("monitoring_run", "预警清单:人均纯收入低于监测标准", 105,
             _line("monitoring", [103, 101, 100, 99, 92, 90]), via="earlier_row"),
    # rejected, each with its reason
    CasePlan("cadre_screening", "走访发现家庭收入波动", 60, (("verified", "village", 58), ("rejected", "town", 55)),
             pool="green", note="入户核实:家庭务工收入稳定,人均纯收入高于监测范围,不予纳入"),
    CasePlan("department_screening", "人社部门预警:家庭成员失业", 35,
             (("verified", "assistance", 33), ("compared", "county", 30), ("rejected", "county", 28)),
             pool="green", finding="人社局 失业登记比对", note="信息比对:家庭成员已重新就业,有稳定工资收入,不予纳入"),
    CasePlan("self_report", "申请纳入监测对象", 20, (("rejected", "town", 18),), pool="green", via="public_form",
             note="核实:申报理由与家庭实际情况不符,家庭无返贫致贫风险,不予纳入"),
    # risk elimination: monitored for more than six months, a measure assigned, green now
    CasePlan("cadre_screening", "走访发现产业经营失败,家庭收入大幅下降", 300,
             _line("monitoring", [298, 296, 294, 293, 286, 284]) + _eliminate("elimination_proposed", [10]),
             pool="eligible"),
    CasePlan("self_report", "家庭成员患病,医疗支出较大", 330,
             _line("monitoring", [328, 326, 324, 323, 316, 314]) + _eliminate("elimination_publicized", [12, 8]),
             pool="eligible", via="cadre_form"),
    CasePlan("department_screening", "民政部门预警:低收入人口动态监测", 360,
             _line("monitoring", [358, 356, 354, 353, 346, 344]) + _eliminate("risk_eliminated", [25, 20, 10]),
             pool="eligible", finding="民政局 低收入人口动态监测信息平台"),
)


# --------------------------------------------------------------------------- the whole workflow


def demo_workflows_build(*, home: Path, logins: list[dict], year: int,
                         say: Callable[[str], None] = lambda _: None) -> DemoWorkflows:
    """Everything above, in order; `logins` as accounts.services.demo_users_create
    returned them, `year` the demo's year (the policy and runs of the year before too)."""
    from neisheng.accounts.models import User

    users = {u["role"]: User.objects.get(username=u["username"]) for u in logins}
    made = DemoWorkflows()
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        made.seconds[name] = made.seconds.get(name, 0.0) + now - clock
        clock = now

    made.policies = demo_policies(county=users["county"], years=(year - 1, year))
    lap("policies")
    runs = [demo_run(county=users["county"], year=year - 1, days_ago=RUN_DAYS_AGO[0], home=home)]
    runs.append(demo_run(county=users["county"], year=year, days_ago=RUN_DAYS_AGO[1], home=home))
    lap("runs")
    say(f"已完成 {year - 1}、{year} 年度监测 / monitoring of {year - 1} and {year} done")
    edited = demo_household_edits(user=users["village"], run=runs[-1])
    lap("edits")
    runs.append(demo_run(county=users["county"], year=year, days_ago=RUN_DAYS_AGO[2], home=home))
    lap("runs")
    say(f"已完成第二次 {year} 年度监测 / the second {year} run done")
    demo_edit_after_run(user=users["village"], run=runs[-1], exclude=edited)
    lap("edits")
    demo_warnings_hand_over(users=users, run=runs[-1])
    lap("warnings")
    cases = demo_cases(users=users, runs=runs)
    lap("cases")
    demo_warnings_follow_up(users=users, run=runs[-1], cases=cases)
    lap("warnings")
    say("已交办预警清单并办理监测案件 / warning lists handed out, cases made")
    _count(made, runs)
    return made


def _count(made: DemoWorkflows, runs) -> None:
    from neisheng.cases.models import MonitoringCase, State
    from neisheng.cases.selectors import cases_overdue_q
    from neisheng.measures.models import AssignedMeasure
    from neisheng.warninglists.models import WarningRow
    from neisheng.warninglists.selectors import with_status

    for run in runs:
        run.refresh_from_db()
        made.runs.append({"year": run.year, "on": run.started_at.date().isoformat(), "red": run.red,
                          "yellow": run.yellow, "green": run.green,
                          "new": WarningRow.objects.filter(run=run, new=True).count()})
    handed = with_status(WarningRow.objects.filter(run=runs[-1], handover__isnull=False))
    made.rows_handed = handed.count()
    made.rows_by_status = dict(Counter(handed.values_list("shown_status", flat=True)))
    by_state = Counter(MonitoringCase.objects.values_list("state", flat=True))
    made.cases_by_state = {s: by_state[s] for s in State.values if by_state[s]}
    made.cases_overdue = MonitoringCase.objects.filter(cases_overdue_q()).count()
    made.measures = AssignedMeasure.objects.count()


# --------------------------------------------------------------------------- policies and runs


def demo_policies(*, county, years) -> list[str]:
    """Each year's policy saved and activated by the county officer: the built-in text
    with its year (and reference date) moved to the year, as the policy page offers it."""
    from neisheng.monitoring.policies import (
        policy_starting_text,
        policy_version_activate,
        policy_version_create,
    )

    made = []
    for year in years:
        version = policy_version_create(user=county, year=year, text=policy_starting_text(year),
                                        note=f"{year} 年度监测政策(内置政策)")
        policy_version_activate(user=county, version=version)
        made.append(f"{year} v{version.pk}")
    return made


def demo_run(*, county, year: int, days_ago: int, home: Path):
    """A run of the county officer's county with the year's active policy, run here and
    now (the page queues the same run as a background job), then dated `days_ago`."""
    from neisheng.monitoring.runs import monitoring_run, run_division_of

    run = monitoring_run(year=year, work_dir=home / "demo-monitoring", started_by=county,
                         division_code=run_division_of(county))
    demo_runs_backdate(run=run, days_ago=days_ago)
    return run


def demo_runs_backdate(*, run, days_ago: int) -> None:
    """DEMO ONLY. A run is dated when it runs and no service sets its date; the demo's
    runs all run today, so their trend would have no time axis. This moves one finished
    run back `days_ago` days (started and finished, keeping its duration)."""
    from django.utils import timezone

    from neisheng.monitoring.models import MonitoringRun

    started = timezone.now() - dt.timedelta(days=days_ago)
    finished = started + dt.timedelta(seconds=run.seconds or 0)
    MonitoringRun.objects.filter(pk=run.pk).update(started_at=started, finished_at=finished)
    run.started_at, run.finished_at = started, finished


# --------------------------------------------------------------------------- registry edits


def _village_of(user):
    return user.division


def _green_households(run, village, *, exclude=()):
    from neisheng.monitoring.models import HouseholdResult

    return list(HouseholdResult.objects.filter(run=run, risk="green", size__gt=0, household__village=village,
                                               household__status="general")
                .exclude(household_id__in=list(exclude)).order_by("household_id")
                .values_list("household_id", flat=True))


def demo_household_edits(*, user, run) -> list[str]:
    """Between the two 2026 runs the village cadre records what a visit found: two houses
    assessed D级危房, two wage incomes that fell to a tenth. Each edit re-evaluates its
    household at once; the second run lists them as NEW warnings."""
    from neisheng.registry.models import Household, IncomeItem
    from neisheng.registry.services import household_update, ledger_item_update

    village = _village_of(user)
    green = _green_households(run, village)
    houses, incomes = green[:2], []
    for household_id in green[2:]:
        if len(incomes) == 2:
            break
        wages = list(IncomeItem.objects.filter(household_id=household_id, year=run.year, item="wage"))
        if wages:
            incomes.append((household_id, wages))
    for household_id in houses:
        household_update(user=user, household=Household.objects.get(pk=household_id),
                         values={"housing": "d_class"})
    for _, wages in incomes:
        for item in wages:
            ledger_item_update(user=user, item=item, values={"amount": (item.amount / 10).quantize(Decimal("0.01"))})
    return houses + [h for h, _ in incomes]


def demo_edit_after_run(*, user, run, exclude) -> None:
    """One edit after the latest run: the household shows its new risk, marked as
    changed since the run, until the next run confirms it."""
    from neisheng.registry.models import Household
    from neisheng.registry.services import household_update

    green = _green_households(run, _village_of(user), exclude=exclude)
    if green:
        household_update(user=user, household=Household.objects.get(pk=green[-1]), values={"housing": "c_class"})


# --------------------------------------------------------------------------- warning lists


def _hand_over(*, handed_on: dt.date, deadline: dt.date, **kwargs):
    """warning_rows_hand_over (today, as a page does), then dated `handed_on`."""
    from neisheng.warninglists.services import warning_rows_hand_over

    handover = warning_rows_hand_over(deadline=max(deadline, ago(0)), **kwargs)
    demo_handover_backdate(handover=handover, handed_on=handed_on, deadline=deadline)
    return handover


def demo_handover_backdate(*, handover, handed_on: dt.date, deadline: dt.date) -> None:
    """DEMO ONLY, like demo_runs_backdate: warning_rows_hand_over hands a list today, so a
    demo made in one sitting would have no overdue row. This moves one handover (and the
    row history's entries for it) back to `handed_on` with its deadline."""
    from neisheng.platform.models import Transition
    from neisheng.warninglists.models import WarningHandover
    from neisheng.warninglists.services import HAND_OVER, WARNING_ROW_WORKFLOW

    WarningHandover.objects.filter(pk=handover.pk).update(handed_on=handed_on, deadline=deadline)
    Transition.objects.filter(object_type=WARNING_ROW_WORKFLOW.object_type,
                              name=f"{HAND_OVER}:{handover.pk}").update(effective_on=handed_on)
    handover.handed_on, handover.deadline = handed_on, deadline


def demo_warnings_hand_over(*, users, run) -> None:
    """The county officer hands the latest list to every town (the first town 18 days
    ago, so its open rows are overdue now); the town officer hands some rows of the
    village on to the village cadre (in time) and to the assistance cadre (overdue)."""
    from neisheng.monitoring.policies import policy_for_year
    from neisheng.warninglists.models import WarningRow
    from neisheng.warninglists.services import towns_for

    days = policy_for_year(run.year).policy.cases_warning_days
    county, town_officer = users["county"], users["town"]
    rows = WarningRow.objects.filter(run=run, status=WarningRow.Status.OPEN)
    for n, town in enumerate(towns_for(county)):
        town_rows = rows.filter(village_code__startswith=town.prefix)
        if not town_rows.exists():
            continue
        handed_ago = TOWN_HANDED_AGO[0] if town.pk == town_officer.division_id else TOWN_HANDED_AGO[1]
        _hand_over(user=county, rows=town_rows, to_division=town, handed_on=ago(handed_ago),
                   deadline=ago(handed_ago) + dt.timedelta(days=days),
                   note="请各乡镇在期限内逐户核实,符合条件的及时纳入监测")
    village_rows = list(rows.filter(village_code=users["village"].division_id)
                        .order_by("-new", "household_id").values_list("pk", flat=True))
    for cadre, handed_ago, picked in ((users["village"], VILLAGE_CADRE_HANDED_AGO, village_rows[:8]),
                                      (users["assistance"], ASSISTANCE_CADRE_HANDED_AGO, village_rows[8:12])):
        if picked:
            _hand_over(user=town_officer, rows=WarningRow.objects.filter(pk__in=picked), to_user=cadre,
                       handed_on=ago(handed_ago), deadline=ago(handed_ago) + dt.timedelta(days=days),
                       note="请入户核实并反馈")


def demo_warnings_follow_up(*, users, run, cases) -> None:
    """The village cadre dismisses rows of households already in monitoring, and one
    whose data was wrong, each with its reason (cases opened from rows are followed up
    by case_report itself)."""
    from neisheng.cases.models import State
    from neisheng.warninglists.models import WarningRow
    from neisheng.warninglists.services import warning_row_dismiss

    cadre = users["village"]
    monitored = {c.household_id: c.pk for c in cases if c.state == State.MONITORING}
    open_rows = WarningRow.objects.filter(run=run, status=WarningRow.Status.OPEN, village_code=cadre.division_id)
    dismissals = [(row, f"已纳入监测(监测案件 #{monitored[row.household_id]})")
                  for row in open_rows.filter(household_id__in=list(monitored))]
    handed = open_rows.filter(handover__to_user=cadre).exclude(household_id__in=list(monitored)).order_by("pk").last()
    if handed is not None:
        dismissals.append((handed, "数据错误已更正:务工收入漏登,已补录,家庭人均纯收入高于监测范围"))
    for row, reason in dismissals:
        warning_row_dismiss(user=cadre, row=row, reason=reason)


# --------------------------------------------------------------------------- cases


def _pools(users, latest_run, used: set[str]) -> dict[str, list]:
    """The village's households a demo case may be about, by what the case needs."""
    from neisheng.cases.elimination import current_result_of
    from neisheng.engine.schema import LABOR_CAPABLE
    from neisheng.monitoring.models import HouseholdResult
    from neisheng.monitoring.policies import policy_for_year
    from neisheng.registry.models import Household, Person

    village = users["village"].division
    threshold = Decimal(str(policy_for_year(latest_run.year).policy.monitoring_threshold))
    results = HouseholdResult.objects.filter(run=latest_run, household__village=village, size__gt=0,
                                             household__status__in=("general", "lifted"))
    risk = [h for h in results.filter(risk__in=("red", "yellow")).order_by("household_id")
            .values_list("household_id", flat=True) if h not in used]
    green = [h for h in results.filter(risk="green").order_by("household_id")
             .values_list("household_id", flat=True) if h not in used]
    capable = set(Person.objects.filter(household_id__in=green, alive=True, labor__in=sorted(LABOR_CAPABLE))
                  .values_list("household_id", flat=True))
    eligible = []
    for household in Household.objects.filter(pk__in=[h for h in green if h in capable]).order_by("household_id"):
        current = current_result_of(household)
        # Well above the threshold: its income stays above it whatever the re-evaluation.
        if current is not None and current.risk == "green" and (current.income_pc or 0) >= threshold * Decimal("1.5"):
            eligible.append(household.pk)
        if len(eligible) >= 6:
            break
    return {"risk": risk, "green": [h for h in green if h not in eligible], "eligible": eligible}


def demo_cases(*, users, runs) -> list:
    """CASE_PLANS made through the cases' services, in order of their plans."""
    from neisheng.registry.models import Household
    from neisheng.warninglists.models import WarningRow

    village = users["village"].division
    latest, earlier = runs[-1], runs[-2]
    used: set[str] = set()
    rows = {
        "latest_row": WarningRow.objects.filter(run=latest, village_code=village.code, status=WarningRow.Status.OPEN,
                                                handover__to_user=users["village"]).order_by("-new", "household_id"),
        "earlier_row": WarningRow.objects.filter(run=earlier, village_code=village.code,
                                                 status=WarningRow.Status.OPEN).order_by("household_id"),
    }
    row_for = {}
    for via, candidates in rows.items():
        row = candidates.exclude(household_id__in=list(used)).first()
        if row is not None:
            row_for[via] = row
            used.add(row.household_id)
    pools = _pools(users, latest, used)
    cases = []
    for plan in CASE_PLANS:
        row = row_for.get(plan.via)
        if row is not None:
            household = row.household
        else:
            pool = pools[plan.pool] or pools["risk"]
            household = Household.objects.get(pk=pool.pop(0))
        cases.append(demo_case(plan=plan, household=household, users=users, warning_row=row))
    return cases


def _consent_scan():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("承诺授权书.pdf", CONSENT_SCAN, content_type="application/pdf")


def _step_fields(to: str, case, on: dt.date, n: int) -> dict:
    from neisheng.monitoring.policies import policy_current

    policy = policy_current().policy
    checkers = CHECKERS[n % len(CHECKERS)]
    if to == "verified":
        return {"checkers": checkers, "consent": True, "consent_scan": _consent_scan(),
                "note": "入户核实:家庭情况与申报一致,已签署承诺授权书"}
    if to == "compared":
        return {"findings": "民政、人社、医保、住建、市场监管部门数据比对:无车辆、商品房、经营主体,无财政供养人员",
                "note": "县级信息比对完成"}
    if to in ("village_reviewed", "elimination_publicized"):
        return {"participants": 15 + n % 10, "agreed": True, "note": "村民代表民主评议,一致同意"}
    if to == "publicized":
        return {"note": "在村务公开栏公示"}
    if to in ("town_reviewed", "risk_eliminated"):
        days = policy.cases_publicity_days if to == "town_reviewed" else policy.cases_elimination_publicity_days
        notice_end = min(case.notice_start + dt.timedelta(days=days + 1), on)
        fields = {"notice_end": notice_end, "objections": [] if n % 2 else ["村民询问家庭收入情况,经村委会说明后无异议"],
                  "note": "公示期满无异议,审核通过"}
        if to == "risk_eliminated":
            fields["town_reviewed_on"] = notice_end
            fields["note"] = "风险消除条件复核通过,同意标注风险消除"
        return fields
    if to == "monitoring":
        return {"monitor_type": case.monitor_type or "sudden_hardship", "note": "县级审批同意纳入监测对象"}
    if to == "elimination_proposed":
        return {"checkers": checkers, "consent": True, "note": "收入持续稳定,帮扶措施落实,提出风险消除"}
    raise ValueError(to)


def demo_case(*, plan: CasePlan, household, users, warning_row=None):
    """One case: reported through its channel, then each step of the plan by its role,
    and a measure for the household once it is monitored."""
    from neisheng.cases.public import self_report_receive
    from neisheng.cases.services import case_report, case_transition
    from neisheng.measures.services import measure_assign
    from neisheng.registry.models import Person

    reported_on = ago(plan.reported_ago)
    if plan.via in ("public_form", "cadre_form"):
        # The public form's own path (no user), or a cadre filing it on the household's behalf.
        head = Person.objects.filter(household=household, relation="head").first()
        report = self_report_receive(
            village_code=household.village_id, head_name=head.name, id_number=head.person_id, phone="",
            reason=plan.reason, sender=hashlib.sha256(b"neisheng demo").hexdigest(),
            filed_by=users["village"] if plan.via == "cadre_form" else None, reported_on=reported_on)
        case = report.case
    else:
        case = case_report(user=users["village"] if plan.channel != "department_screening" else users["county"],
                           household=household, channel=plan.channel, reported_on=reported_on, reason=plan.reason,
                           warning_row=warning_row, finding_ref=plan.finding)
    for n, (to, role, days) in enumerate(plan.steps):
        on = ago(days)
        if to == "rejected":
            fields = {"note": plan.note}
        else:
            fields = _step_fields(to, case, on, n + case.pk)
        case = case_transition(user=users[role], case=case, to=to, on=on, **fields)
        if to == "monitoring":
            _measure(user=users["village"], household=household, on=on + dt.timedelta(days=10),
                     assign=measure_assign)
    return case


def _measure(*, user, household, on: dt.date, assign) -> None:
    """The run's first recommended measure for the household, else industry support."""
    from neisheng.monitoring.models import RecommendedMeasure

    recommended = RecommendedMeasure.objects.filter(household=household).order_by("-run_id", "pk").first()
    assign(user=user, household=household, measure=recommended.measure if recommended else "industry_support",
           assigned_on=on, responsible="镇农业服务中心", person_id=recommended.person_id if recommended else "",
           note="结对帮扶责任人跟进落实", from_recommendation=recommended is not None)
