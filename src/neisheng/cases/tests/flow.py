"""A case walked along cases.md's table by the roles that may make each step, with dates
that meet every rule (notices of 6 and 9 days, 9 months in monitoring, a measure
assigned while monitored), for tests that need a case in a given state."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from neisheng.cases.models import MonitoringCase
from neisheng.cases.services import case_report, case_transition
from neisheng.measures.models import AssignedMeasure
from neisheng.monitoring.models import HouseholdResult, MonitoringRun
from neisheng.registry.models import Household, Person

ROLES = ("county", "town", "village", "assistance", "department", "auditor", "researcher", "admin")


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def scan() -> SimpleUploadedFile:
    return SimpleUploadedFile("授权书.pdf", b"%PDF-1.4 signed", content_type="application/pdf")


def users_by_role(make_user, places) -> dict:
    """One user per role, each at a division that holds places["village"]."""
    where = {"county": "county", "town": "town", "village": "village", "assistance": "village",
             "department": "county", "auditor": "county", "researcher": "county", "admin": "county"}
    return {role: make_user(role, places[where[role]]) for role in ROLES}


def eligible_household(village, *, risk: str = "green", income: str = "12000.00") -> Household:
    """A general household of `village` with an alive labor-capable member and a result
    of the latest run that meets the elimination condition on risk and income."""
    household = Household.objects.filter(village=village, status="general").order_by("household_id").first()
    member = Person.objects.filter(household=household).order_by("person_id").first()
    Person.objects.filter(pk=member.pk).update(alive=True, labor="ordinary")
    run = MonitoringRun.objects.create(year=2026, finished_at=timezone.now())
    HouseholdResult.objects.create(household=household, run=run, size=3, risk=risk, reasons="",
                                   monitor_type="marginal", income_pc=Decimal(income))
    return household


def another_eligible_household(household) -> Household:
    """A second such household of the same village (one open case per household)."""
    other = (Household.objects.filter(village_id=household.village_id, status="general")
             .exclude(pk=household.pk).order_by("household_id").first())
    member = Person.objects.filter(household=other).order_by("person_id").first()
    Person.objects.filter(pk=member.pk).update(alive=True, labor="skilled")
    HouseholdResult.objects.create(household=other, run=MonitoringRun.objects.order_by("-pk").first(), size=2,
                                   risk="green", reasons="", monitor_type="marginal", income_pc=Decimal("15000.00"))
    return other


# The main line of cases.md's table: (target, the role that makes it, its date, its fields).
MAIN_LINE = [
    ("verified", "village", 299, lambda: {"checkers": ["张核实", "李核实"], "consent": True, "consent_scan": scan()}),
    ("compared", "county", 298, lambda: {"findings": "无发现"}),
    ("village_reviewed", "village", 297, lambda: {"participants": 21, "agreed": True}),
    ("publicized", "village", 296, dict),
    ("town_reviewed", "town", 290, lambda: {"notice_end": days_ago(290), "objections": []}),
    ("monitoring", "county", 289, lambda: {"monitor_type": "sudden_hardship"}),
    ("elimination_proposed", "village", 20, lambda: {"checkers": ["张核实", "王核实"], "consent": True}),
    ("elimination_publicized", "village", 15, lambda: {"participants": 18, "agreed": True}),
    ("risk_eliminated", "county", 5, lambda: {"notice_end": days_ago(6), "objections": ["邻居询问收入,已说明"],
                                              "town_reviewed_on": days_ago(6)}),
]
REPORTED_DAYS_AGO = 300
MEASURE_DAYS_AGO = 200


def step_payload(to: str) -> tuple[int, dict]:
    for target, _, ago, fields in MAIN_LINE:
        if target == to:
            return ago, fields()
    raise KeyError(to)


def case_in(state: str, household: Household, users: dict) -> MonitoringCase:
    """A case of `household` brought to `state` along the main line."""
    case = case_report(user=users["village"], household=household, channel="cadre_screening",
                       reported_on=days_ago(REPORTED_DAYS_AGO), reason="因病支出大幅增加")
    for to, role, ago, fields in MAIN_LINE:
        if case.state == state:
            break
        case_transition(user=users[role], case=case, to=to, on=days_ago(ago),
                        note=f"到{to}", **fields())
        if to == "monitoring":
            AssignedMeasure.objects.create(household=household, measure="insurance_enrol",
                                           assigned_on=days_ago(MEASURE_DAYS_AGO), responsible="镇医保所")
    assert case.state == state
    return case
