"""Reads of the monitoring workflow: the latest run (a query: every run is kept), its
results for one household or a list of households, and its results counted under the
user's division (aggregates only, so every role may see them)."""

from __future__ import annotations

from collections import Counter
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.db.models import Count, F, FilteredRelation, Q, QuerySet

from neisheng.accounts.models import User
from neisheng.divisions import parent_of
from neisheng.engine import classify, explain, schema
from neisheng.engine import household as engine_household
from neisheng.monitoring.models import HouseholdResult, MonitoringRun, RecommendedMeasure
from neisheng.platform import scope
from neisheng.registry.models import Division
from neisheng.registry.selectors import household_file


def _covering(division_code: str) -> list[str]:
    """The run scopes that cover a division: the whole registry ("") and the division
    with each division above it."""
    codes = [""]
    code = division_code
    while code:
        codes.append(code)
        code = parent_of(code)
    return codes


# One request asks for the latest run many times (each list column, filter, count and
# card): within a request the answer is read once (`_memo`), between requests never
# kept. `request_memo_start`/`request_memo_end` are connected to Django's request signals
# (extensions.register); outside a request (commands, jobs, tests calling selectors)
# there is no memo. Storing or changing a run empties it (a run stored inside a request).
_request_memo: ContextVar[dict | None] = ContextVar("monitoring_request_memo", default=None)


def request_memo_start(**_) -> None:
    _request_memo.set({})


def request_memo_end(**_) -> None:
    _request_memo.set(None)


def request_memo_clear(**_) -> None:
    memo = _request_memo.get()
    if memo is not None:
        memo.clear()


def request_memoised(key, compute):
    """`compute()`, once per request for `key` (every time outside a request)."""
    memo = _request_memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def household_assessment(household, policy):
    """The engine's assessment of the household as its records stand (engine.household),
    once per request and policy: the result card and the portrait's motivation section
    explain the same household with the same policy."""

    def assess():
        members = list(household.members.all())
        return engine_household.assessment(*household_file.engine_rows(household, members), policy)

    return request_memoised(("assessment", household.pk, policy), assess)


def finished_runs() -> QuerySet[MonitoringRun]:
    """Runs whose results are stored: a run is made before its job runs (finished_at
    empty) and a failed run never gets finished_at; neither is anybody's latest run."""
    return MonitoringRun.objects.filter(finished_at__isnull=False)


def latest_run(year: int | None = None, division_code: str | None = None) -> MonitoringRun | None:
    """The newest finished run (of `year`, when given) whose scope covers `division_code`
    (a run over the whole registry covers every division). Earlier runs stay in the
    database."""
    def newest():
        # The household page has read every finished run already (current_results):
        # the newest covering one is among them, so no query of its own.
        memo = _request_memo.get()
        if year is None and memo is not None and "finished_runs" in memo:
            covering = set(_covering(division_code or ""))
            return next((r for r in memo["finished_runs"] if not division_code or r.division_code in covering), None)
        runs = finished_runs()
        if year is not None:
            runs = runs.filter(year=year)
        if division_code:
            runs = runs.filter(division_code__in=_covering(division_code))
        return runs.order_by("-started_at", "-pk").first()

    return request_memoised(("latest_run", year, division_code or ""), newest)


def latest_runs_by_village(village_codes) -> dict[str, MonitoringRun | None]:
    """village code → the newest finished run covering it, from one read of the runs'
    scopes (a few dozen rows) rather than a query per village."""
    runs = request_memoised("finished_runs", lambda: list(finished_runs().order_by("-started_at", "-pk")))
    found = {}
    for village in set(village_codes):
        covering = set(_covering(village))
        found[village] = next((r for r in runs if r.division_code in covering), None)
    return found


def run_latest() -> MonitoringRun | None:
    return latest_run()


def latest_run_for(user: User) -> MonitoringRun | None:
    """The newest run covering the user's division (any run, for an administrator)."""
    return latest_run(division_code=user.division_id or None)


def latest_results(run: MonitoringRun | None = None) -> QuerySet[HouseholdResult]:
    """The results of `run` (default: the latest run); none when no run was loaded."""
    run = run if run is not None else latest_run()
    if run is None:
        return HouseholdResult.objects.none()
    return HouseholdResult.objects.filter(run=run)


def results_visible_to(user: User, run: MonitoringRun | None = None) -> QuerySet[HouseholdResult]:
    """The latest run's results (or `run`'s) for the households in the user's scope."""
    run = run if run is not None else latest_run_for(user)
    return scope.visible_to(user, latest_results(run))


def result_for(household, run: MonitoringRun | None = None) -> HouseholdResult | None:
    """One household's result in `run` (default: the latest run covering its village)."""
    run = run if run is not None else latest_run(division_code=household.village_id)
    if run is None:
        return None
    # The household page's policy, result card and motivation section ask for the same one.
    return request_memoised(
        ("result_for", household.pk, run.pk),
        lambda: HouseholdResult.objects.filter(run=run, household=household).select_related("run").first())


def measures_for(result: HouseholdResult) -> QuerySet[RecommendedMeasure]:
    """The measures recommended to a household in the run of `result`."""
    return RecommendedMeasure.objects.filter(run_id=result.run_id, household_id=result.household_id)


def household_card(household, run: MonitoringRun | None = None, *, shown=None, in_use=None) -> dict | None:
    """What the household page shows of a result and why (engine.explain: each reason's
    values against the policy of that result, the colour rule, the motivation score on its
    scale, the measures grouped by measure with the members named as the page names them).

    `run`: the run (default: the latest covering the household) whose result is shown,
    unless `shown` (monitoring.current.CurrentResult, re-evaluated with the policy
    `in_use`) is given: then that re-evaluation is shown (`reevaluated`, with `changed`
    when its risk or reasons differ from the run's, `run_result` being what the run
    said). monitoring.current.household_card gives the CURRENT result. None when there is
    nothing to show. `current` is False when today's facts no longer give the result
    shown (the registry was loaded or changed without a re-evaluation): the page then
    says the values are today's."""
    run = run if run is not None else latest_run(division_code=household.village_id)
    result = result_for(household, run) if run is not None else None
    if result is None and shown is None:
        return None
    members = list(household.members.all())
    household_row, person_rows, ledger_rows = household_file.engine_rows(household, members)
    if shown is not None:
        policy, policy_name = in_use.policy, in_use.policy.source
        live = engine_household.household_result(household_row, person_rows, ledger_rows, policy)
        # The re-evaluation as a run's result (unsaved), so the card reads both alike.
        displayed = HouseholdResult(
            run=run, household=household, size=live["size"], income_pc=shown.income_pc,
            prev_income_pc=live["prev_income_pc"], rigid_pc=live["rigid_pc"], risk=shown.risk,
            reasons=";".join(shown.reasons), monitor_type=shown.monitor_type, stability=shown.stability,
            motivation_score=shown.motivation_score, motivation_poor=shown.motivation_poor,
            deprived=";".join(shown.deprived),
        )
    else:
        policy, policy_name, displayed = result.run.resolved_policy(), result.run.policy, result
    assessed = household_assessment(household, policy)
    recommended = measures_for(result).values_list("measure", "person_id") if result is not None else []
    explanation = explain.household_explained(assessed, policy, recommended)
    score_agrees = (displayed.motivation_score is None) == (assessed.motivation_score is None) and (
        displayed.motivation_score is None or abs(displayed.motivation_score - assessed.motivation_score) < 1e-9)
    return {
        "result": displayed,
        "run": run,
        "run_result": result,
        "run_policy": policy,
        "policy_name": policy_name,
        "year": run.year if run is not None else policy.year,
        "reevaluated": shown is not None,
        "evaluated_at": shown.evaluated_at if shown is not None else None,
        "changed": shown is not None and shown.changed,
        "explanation": explanation,
        "names": household_file.member_names(members),
        "current": (assessed.risk == displayed.risk and score_agrees
                    and explanation.reason_codes == [r for r in displayed.reason_codes if r != classify.NO_MEMBERS]),
    }


def with_latest_result(households: QuerySet, run: MonitoringRun | None, name: str = "latest_result") -> QuerySet:
    """Households with `name` as a relation to their result in `run` (a LEFT JOIN on the
    unique (run, household) pair, so each household stays one row): filter or count by
    `latest_result__risk`, `latest_result__motivation_poor`. No run: every value is null."""
    return households.annotate(**{name: FilteredRelation("monitoring_results", condition=Q(monitoring_results__run=run))})


def with_reevaluation(households: QuerySet, run: MonitoringRun | None, name: str) -> QuerySet:
    """Households with `name` as a relation to their re-evaluation made after `run`
    started (any, without a run): the current result where it exists
    (monitoring.current). A LEFT JOIN on the household's one re-evaluation."""
    condition = (Q(reevaluation__evaluated_at__gte=run.started_at) if run is not None
                 else Q(reevaluation__evaluated_at__isnull=False))
    return households.annotate(**{name: FilteredRelation("reevaluation", condition=condition)})


def with_latest_risk(households: QuerySet, run: MonitoringRun | None = None) -> QuerySet:
    """Households annotated with `risk`, their risk in the latest run (null when none)."""
    run = run if run is not None else latest_run()
    return with_latest_result(households, run, "latest_risk_result").annotate(risk=F("latest_risk_result__risk"))


def latest_risks(household_ids: list[str], run: MonitoringRun | None = None) -> dict[str, str | None]:
    """household number → risk in the latest run, for one page of a list."""
    return dict(latest_results(run).filter(household_id__in=household_ids).values_list("household_id", "risk"))


@dataclass
class RiskCounts:
    """One row of the overview: a division and its households' results."""

    code: str
    name: str
    households: int = 0
    risk: Counter = field(default_factory=Counter)
    monitor_type: Counter = field(default_factory=Counter)
    motivation_poor: int = 0

    def add(self, row: dict) -> None:
        n = row["n"]
        self.households += n
        self.risk[row["risk"]] += n
        self.monitor_type[row["monitor_type"]] += n
        if row["motivation_poor"]:
            self.motivation_poor += n

    def cells(self) -> list[int]:
        return [self.households, *(self.risk[r] for r in schema.RISK),
                *(self.monitor_type[t] for t in schema.MONITOR_TYPE), self.motivation_poor]

    def labelled(self) -> list[tuple[str, int]]:
        """(column label, count) pairs, for the phone layout's cell labels."""
        return [(zh, n) for (zh, _), n in zip(COLUMNS, self.cells())]


COLUMNS = [
    ("户数", "households"), *((label, f"risk {code}") for code, label in schema.RISK.items()),
    *((label, code) for code, label in schema.MONITOR_TYPE.items()), ("内生动力不足", "motivation poor"),
]


def _breakdown_divisions(user: User) -> list[Division]:
    """The divisions one level below the user's (a village cadre: the village itself);
    an administrator without a division gets the top divisions in the registry."""
    under = scope.visible_to(user, Division)
    if user.division_id is None:
        top = under.filter(parent__isnull=True)
        if top.count() == 1:
            only = top.get()
            return list(under.filter(parent=only)) or [only]
        return list(top)
    return list(under.filter(parent_id=user.division_id)) or [user.division]


def risk_overview(user: User, run: MonitoringRun | None = None) -> tuple[RiskCounts, list[RiskCounts]]:
    """The user's whole scope, and one row per division one level below, from the latest
    run covering the user's division (or `run`)."""
    total = RiskCounts(code=user.division_id or "", name=user.division.name if user.division_id else "")
    divisions = _breakdown_divisions(user)
    rows = [RiskCounts(code=d.code, name=d.name) for d in divisions]
    prefixes = [(d.prefix, counts) for d, counts in zip(divisions, rows)]
    grouped = (
        results_visible_to(user, run)
        .values("household__village_id", "risk", "monitor_type", "motivation_poor")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in grouped:
        total.add(row)
        village = row["household__village_id"]
        for prefix, counts in prefixes:
            if village.startswith(prefix):
                counts.add(row)
                break
    return total, rows

