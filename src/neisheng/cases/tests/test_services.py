"""cases.services beyond the API's rules: a case opened from a warning-list row, the
elimination conditions' hook for open problems (issue 11), the buttons a role gets and
the fields each step takes."""

from __future__ import annotations

import pytest
from django.http import Http404

from neisheng.cases import elimination
from neisheng.cases.errors import StepForbidden
from neisheng.cases.selectors import (
    case_fields_for,
    case_is_overdue,
    open_case_for,
    targets_open_to,
)
from neisheng.cases.services import case_report, case_transition
from neisheng.cases.tests.flow import (
    another_eligible_household,
    case_in,
    days_ago,
    eligible_household,
    step_payload,
    users_by_role,
)
from neisheng.monitoring.models import MonitoringRun
from neisheng.platform.workflow import TransitionRefused
from neisheng.warninglists.models import WarningRow


@pytest.fixture
def users(make_user, places):
    return users_by_role(make_user, places)


@pytest.fixture
def household(places):
    return eligible_household(places["village"])


def _row(household) -> WarningRow:
    return WarningRow.objects.create(run=MonitoringRun.objects.order_by("-pk").first(), household=household,
                                     village_code=household.village_id, risk="red", reasons="income_below_line",
                                     new=True)


def test_a_case_from_a_warning_row_marks_the_row_case_opened(users, household):
    row = _row(household)
    case = case_report(user=users["town"], household=household, channel="monitoring_run",
                       reported_on=days_ago(2), reason="预警清单:收入低于脱贫标准", warning_row=row)
    row.refresh_from_db()
    assert row.status == "case_opened" and case.warning_row == row and case.monitor_type == "marginal"


def test_a_warning_row_needs_the_monitoring_run_channel(users, household):
    with pytest.raises(TransitionRefused, match="monitoring_run"):
        case_report(user=users["town"], household=household, channel="cadre_screening", reported_on=days_ago(2),
                    reason="x", warning_row=_row(household))
    assert open_case_for(household) is None


def test_an_open_blocking_problem_refuses_elimination(users, household, monkeypatch):
    case = case_in("monitoring", household, users)
    monkeypatch.setattr(elimination, "_blocking_providers", {})
    elimination.blocking_problems_provider_add("ledger", lambda h: 1 if h.pk == household.pk else 0)
    ago, fields = step_payload("elimination_proposed")
    with pytest.raises(TransitionRefused, match="1 个住房、教育、医疗或饮水问题"):
        case_transition(user=users["village"], case=case, to="elimination_proposed", on=days_ago(ago), **fields)
    elimination.blocking_problems_provider_add("ledger", lambda h: 0)
    case_transition(user=users["village"], case=case, to="elimination_proposed", on=days_ago(ago), **fields)
    assert case.state == "elimination_proposed"


def test_refusals_before_any_rule(users, household, places, make_user):
    case = case_in("reported", household, users)
    with pytest.raises(Http404):
        case_transition(user=make_user("town", places["other_town"]), case=case, to="rejected", on=days_ago(1),
                        note="x")
    with pytest.raises(StepForbidden, match="your role may not"):
        case_transition(user=users["admin"], case=case, to="rejected", on=days_ago(1), note="x")
    with pytest.raises(TransitionRefused, match="no state"):
        case_transition(user=users["county"], case=case, to="closed", on=days_ago(1), note="x")


def test_the_buttons_follow_the_table(users, household):
    case = case_in("reported", household, users)
    assert targets_open_to(case, users["village"]) == ["verified"]
    assert targets_open_to(case, users["town"]) == ["verified", "rejected"]
    assert targets_open_to(case, users["county"]) == ["rejected"]
    assert targets_open_to(case, users["researcher"]) == []
    case = case_in("risk_eliminated", another_eligible_household(household), users)
    assert targets_open_to(case, users["town"]) == ["monitoring"]


def test_the_fields_of_each_step():
    assert case_fields_for("verified") == ["on", "checkers", "consent", "consent_scan", "note"]
    assert case_fields_for("monitoring", "town_reviewed") == ["on", "monitor_type", "note"]
    assert case_fields_for("monitoring", "risk_eliminated") == ["on", "note"]
    assert case_fields_for("risk_eliminated") == ["on", "notice_end", "objections", "town_reviewed_on", "note"]


def test_overdue_only_before_approval_or_rejection(users, household):
    case = case_report(user=users["village"], household=household, channel="cadre_screening",
                       reported_on=days_ago(20), reason="x")
    assert case_is_overdue(case)
    case_transition(user=users["town"], case=case, to="rejected", on=days_ago(1), note="核实后不符合")
    assert not case_is_overdue(case)
