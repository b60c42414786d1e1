"""The case pages' rows of the scope matrix (tests/web/test_scope_matrix.py), and the
API's (cases/tests/scope_matrix_api.py, helper A's)."""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.utils import timezone

from neisheng.accounts.access import (
    CASES_REJECT,
    CASES_REPORT,
    CASES_TOWN_REVIEW,
    CASES_VERIFY,
    PERSON_UNMASK,
    PERSONS_READ,
)

READ = (PERSONS_READ,)
ENDPOINTS = [
    {"name": "case list", "template": "/cases/", "kind": "list", "needs": READ},
    {"name": "case list search", "template": "/cases/?q={t.household}", "kind": "list", "needs": READ},
    {"name": "case list overdue", "template": "/cases/?overdue=yes&division={t.village}", "kind": "list", "needs": READ,
         "lists_rows": False},
    {"name": "case list export", "template": "/cases/", "kind": "list", "needs": READ, "post": {}},
    {"name": "case page", "template": "/cases/{t.extra[case]}/", "kind": "detail", "needs": READ},
    {"name": "case step verify", "template": "/cases/{t.extra[case]}/step/{t.extra[to_verified]}/", "kind": "detail",
         "needs": (PERSONS_READ, CASES_VERIFY)},
    {"name": "case step reject", "template": "/cases/{t.extra[case]}/step/{t.extra[to_rejected]}/", "kind": "detail",
         "needs": (PERSONS_READ, CASES_REJECT)},
    # The notice's case is the neighbour's (a household has one open case at a time).
    {"name": "case step town review", "template": "/cases/{t.extra[notice_case]}/step/{t.extra[to_town_reviewed]}/", "kind": "detail",
         "needs": (PERSONS_READ, CASES_TOWN_REVIEW), "shows": None},
    # The notice shows the head's name and the village, not the household's number.
    {"name": "case notice", "template": "/cases/{t.extra[notice_case]}/notice/", "kind": "detail", "needs": READ,
         "shows": None},
    {"name": "case new", "template": "/cases/new/?household={t.household}", "kind": "detail",
         "needs": (PERSONS_READ, CASES_REPORT)},
    {"name": "case consent scan", "template": "/cases/{t.extra[case]}/steps/{t.extra[consent_step]}/consent/",
         "kind": "detail", "needs": (PERSONS_READ, PERSON_UNMASK), "shows": None},
    {"name": "self-report list", "template": "/cases/self-reports/", "kind": "list", "needs": READ},
    # Dashboard cards are counts (researchers see them too); a division elsewhere is "no such division".
    {"name": "cases dashboard by state export", "template": "/cases/dashboard/{t.extra[card_by_state]}/export/?division={t.village}",
         "kind": "detail", "needs": (), "post": {}, "shows": None},
    {"name": "cases dashboard overdue export", "template": "/cases/dashboard/{t.extra[card_overdue]}/export/?division={t.village}",
         "kind": "detail", "needs": (), "post": {}, "shows": "village"},
]
# A household reports itself without an account; the page shows no division's records.
NOT_SCOPED = ["/cases/report/"]

try:
    from neisheng.cases.tests.scope_matrix_api import API_ENDPOINTS
except ModuleNotFoundError as missing:  # helper A's entries, when the API has them
    if missing.name != "neisheng.cases.tests.scope_matrix_api":
        raise
    API_ENDPOINTS = []
ENDPOINTS += API_ENDPOINTS

try:
    from neisheng.cases.tests.scope_matrix_api import targets as _api_targets
except ImportError:
    _api_targets = None


def _days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def _cases_of(household, *, notice_household, head):
    """An overdue reported case with a home check's scan, a case whose notice is up,
    and a matched self-report, in the household's village."""
    from neisheng.cases.models import CaseStep, MonitoringCase, SelfReport
    from neisheng.platform.models import Transition

    case = MonitoringCase.objects.create(
        household=household, channel="cadre_screening", state="reported", reported_on=_days_ago(30),
        reason="务工收入骤减", deadline=_days_ago(15))
    # A home check refused later still leaves no step; the scan belongs to a recorded step:
    # an event within the state (from reported to reported), as the platform logs one.
    transition = Transition.objects.create(
        object_type="monitoring_case", object_id=str(case.pk), division_code=household.village_id,
        name="verify", from_state="reported", to_state="reported", username="scope-matrix",
        effective_on=_days_ago(20))
    step = CaseStep(case=case, transition=transition, to_state="reported", data={"checkers": ["甲", "乙"]})
    step.consent_scan.save("scan.pdf", ContentFile(b"%PDF-1.4 signed"), save=False)
    step.save()
    notice_case = MonitoringCase.objects.create(
        household=notice_household, channel="self_report", state="publicized", reported_on=_days_ago(20),
        reason="突发疾病", deadline=_days_ago(5), notice_start=_days_ago(6))
    SelfReport.objects.create(
        village_code=household.village_id, head_name=head.name if head else "某某", id_number=head.person_id
        if head else "", phone="13800000000", reason="务工收入骤减", household=household, case=case,
        status="matched", sender_hash="scope-matrix")
    return case, notice_case, step


def targets(*, household, other_household, places) -> dict:
    from neisheng.registry.models import Household

    # Path parts that are codes, not records: named here so the route guard sees the shape.
    extra = {"to_verified": "verified", "to_rejected": "rejected", "to_town_reviewed": "town_reviewed",
             "card_by_state": "cases-by-state", "card_overdue": "cases-overdue"}
    for side, key in ((household, ""), (other_household, "_elsewhere")):
        neighbour = Household.objects.filter(village_id=side.village_id).exclude(pk=side.pk) \
            .order_by("household_id").first()
        head = side.members.filter(relation="head").first()
        case, notice_case, step = _cases_of(side, notice_household=neighbour, head=head)
        extra.update({f"case{key}": case.pk, f"notice_case{key}": notice_case.pk, f"consent_step{key}": step.pk})
    if _api_targets is not None:
        extra.update(_api_targets(household=household, other_household=other_household, places=places))
    return extra
