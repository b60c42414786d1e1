"""The demo county shows the whole monitoring workflow (issue 10, item 8): the demo is
built on a small synthetic county and checked as a newcomer would look at it — two
years of runs under two active policies, the latest warning list handed out and followed
up, and cases in every state of cases.md, made step by step by the roles that make them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from neisheng.accounts.access import (
    CASES_APPROVE,
    CASES_COMPARE,
    CASES_REJECT,
    CASES_TOWN_REVIEW,
    user_may,
)
from neisheng.cases.models import MonitoringCase, SelfReport, State
from neisheng.cases.selectors import case_history, cases_overdue_q
from neisheng.measures.models import AssignedMeasure
from neisheng.monitoring.models import MonitoringRun
from neisheng.monitoring.policies import policy_for_year
from neisheng.platform.bulk import delete_all
from neisheng.registry.models import Division, Household, IncomeItem, Person
from neisheng.warninglists.models import WarningRow
from neisheng.warninglists.selectors import with_status
from neisheng.web import demo

pytestmark = pytest.mark.slow


def _demo(tmp_path, settings, capture):
    """The demo built in the test's transaction on a fresh registry of 300 households
    (the size of the CLI's demo test). Re-evaluations after edits run on commit: here
    they run when the build is over."""
    from neisheng.synth import generate_county

    settings.MEDIA_ROOT = tmp_path / "uploads"
    delete_all([IncomeItem, Person, Household, Division])
    tables = generate_county(households=300, seed=5, year=demo.DEMO_YEAR, county_code=demo.DEMO_COUNTY)
    said = []
    with capture(execute=True):
        report = demo.demo_build(home=tmp_path, tables=tables, say=said.append)
    return report, said


def _by_role(report) -> dict:
    from neisheng.accounts.models import User

    return {u["role"]: User.objects.get(username=u["username"]) for u in report.logins}


def test_demo_county_shows_the_whole_monitoring_workflow(db, tmp_path, settings,
                                                         django_capture_on_commit_callbacks):
    # One build (three runs) for every check: each check below is what a newcomer looks for.
    report, said = _demo(tmp_path, settings, django_capture_on_commit_callbacks)
    users = _by_role(report)

    _two_years_of_runs_under_two_active_policies(users)
    _latest_list_handed_out_and_followed_up(users)
    _cases_in_every_state_from_every_channel()
    _each_step_by_its_role_with_dates_in_order()
    _monitored_households_have_measures_and_one_risk_is_eliminated()
    summary = "\n".join(said)
    assert "监测案件 cases: 16" in summary and "risk_eliminated 1" in summary
    assert "预警清单交办 warning rows handed out" in summary
    # The department feeds follow the grid (test_demo_feeds.py checks them in detail).
    assert "部门数据 department feeds: 11" in summary and report.feeds.cases == 2


def _two_years_of_runs_under_two_active_policies(users):
    county = users["county"]
    runs = list(MonitoringRun.objects.order_by("started_at"))

    assert [r.year for r in runs] == [2025, 2026, 2026]
    assert all(r.started_by == county and r.finished_at is not None and r.households == 300 for r in runs)
    # Dated across the two years, in the order they ran.
    assert runs[-1].started_at - runs[0].started_at > dt.timedelta(days=300)
    assert runs[-1].finished_at < timezone.now()
    for year in (2025, 2026):
        in_use = policy_for_year(year)
        assert in_use.version is not None and in_use.version.active
        assert in_use.policy.year == year
        assert in_use.version.created_by == county and in_use.version.activated_by == county
    assert runs[0].policy_version.year == 2025 and runs[-1].policy_version.year == 2026
    # The village cadre's edits between the two 2026 runs are NEW warnings of the second.
    edited = Household.objects.filter(village=users["village"].division, housing="d_class",
                                      monitoring_results__run=runs[1], monitoring_results__risk="green")
    assert WarningRow.objects.filter(run=runs[-1], new=True, household__in=edited).count() == 2


def _latest_list_handed_out_and_followed_up(users):
    latest = MonitoringRun.objects.order_by("-started_at").first()
    handed = with_status(WarningRow.objects.filter(run=latest, handover__isnull=False))
    statuses = set(handed.values_list("shown_status", flat=True))

    assert handed.filter(handover__to_division=users["town"].division).exists()
    assert handed.filter(handover__to_user=users["village"]).exists()
    assert handed.filter(handover__to_user=users["assistance"]).exists()
    assert {"overdue", "open", "case_opened", "dismissed"} <= statuses
    # Deadlines are the policy's days after the handover.
    days = policy_for_year(latest.year).policy.cases_warning_days
    assert all(r.handover.deadline - r.handover.handed_on == dt.timedelta(days=days) for r in handed)
    for row in handed.filter(status="dismissed"):
        assert row.dismissed_reason and row.followed_up_by == users["village"]
    opened = handed.get(status="case_opened")
    assert MonitoringCase.objects.get(warning_row=opened).channel == "monitoring_run"


def _cases_in_every_state_from_every_channel():
    cases = MonitoringCase.objects.all()
    today = timezone.localdate()

    assert set(cases.values_list("state", flat=True)) == set(State.values)
    assert set(cases.values_list("channel", flat=True)) == {"self_report", "cadre_screening",
                                                            "department_screening", "monitoring_run"}
    # One through the public form (no user), one filed by a cadre on the household's behalf.
    assert SelfReport.objects.filter(filed_by__isnull=True, status="matched", case__isnull=False).exists()
    assert SelfReport.objects.filter(filed_by__isnull=False, case__isnull=False).exists()
    assert all(c.finding_ref for c in cases.filter(channel="department_screening"))
    overdue = cases.filter(cases_overdue_q())
    assert overdue.count() >= 2
    assert all(c.reported_on < today - dt.timedelta(days=15) for c in overdue)
    rejected = cases.filter(state="rejected")
    assert rejected.count() >= 2
    assert all(case_history(c)[-1]["note"] for c in rejected)


def _each_step_by_its_role_with_dates_in_order():
    from neisheng.accounts.models import User

    today = timezone.localdate()
    capability = {"compared": CASES_COMPARE, "town_reviewed": CASES_TOWN_REVIEW, "monitoring": CASES_APPROVE,
                  "risk_eliminated": CASES_APPROVE, "rejected": CASES_REJECT}
    # The department feeds' cases (web/demo_feeds.py) are opened today, from the findings of
    # feeds received today; every other case's history lies in the past.
    for case in MonitoringCase.objects.all():
        history = case_history(case)
        dates = [entry["on"] for entry in history]
        from_feeds = case.findings.exists()
        assert dates == sorted(dates) and (dates[-1] <= today if from_feeds else dates[-1] < today), case
        notice_start = None
        for entry in history[1:]:
            if entry["to"] in capability:
                assert user_may(User.objects.get(username=entry["by"]), capability[entry["to"]]), (case, entry)
            if entry["to"] in ("publicized", "elimination_publicized"):
                notice_start = entry["on"]
            if entry["to"] in ("town_reviewed", "risk_eliminated"):
                # The notice lasted at least 5 days and had ended before the review.
                notice_end = dt.date.fromisoformat(entry["data"]["notice_end"])
                assert notice_end - notice_start >= dt.timedelta(days=5) and notice_end <= entry["on"]


def _monitored_households_have_measures_and_one_risk_is_eliminated():
    monitored = MonitoringCase.objects.filter(monitoring_since__isnull=False)
    assert monitored.count() == 5
    for case in monitored:
        assert AssignedMeasure.objects.filter(household=case.household, assigned_on__gte=case.monitoring_since,
                                              assigned_by__isnull=False).exists()
    eliminated = MonitoringCase.objects.get(state="risk_eliminated")
    assert eliminated.closed_on - eliminated.monitoring_since > dt.timedelta(days=183)
