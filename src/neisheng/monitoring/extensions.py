"""What monitoring adds to the registry's pages through platform.extensions (registered in
MonitoringConfig.ready()): the result card of the household page and the policy its run
used, and each household's risk, reasons, monitoring type, stability and motivation in the
latest run, for the household list (each a column and a filter), the household API (risk
in the payload; risk, monitoring type, stability and motivation as filters) and
/api/summary/; the pages take them from the latest run covering the user's division,
and the registry's cached figures a version that changes with every run."""

from __future__ import annotations

from django.db.models import Case, F, Value, When

from neisheng.engine import schema
from neisheng.monitoring import selectors
from neisheng.monitoring.models import MonitoringRun
from neisheng.platform.extensions import (
    HouseholdAttribute,
    HouseholdSection,
    cache_version_add,
    household_attribute_add,
    household_policy_set,
    household_section_add,
)


def household_card(request, household) -> dict | None:
    """The household's result in the latest run covering its village, why, and the
    measures that run recommended; no card before any run."""
    return selectors.household_card(household)


def household_policy(household):
    """The policy of the run whose result the household page shows (None before any run),
    so ages and guarantees on the page use that run's thresholds."""
    result = selectors.result_for(household)
    return result.run.resolved_policy() if result is not None else None


def _with_latest_risk(households):
    return selectors.with_latest_risk(households)


def _with_latest_monitor_type(households):
    return selectors.with_latest_result(households, selectors.latest_run(), "latest_type_result").annotate(
        monitor_type=F("latest_type_result__monitor_type")
    )


MOTIVATION = {"poor": "内生动力不足", "adequate": "内生动力充足"}


def _joined(households, run):
    """Households joined to their result in `run` once, under an alias naming the run, so
    the risk and the motivation of the same run share one LEFT JOIN."""
    alias = f"monitoring_run_{run.pk if run is not None else 'none'}"
    if alias not in households.query._filtered_relations:
        households = selectors.with_latest_result(households, run, alias)
    return households, alias


def _risk_for(user, households):
    households, alias = _joined(households, selectors.latest_run_for(user))
    return households.annotate(risk=F(f"{alias}__risk"))


def _motivation(households, run):
    households, alias = _joined(households, run)
    return households.annotate(motivation=Case(
        When(**{f"{alias}__motivation_poor": True}, then=Value("poor")),
        When(**{f"{alias}__motivation_poor": False}, then=Value("adequate")),
        default=None,
    ))


def _latest_motivation(households):
    return _motivation(households, selectors.latest_run())


def _motivation_for(user, households):
    return _motivation(households, selectors.latest_run_for(user))


def _monitor_type_for(user, households):
    households, alias = _joined(households, selectors.latest_run_for(user))
    return households.annotate(monitor_type=F(f"{alias}__monitor_type"))


def _stability(households, run):
    households, alias = _joined(households, run)
    return households.annotate(stability=F(f"{alias}__stability"))


def _latest_stability(households):
    return _stability(households, selectors.latest_run())


def _stability_for(user, households):
    return _stability(households, selectors.latest_run_for(user))


def _reasons(households, run):
    households, alias = _joined(households, run)
    return households.annotate(reasons=F(f"{alias}__reasons"))


def _latest_reasons(households):
    return _reasons(households, selectors.latest_run())


def _reasons_for(user, households):
    return _reasons(households, selectors.latest_run_for(user))


def _run_exists_for(user) -> bool:
    return selectors.latest_run_for(user) is not None


def _results_version():
    return MonitoringRun.objects.order_by("-id").values_list("id", flat=True).first() or 0


def register() -> None:
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
