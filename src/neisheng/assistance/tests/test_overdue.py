"""Monitored households still without a first measure past the policy's days after the
county approval (/assistance/overdue/ and the home page's card): exact at the boundary."""

from __future__ import annotations

import datetime as dt

import lxml.html
import pytest
from django.utils import timezone

from neisheng.assistance.overdue import overdue_cases, overdue_rows
from neisheng.cases.models import MonitoringCase
from neisheng.measures.models import AssignedMeasure
from neisheng.registry.models import Household

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
DAYS = 30  # policies/default.yaml measures.first_measure_days


def _ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


@pytest.fixture
def households(places) -> list[Household]:
    return list(Household.objects.filter(village=places["village"]).order_by("household_id")[:6])


def _approved(household, *, days_ago: int, state="monitoring", reported_days_ago: int | None = None):
    reported = _ago(reported_days_ago if reported_days_ago is not None else days_ago + 20)
    return MonitoringCase.objects.create(household=household, channel="cadre_screening", state=state,
                                         reported_on=reported, reason="因病", deadline=reported + dt.timedelta(days=15),
                                         monitoring_since=_ago(days_ago))


def test_the_due_day_itself_is_in_time_the_day_after_is_one_day_overdue(make_user, places, households):
    on_due_day, one_late, long_late = households[:3]
    _approved(on_due_day, days_ago=DAYS)
    _approved(one_late, days_ago=DAYS + 1)
    _approved(long_late, days_ago=DAYS + 45)
    rows = overdue_rows(overdue_cases(make_user("village", places["village"])))
    assert [(r.case.household_id, r.days_overdue, r.due_on) for r in rows] == [
        (long_late.household_id, 45, _ago(45)), (one_late.household_id, 1, _ago(1))]


def test_what_a_measure_does_to_the_list(make_user, places, households):
    given, abandoned, before_case, during_case, eliminated, rejected = households
    for h in households:
        _approved(h, days_ago=DAYS + 10, reported_days_ago=DAYS + 40,
                  state={eliminated: "risk_eliminated", rejected: "rejected"}.get(h, "monitoring"))
    AssignedMeasure.objects.create(household=given, measure="microcredit", assigned_on=_ago(2), responsible="x")
    AssignedMeasure.objects.create(household=abandoned, measure="microcredit", assigned_on=_ago(30), responsible="x",
                                   state="abandoned")
    # From a case closed long ago: it does not count for this one.
    AssignedMeasure.objects.create(household=before_case, measure="microcredit", assigned_on=_ago(DAYS + 41),
                                   responsible="x", state="done")
    # While the case was examined, before the approval: in time.
    AssignedMeasure.objects.create(household=during_case, measure="microcredit", assigned_on=_ago(DAYS + 40),
                                   responsible="x")
    listed = [c.household_id for c in overdue_cases(make_user("town", places["town"]))]
    assert listed == sorted([abandoned.household_id, before_case.household_id])


def test_the_page_lists_them_in_scope_and_exports_them(client, make_user, places, households):
    _approved(households[0], days_ago=DAYS + 5)
    other = Household.objects.filter(village=places["other_village"]).first()
    _approved(other, days_ago=DAYS + 5)
    client.force_login(make_user("village", places["village"]))
    response = client.get("/assistance/overdue/")
    page = lxml.html.document_fromstring(response.content.decode())
    rows = page.find_class("first-measure-overdue")
    assert [(r.get("data-household"), r.get("data-days")) for r in rows] == [(households[0].household_id, "5")]
    assert other.household_id not in response.content.decode()
    exported = client.post("/assistance/overdue/")
    assert exported["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_home_page_card_points_to_the_list(client, make_user, places, households):
    _approved(households[0], days_ago=DAYS + 3)
    client.force_login(make_user("village", places["village"]))
    page = lxml.html.document_fromstring(client.get("/").content.decode())
    card = page.get_element_by_id("work-first-measure-overdue")
    assert card.find_class("count")[0].text_content() == "1"
    assert households[0].household_id in card.text_content()
    client.force_login(make_user("department", places["county"]))
    page = lxml.html.document_fromstring(client.get("/").content.decode())
    assert not page.xpath('//*[@id="work-first-measure-overdue"]')
