"""What monitoring adds to the registry's pages through platform.extensions (registered in
MonitoringConfig.ready()): the result card of the household page and the policy its
result used, and each household's CURRENT risk, reasons, monitoring type, stability and
motivation (monitoring.current: its re-evaluation after an edit when newer than the
latest run, else that run's result) and whether it changed since the run, for the
household list (each a column and a filter), the household API (risk in the payload;
risk, monitoring type, stability and motivation as filters) and /api/summary/; the pages
take them from the latest run covering the user's division, and the registry's cached
figures a version that changes with every run and every re-evaluation.

It also connects what keeps results current: every change of households' records
re-evaluates them after the commit (households_changed), a stored run supersedes older
re-evaluations (run_finished), and the latest run is read once per request."""

from __future__ import annotations

from django.core.signals import request_finished, request_started
from django.db.models import Case, F, Max, Q, Value, When
from django.db.models.lookups import Exact
from django.db.models.signals import post_delete, post_save

from neisheng.engine import schema
from neisheng.monitoring import current, scope_figures, selectors
from neisheng.monitoring.models import MonitoringRun, PolicyVersion, Reevaluation
from neisheng.platform.extensions import (
    HouseholdAttribute,
    HouseholdSection,
    cache_version_add,
    household_attribute_add,
    household_policy_set,
    household_section_add,
    households_changed_listen,
    run_finished_listen,
    stored_figures_add,
)


def household_card(request, household) -> dict | None:
    """The household's current result (a re-evaluation after an edit, else the latest
    run covering its village), why, and the measures that run recommended; no card
    before any run or re-evaluation."""
    return current.household_card(household)


def household_policy(household):
    """The policy of the result the household page shows (None before any run), so ages
    and guarantees on the page use that result's thresholds: the policy in use for a
    re-evaluated household, else its run's."""
    # current_result reads the latest run covering the village (its `run`), and it
    # exists for the household exactly when the run has a result for it or a newer
    # re-evaluation: no query of the run or the result of its own.
    shown = current.current_result(household)
    if shown is None:
        return None
    if shown.reevaluated:
        return current.policy_in_use(shown.run).policy
    return shown.run.resolved_policy()


MOTIVATION = {"poor": "内生动力不足", "adequate": "内生动力充足"}
CHANGED = {"changed": "自上次监测运行后已变化"}


def _joined(households, run):
    """Households joined once to their result in `run` and to their re-evaluation made
    after `run` started (the current result: monitoring.current), under aliases naming
    the run, so every attribute of the same run shares the two LEFT JOINs."""
    alias = f"monitoring_run_{run.pk if run is not None else 'none'}"
    newer = f"monitoring_reevaluated_{run.pk if run is not None else 'none'}"
    if alias not in households.query._filtered_relations:
        households = selectors.with_latest_result(households, run, alias)
        households = selectors.with_reevaluation(households, run, newer)
    return households, alias, newer


def _current(households, run, field: str):
    """(households, the current value of `field`): the re-evaluation's when one is newer
    than the run (even a null: a household left without members), else the run's."""
    households, alias, newer = _joined(households, run)
    return households, Case(When(**{f"{newer}__evaluated_at__isnull": False}, then=F(f"{newer}__{field}")),
                            default=F(f"{alias}__{field}"))


def _annotated(field: str, *, for_user: bool):
    """An attribute's annotate (latest run) or annotate_for (latest run covering the user)."""
    def annotate(households, run):
        households, value = _current(households, run, field)
        return households.annotate(**{field: value})

    if for_user:
        return lambda user, households: annotate(households, selectors.latest_run_for(user))
    return lambda households: annotate(households, selectors.latest_run())


def _motivation(households, run):
    households, poor = _current(households, run, "motivation_poor")
    return households.annotate(motivation=Case(
        When(Exact(poor, True), then=Value("poor")),
        When(Exact(poor, False), then=Value("adequate")),
        default=None,
    ))


def _latest_motivation(households):
    return _motivation(households, selectors.latest_run())


def _motivation_for(user, households):
    return _motivation(households, selectors.latest_run_for(user))


def _changed(households, run):
    """"changed" when the household's re-evaluation newer than the run differs from the
    run's result (Reevaluation.changed, compared again when a run is stored)."""
    households, _, newer = _joined(households, run)
    return households.annotate(changed=Case(
        When(Q(**{f"{newer}__evaluated_at__isnull": False, f"{newer}__changed": True}), then=Value("changed")),
        default=None,
    ))


def _latest_changed(households):
    return _changed(households, selectors.latest_run())


def _changed_for(user, households):
    return _changed(households, selectors.latest_run_for(user))


def _run_exists_for(user) -> bool:
    return selectors.latest_run_for(user) is not None


def _results_version():
    # The newest finish: a run is made before its results are stored, and an older run
    # may finish after a newer one was made.
    last = selectors.finished_runs().aggregate(last=Max("finished_at"))["last"]
    return f"{last.timestamp() if last else 0}"


def _reevaluations_version():
    # Counts cached per scope (the list's, the home page's) change with every
    # re-evaluation: a re-evaluation is replaced by a newer one, never edited in place,
    # and those a run supersedes go with the run (whose version changes then).
    last = Reevaluation.objects.aggregate(last=Max("evaluated_at"))["last"]
    return f"{last.timestamp() if last else 0}"


_with_latest_risk, _risk_for = _annotated("risk", for_user=False), _annotated("risk", for_user=True)
_with_latest_monitor_type = _annotated("monitor_type", for_user=False)
_monitor_type_for = _annotated("monitor_type", for_user=True)
_latest_stability, _stability_for = _annotated("stability", for_user=False), _annotated("stability", for_user=True)
_latest_reasons, _reasons_for = _annotated("reasons", for_user=False), _annotated("reasons", for_user=True)


def register() -> None:
    households_changed_listen("monitoring", current.reevaluate_after_commit)
    run_finished_listen("monitoring_current", current.runs_superseded)
    request_started.connect(selectors.request_memo_start, dispatch_uid="monitoring_memo_start")
    request_finished.connect(selectors.request_memo_end, dispatch_uid="monitoring_memo_end")
    for signal in (post_save, post_delete):
        signal.connect(selectors.request_memo_clear, sender=MonitoringRun, dispatch_uid=f"monitoring_memo_{signal}")
        signal.connect(selectors.request_memo_clear, sender=PolicyVersion,
                       dispatch_uid=f"monitoring_memo_policy_{signal}")
    household_section_add(HouseholdSection(
        name="monitoring", template="monitoring/household_card.html", context=household_card, order=10,
    ))
    household_policy_set(household_policy)
    household_attribute_add(HouseholdAttribute(
        name="risk", label="风险", choices=schema.RISK, annotate=_with_latest_risk,
        help_text="最近一次监测的风险等级 risk of the latest monitoring run", summary="by_risk",
        annotate_for=_risk_for, shown_to=_run_exists_for,
    ))
    household_attribute_add(HouseholdAttribute(
        name="motivation", label="内生动力", choices=MOTIVATION,
        annotate=_latest_motivation, annotate_for=_motivation_for,
        shown_to=_run_exists_for, in_payload=False,
    ))
    cache_version_add("monitoring_run", _results_version)
    cache_version_add("monitoring_reevaluation", _reevaluations_version)
    stored_figures_add("monitoring_run", scope_figures.scope_figures_stored)
    household_attribute_add(HouseholdAttribute(
        name="monitor_type", label="监测对象类型", choices=schema.MONITOR_TYPE, annotate=_with_latest_monitor_type,
        annotate_for=_monitor_type_for, shown_to=_run_exists_for, in_payload=False, summary="by_monitor_type",
    ))
    household_attribute_add(HouseholdAttribute(
        name="stability", label="稳定性", choices=schema.STABILITY, annotate=_latest_stability,
        annotate_for=_stability_for, shown_to=_run_exists_for, in_payload=False,
    ))
    # The reasons are codes separated by ";" (HouseholdResult.reasons): an equality filter
    # would miss a household with two reasons, so the API offers none; the household list
    # filters by one reason itself (registry.selectors.listing).
    household_attribute_add(HouseholdAttribute(
        name="reasons", label="风险原因", choices=schema.REASON, annotate=_latest_reasons,
        annotate_for=_reasons_for, shown_to=_run_exists_for, in_payload=False, filterable=False,
    ))
    household_attribute_add(HouseholdAttribute(
        name="changed", label="监测后变化", choices=CHANGED, annotate=_latest_changed,
        annotate_for=_changed_for, shown_to=_run_exists_for, in_payload=False,
    ))
