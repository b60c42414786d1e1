"""The cases API of cases.md: each refusing rule answers 400 {"detail": its sentence in
Chinese and English}, outside the division 404, the history complete, deadlines on the
policy's calendar, and what approval and risk elimination do to the household."""

from __future__ import annotations

import calendar
import datetime as dt
import re

import pytest
from rest_framework.test import APIClient

from neisheng.cases.models import CaseStep, MonitoringCase
from neisheng.cases.services import case_report, case_transition
from neisheng.cases.tests.flow import (
    MAIN_LINE,
    another_eligible_household,
    case_in,
    days_ago,
    eligible_household,
    scan,
    step_payload,
    users_by_role,
)
from neisheng.measures.models import AssignedMeasure
from neisheng.monitoring.models import PolicyVersion
from neisheng.platform.models import Transition
from neisheng.policy import default_policy_text
from neisheng.registry.models import Household, Person

HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def users(make_user, places):
    return users_by_role(make_user, places)


@pytest.fixture
def household(places):
    return eligible_household(places["village"])


def client_of(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def refused(response, *, zh: str, en: str) -> None:
    """A 400 whose detail is one sentence, Chinese half then English half."""
    assert response.status_code == 400, response.content.decode()
    detail = response.json()["detail"]
    chinese, english = detail.split(" / ", 1)
    assert zh in chinese and HAN.search(chinese), detail
    assert en in english and not HAN.search(english), detail


def post_step(user, case, to, **fields):
    payload = {"to": to, **{k: (str(v) if isinstance(v, dt.date) else v) for k, v in fields.items()}}
    fmt = "multipart" if "consent_scan" in payload else "json"
    return client_of(user).post(f"/api/cases/{case.pk}/transition/", payload, format=fmt)


# --------------------------------------------------------------------------- rules refusing


def test_a_home_check_with_one_checker_is_refused(users, household):
    case = case_in("reported", household, users)
    response = post_step(users["village"], case, "verified", on=days_ago(299), checkers=["张核实", "张核实", " "],
                         consent=True, consent_scan=scan())
    refused(response, zh="两名或以上核实人", en="two or more named checkers")
    case.refresh_from_db()
    assert case.state == "reported"


def test_a_home_check_without_the_signed_authorisation_is_refused(users, household):
    case = case_in("reported", household, users)
    refused(post_step(users["village"], case, "verified", on=days_ago(299), checkers=["甲", "乙"], consent=False,
                      consent_scan=scan()),
            zh="承诺授权书", en="signed authorisation")
    refused(post_step(users["village"], case, "verified", on=days_ago(299), checkers=["甲", "乙"], consent=True),
            zh="扫描件", en="upload the scan")


def test_a_notice_of_four_days_is_refused_and_five_accepted(users, household):
    case = case_in("publicized", household, users)
    start = days_ago(296)
    refused(post_step(users["town"], case, "town_reviewed", on=start + dt.timedelta(days=4),
                      notice_end=start + dt.timedelta(days=4), objections=[]),
            zh="不足 5 天", en="fewer than 5")
    response = post_step(users["town"], case, "town_reviewed", on=start + dt.timedelta(days=5),
                         notice_end=start + dt.timedelta(days=5), objections=[])
    assert response.status_code == 200, response.content.decode()


def test_a_notice_ending_tomorrow_is_refused(users, household):
    case = case_in("publicized", household, users)
    refused(post_step(users["town"], case, "town_reviewed", on=days_ago(0), notice_end=days_ago(-1),
                      objections=[]),
            zh="晚于今天", en="after today")


def test_a_village_review_that_did_not_agree_is_recorded_but_not_publicized(users, household):
    case = case_in("compared", household, users)
    response = post_step(users["village"], case, "village_reviewed", on=days_ago(297), participants=15,
                         agreed=False, note="多数认为收入稳定")
    assert response.status_code == 200
    assert CaseStep.objects.get(case=case, to_state="village_reviewed").data == {"participants": 15, "agreed": False}
    refused(post_step(users["village"], case, "publicized", on=days_ago(296)), zh="民主评议未同意",
            en="did not agree")
    # The town may then reject it, with its reason.
    assert post_step(users["town"], case, "rejected", on=days_ago(290), note="评议未通过").status_code == 200


@pytest.mark.parametrize("participants", [0, -3, None])
def test_participants_must_be_a_positive_number(users, household, participants):
    case = case_in("compared", household, users)
    payload = {"on": days_ago(297), "agreed": True}
    if participants is not None:
        payload["participants"] = participants
    refused(post_step(users["village"], case, "village_reviewed", **payload), zh="人数", en="participants")


def test_rejecting_and_going_back_need_the_reason(users, household):
    case = case_in("verified", household, users)
    refused(post_step(users["county"], case, "rejected", on=days_ago(1)), zh="需要说明理由", en="needs a reason")
    case = case_in("elimination_proposed", another_eligible_household(household), users)
    refused(post_step(users["town"], case, "monitoring", on=days_ago(1), note="  "), zh="需要说明理由",
            en="needs a reason")


def months_after(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def test_approval_needs_a_valid_monitoring_type(users, household):
    case = case_in("town_reviewed", household, users)
    refused(post_step(users["county"], case, "monitoring", on=days_ago(289), monitor_type=""),
            zh="监测对象类型", en="monitoring type")


def test_a_date_in_the_future_or_before_the_previous_step_is_refused(users, household):
    case = case_in("reported", household, users)
    fields = {"checkers": ["甲", "乙"], "consent": True}
    refused(post_step(users["village"], case, "verified", on=days_ago(-1), consent_scan=scan(), **fields),
            zh="晚于今天", en="in the future")
    refused(post_step(users["village"], case, "verified", on=days_ago(301), consent_scan=scan(), **fields),
            zh="早于上一步骤", en="before the previous step")


def test_a_household_without_labor_capacity_is_never_eliminated(users, household):
    case = case_in("monitoring", household, users)
    Person.objects.filter(household=household).update(labor="lost")
    ago, fields = step_payload("elimination_proposed")
    refused(post_step(users["village"], case, "elimination_proposed", on=days_ago(ago), **fields),
            zh="没有在世的有劳动能力成员", en="never eliminated")


def test_a_household_monitored_for_five_months_is_not_eliminated(users, household):
    case = case_in("monitoring", household, users)
    five_months_on = months_after(case.monitoring_since, 5)
    _, fields = step_payload("elimination_proposed")
    refused(post_step(users["village"], case, "elimination_proposed", on=five_months_on, **fields),
            zh="纳入监测仅 5 个月,不足 6 个月", en="monitored for 5 months, fewer than 6")


def test_elimination_needs_a_measure_while_monitored_and_a_green_result(users, household):
    case = case_in("monitoring", household, users)
    AssignedMeasure.objects.filter(household=household).update(assigned_on=days_ago(295))  # before approval
    from neisheng.monitoring.models import HouseholdResult

    HouseholdResult.objects.filter(household=household).update(risk="yellow")
    ago, fields = step_payload("elimination_proposed")
    response = post_step(users["village"], case, "elimination_proposed", on=days_ago(ago), **fields)
    refused(response, zh="未落实任何帮扶措施", en="no assistance measure")
    assert "黄色" in response.json()["detail"] and "yellow" in response.json()["detail"]


def test_the_conditions_are_checked_again_at_risk_eliminated(users, household):
    case = case_in("elimination_publicized", household, users)
    Person.objects.filter(household=household).update(alive=False)
    ago, fields = step_payload("risk_eliminated")
    refused(post_step(users["county"], case, "risk_eliminated", on=days_ago(ago), **fields),
            zh="不符合风险消除条件", en="elimination conditions are not met")


def test_a_step_that_does_not_follow_the_state_is_refused(users, household):
    case = case_in("reported", household, users)
    refused(post_step(users["county"], case, "monitoring", on=days_ago(1), monitor_type="marginal"),
            zh="不能转为", en="cannot move to")


# --------------------------------------------------------------------------- opening a case


def test_one_open_case_per_household(users, household):
    first = case_in("reported", household, users)
    response = client_of(users["town"]).post("/api/cases/", {
        "household_id": household.pk, "channel": "self_report", "reported_on": str(days_ago(1)),
        "reason": "申请纳入"}, format="json")
    refused(response, zh=f"该户已有未结案的监测案件 #{first.pk}", en=f"open case #{first.pk}")


def test_a_report_needs_a_reason_a_past_date_and_a_known_channel(users, household):
    client = client_of(users["village"])
    base = {"household_id": household.pk, "channel": "cadre_screening", "reported_on": str(days_ago(0)),
            "reason": "务工收入骤减"}
    refused(client.post("/api/cases/", {**base, "reason": " "}, format="json"), zh="理由", en="reason")
    refused(client.post("/api/cases/", {**base, "reported_on": str(days_ago(-1))}, format="json"),
            zh="晚于今天", en="in the future")
    response = client.post("/api/cases/", {**base, "channel": "rumour"}, format="json")
    assert response.status_code == 400 and "channel" in response.json()["detail"]


def test_outside_the_division_is_404(users, household, places, make_user):
    case = case_in("reported", household, users)
    elsewhere = make_user("county", places["other_county"])
    client = client_of(elsewhere)
    assert client.get(f"/api/cases/{case.pk}/").status_code == 404
    response = client.post(f"/api/cases/{case.pk}/transition/", {"to": "rejected", "on": str(days_ago(1)),
                                                                 "note": "x"}, format="json")
    assert response.status_code == 404
    assert client.get("/api/cases/").json()["count"] == 0
    response = client.post("/api/cases/", {"household_id": household.pk, "channel": "cadre_screening",
                                           "reported_on": str(days_ago(1)), "reason": "x"}, format="json")
    assert response.status_code == 404
    assert client_of(users["village"]).get("/api/cases/").json()["count"] == 1


def test_the_public_form_records_the_household_as_reporter(household):
    case = case_report(user=None, household=household, channel="self_report", reported_on=days_ago(0),
                       reason="家中老人重病")
    row = Transition.objects.get(object_type="monitoring_case", object_id=str(case.pk))
    assert (row.by, row.username, row.to_state) == (None, "农户自主申报", "reported")


# --------------------------------------------------------------------------- deadlines


def _policy_with_working_days(days: int) -> None:
    text = default_policy_text().replace("working_days: false", "working_days: true").replace(
        "identification_days: 15", f"identification_days: {days}")
    PolicyVersion.objects.create(year=dt.date.today().year, text=text, sha256="0" * 64, active=True)


def test_the_deadline_counts_working_days_across_national_day(users, household):
    _policy_with_working_days(3)
    case = case_report(user=users["village"], household=household, channel="cadre_screening",
                       reported_on=dt.date(2026, 9, 30), reason="因灾房屋受损")
    # 10-01..10-07 are holidays; 10-08, 10-09 and the adjusted working Saturday 10-10 count.
    assert case.deadline == dt.date(2026, 10, 10)


def test_the_default_deadline_is_fifteen_calendar_days_and_overdue_shows(users, household):
    case = case_report(user=users["village"], household=household, channel="cadre_screening",
                       reported_on=days_ago(16), reason="因灾房屋受损")
    assert case.deadline == days_ago(1)
    client = client_of(users["town"])
    listed = client.get("/api/cases/").json()["results"]
    assert [(c["id"], c["overdue"], c["deadline"]) for c in listed] == [(case.pk, True, str(days_ago(1)))]
    assert client.get("/api/cases/", {"overdue": "true", "state": "reported"}).json()["count"] == 1
    assert client.get("/api/cases/", {"overdue": "false"}).json()["count"] == 0
    assert client.get("/api/cases/", {"state": "monitoring"}).json()["count"] == 0
    assert client.get("/api/cases/", {"state": "open"}).status_code == 400


# --------------------------------------------------------------------------- effects and history


def test_approval_and_elimination_change_the_registry_status_and_back(users, household):
    case = case_in("monitoring", household, users)
    household.refresh_from_db()
    case.refresh_from_db()
    assert household.status == "monitored" and case.status_before == "general"
    assert case.monitor_type == "sudden_hardship" and case.monitoring_since == days_ago(289)
    for to in ("elimination_proposed", "elimination_publicized", "risk_eliminated"):
        ago, fields = step_payload(to)
        case_transition(user=users[{t: r for t, r, *_ in MAIN_LINE}[to]], case=case, to=to,
                        on=days_ago(ago), **fields)
    household.refresh_from_db()
    case.refresh_from_db()
    assert household.status == "general" and case.closed_on == days_ago(5)
    # Risk returned (返贫): the same case goes back to monitoring, the household monitored again.
    response = post_step(users["town"], case, "monitoring", on=days_ago(1), note="再次因病支出增大")
    assert response.status_code == 200
    household.refresh_from_db()
    case.refresh_from_db()
    assert household.status == "monitored" and case.monitoring_since == days_ago(1) and case.closed_on is None


def test_a_lifted_household_keeps_its_registry_status(users, household):
    Household.objects.filter(pk=household.pk).update(status="lifted")
    household.refresh_from_db()
    case = case_in("monitoring", household, users)
    household.refresh_from_db()
    assert household.status == "lifted" and case.monitor_type == "sudden_hardship"


def test_the_history_is_complete(users, household):
    case = case_in("risk_eliminated", household, users)
    detail = client_of(users["county"]).get(f"/api/cases/{case.pk}/").json()
    history = detail["history"]
    assert [(h["from"], h["to"]) for h in history] == [
        ("", "reported"), ("reported", "verified"), ("verified", "compared"), ("compared", "village_reviewed"),
        ("village_reviewed", "publicized"), ("publicized", "town_reviewed"), ("town_reviewed", "monitoring"),
        ("monitoring", "elimination_proposed"), ("elimination_proposed", "elimination_publicized"),
        ("elimination_publicized", "risk_eliminated"),
    ]
    assert [h["on"] for h in history] == [str(days_ago(ago)) for ago in (300, *[a for _, _, a, _ in MAIN_LINE])]
    who = {"village": users["village"].username, "county": users["county"].username,
           "town": users["town"].username}
    assert [h["by"] for h in history] == [who["village"], *[who[r] for _, r, _, _ in MAIN_LINE]]
    assert history[0]["note"] == "因病支出大幅增加" and history[1]["note"] == "到verified"
    assert all(h["recorded_at"] for h in history)
    assert history[1]["data"] == {"checkers": ["张核实", "李核实"], "consent": True}
    assert history[-1]["data"]["objections"] == ["邻居询问收入,已说明"]
    assert {k: detail[k] for k in ("id", "household_id", "channel", "state", "monitor_type", "overdue")} == {
        "id": case.pk, "household_id": household.pk, "channel": "cadre_screening", "state": "risk_eliminated",
        "monitor_type": "sudden_hardship", "overdue": False}
    assert CaseStep.objects.get(case=case, to_state="verified").consent_scan.name.endswith(".pdf")
    assert MonitoringCase.objects.get(pk=case.pk).closed_on == days_ago(5)
