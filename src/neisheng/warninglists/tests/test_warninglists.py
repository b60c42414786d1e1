"""Warning lists (cases.md "Warning lists"): built with each run, new or continuing,
handed to a town or a cadre with a deadline from the policy, followed up (case opened,
dismissed with a reason, overdue), in scope, exported, and served by the API."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from types import SimpleNamespace

import openpyxl
import pytest
from django.utils import timezone

from neisheng.monitoring.models import HouseholdResult, MonitoringRun, Reevaluation
from neisheng.monitoring.policies import policy_current
from neisheng.platform.extensions import run_finished
from neisheng.platform.models import Transition
from neisheng.platform.workflow import TransitionRefused
from neisheng.registry.models import Division, Household
from neisheng.warninglists import services
from neisheng.warninglists.build import warning_rows_build
from neisheng.warninglists.models import WarningHandover, WarningRow

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _run(year: int, results: dict, *, division_code: str = "", minutes: int = 0, finished=run_finished
         ) -> MonitoringRun:
    """A finished run with `results` {household: (risk, size, reasons)}, its warning list
    built as a run's load builds it (platform.extensions.run_finished)."""
    run = MonitoringRun.objects.create(year=year, division_code=division_code, finished_at=timezone.now())
    MonitoringRun.objects.filter(pk=run.pk).update(started_at=timezone.now() + dt.timedelta(minutes=minutes))
    run.refresh_from_db()
    for household, (risk, size, reasons) in results.items():
        HouseholdResult.objects.create(run=run, household=household, risk=risk, size=size, reasons=reasons)
    finished(run)
    return run


def _rows(run) -> dict[str, WarningRow]:
    return {row.household_id: row for row in WarningRow.objects.filter(run=run)}


@pytest.fixture
def homes(places):
    """Households of the village under test, and one of another village (the synthetic
    county of the fixtures has one town)."""
    here = list(Household.objects.filter(village=places["village"]).order_by("household_id")[:7])
    other_village = (Division.objects.filter(level=5, parent=places["town"]).exclude(code=places["village"].code)
                     .order_by("code").first()
                     or Division.objects.create(code=places["village"].code[:9] + "299", name="另一村", level=5,
                                                parent=places["town"]))
    elsewhere = Household.objects.create(household_id=other_village.code + "0001", village=other_village,
                                         status="lifted", category="ordinary", housing="safe", water="safe")
    return SimpleNamespace(h=here, elsewhere=elsewhere, other_village=other_village)


def _signed_in(client, make_user, role, division, username=None):
    user = make_user(role, division, username=username)
    client.force_login(user)
    return user


# --------------------------------------------------------------------------- new vs continuing


def test_rows_compare_with_the_year_before_when_the_year_has_no_earlier_run(homes):
    h = homes.h
    _run(2025, {h[0]: ("red", 3, "housing"), h[1]: ("green", 3, ""), h[2]: ("yellow", 0, "no_members"),
                h[4]: ("yellow", 2, "rigid_expense")})
    run = _run(2026, {h[0]: ("red", 3, "housing"), h[1]: ("red", 3, "income_below_line"),
                      h[2]: ("red", 1, "housing"), h[3]: ("yellow", 2, "water"),
                      h[4]: ("yellow", 2, "rigid_expense"), h[5]: ("green", 2, "")}, minutes=1)
    rows = _rows(run)
    assert set(rows) == {x.household_id for x in h[:5]}  # green is no warning
    assert not rows[h[0].household_id].new  # red before: continuing
    assert rows[h[1].household_id].new  # green before
    assert rows[h[2].household_id].new  # without members before
    assert rows[h[3].household_id].new  # absent before
    assert not rows[h[4].household_id].new
    assert rows[h[1].household_id].reasons == "income_below_line"
    assert rows[h[0].household_id].village_code == h[0].village_id
    assert {r.status for r in rows.values()} == {"open"}


def test_rows_compare_with_the_previous_run_of_the_same_year_first(homes):
    h = homes.h
    _run(2025, {h[0]: ("red", 3, "housing")})
    _run(2026, {h[1]: ("red", 3, "housing")}, minutes=1)
    run = _run(2026, {h[0]: ("red", 3, "housing"), h[1]: ("yellow", 3, "water")}, minutes=2)
    rows = _rows(run)
    assert rows[h[0].household_id].new  # red in 2025, but absent from the run before of 2026
    assert not rows[h[1].household_id].new


def test_without_any_earlier_run_every_row_is_new(homes):
    run = _run(2026, {homes.h[0]: ("red", 3, "housing"), homes.h[1]: ("yellow", 2, "water")})
    assert all(row.new for row in _rows(run).values())


def test_each_household_is_compared_with_the_newest_run_covering_it(homes, places):
    h, elsewhere = homes.h, homes.elsewhere
    _run(2026, {h[0]: ("red", 3, "housing"), elsewhere: ("red", 3, "housing")})
    # A later run over the village of h[0] only: there h[0] was green.
    _run(2026, {h[0]: ("green", 3, "")}, division_code=places["village"].code, minutes=1,
         finished=warning_rows_build)
    run = _run(2026, {h[0]: ("red", 3, "housing"), elsewhere: ("red", 3, "housing")}, minutes=2)
    rows = _rows(run)
    assert rows[h[0].household_id].new
    assert not rows[elsewhere.household_id].new  # the village run does not cover it: the county run does


def test_a_list_is_built_once_per_run(homes):
    run = _run(2026, {homes.h[0]: ("red", 3, "housing")})
    run_finished(run)
    assert WarningRow.objects.filter(run=run).count() == 1


# --------------------------------------------------------------------------- handing over


def test_hand_over_with_the_policys_deadline_by_default(client, make_user, places, homes):
    run = _run(2026, {homes.h[0]: ("red", 3, "housing"), homes.h[1]: ("yellow", 2, "water")})
    rows = _rows(run)
    officer = _signed_in(client, make_user, "county", places["county"])
    ids = [rows[x.household_id].pk for x in homes.h[:2]]
    url = "/warnings/handover/?" + "&".join(f"row={i}" for i in ids)
    page = client.get(url)
    days = policy_current().policy.cases_warning_days
    expected = timezone.localdate() + dt.timedelta(days=days)
    assert page.status_code == 200
    assert f'value="{expected.isoformat()}"' in page.content.decode()
    assert homes.h[0].household_id in page.content.decode()
    answer = client.post(url, {"to": f"d:{places['town'].code}", "deadline": expected.isoformat(), "note": "请核实"})
    assert answer.status_code == 302 and answer["Location"] == "/warnings/handovers/"
    handover = WarningHandover.objects.get()
    assert (handover.to_division_id, handover.deadline, handover.handed_by, handover.run) == (
        places["town"].code, expected, officer, run)
    assert set(handover.rows.values_list("pk", flat=True)) == set(ids)
    logged = Transition.objects.filter(object_type="warning_row", object_id=str(ids[0]))
    assert [t.name for t in logged] == [f"hand_over:{handover.pk}"]
    listed = client.get("/warnings/handovers/").content.decode()
    assert places["town"].name in listed and expected.isoformat() in listed


def test_hand_over_to_a_cadre_then_again_keeps_both_in_the_history(client, make_user, places, homes):
    run = _run(2026, {homes.h[0]: ("red", 3, "housing")})
    row = _rows(run)[homes.h[0].household_id]
    cadre = make_user("village", places["village"], username="cadre-here")
    officer = _signed_in(client, make_user, "town", places["town"])
    deadline = timezone.localdate() + dt.timedelta(days=3)
    services.warning_rows_hand_over(user=officer, rows=WarningRow.objects.filter(pk=row.pk), to_user=cadre,
                                    deadline=deadline)
    services.warning_rows_hand_over(user=officer, rows=WarningRow.objects.filter(pk=row.pk), to_user=cadre,
                                    deadline=deadline + dt.timedelta(days=5), note="延期")
    row.refresh_from_db()
    assert row.handover.deadline == deadline + dt.timedelta(days=5)
    page = client.get(f"/warnings/{row.pk}/").content.decode()
    assert page.count("cadre-here") >= 2 or page.count("测试village") >= 2
    assert deadline.isoformat() in page and (deadline + dt.timedelta(days=5)).isoformat() in page
    api = client.get(f"/api/warnings/?run={run.pk}").json()["results"][0]
    assert api["handed_to"] == "cadre-here"


def test_hand_over_refuses_rows_outside_the_town_and_past_deadlines(client, make_user, places, homes):
    run = _run(2026, {homes.h[0]: ("red", 3, "housing"), homes.elsewhere: ("red", 3, "housing")})
    rows = _rows(run)
    cadre = make_user("village", places["village"], username="cadre-here")
    _signed_in(client, make_user, "county", places["county"])
    url = f"/warnings/handover/?all=1&run={run.pk}"
    answer = client.post(url, {"to": f"u:{cadre.pk}",
                               "deadline": (timezone.localdate() + dt.timedelta(days=5)).isoformat()})
    assert answer.status_code == 200 and "不在交办对象的辖区内" in answer.content.decode()
    answer = client.post(f"/warnings/handover/?row={rows[homes.h[0].household_id].pk}",
                         {"to": f"d:{places['town'].code}",
                          "deadline": (timezone.localdate() - dt.timedelta(days=1)).isoformat()})
    assert answer.status_code == 200 and "办结期限不能早于今天" in answer.content.decode()
    assert not WarningHandover.objects.exists()


def test_a_village_cadre_may_not_hand_over(client, make_user, places, homes):
    run = _run(2026, {homes.h[0]: ("red", 3, "housing")})
    _signed_in(client, make_user, "village", places["village"])
    assert client.get(f"/warnings/handover/?row={_rows(run)[homes.h[0].household_id].pk}").status_code == 403


# --------------------------------------------------------------------------- follow-up


def _handed(row, days: int, to=None):
    handover = WarningHandover.objects.create(
        run=row.run, division_code=row.village_code[:9].ljust(12, "0"), to_division_id=row.village_code[:9].ljust(12, "0"),
        handed_on=timezone.localdate() - dt.timedelta(days=20), deadline=timezone.localdate() + dt.timedelta(days=days))
    WarningRow.objects.filter(pk=row.pk).update(handover=handover)
    row.refresh_from_db()
    return handover


def test_follow_up_statuses_with_overdue_computed_at_read_time(client, make_user, places, homes):
    h = homes.h
    run = _run(2026, {x: ("red", 3, "housing") for x in h[:4]})
    rows = _rows(run)
    for x in h[:4]:
        _handed(rows[x.household_id], days=-1 if x in (h[1], h[2], h[3]) else 5)
    county = make_user("county", places["county"])
    services.warning_row_case_opened(row=rows[h[2].household_id], user=county,
                                     case=SimpleNamespace(pk=7, household_id=h[2].household_id,
                                                          reported_on=timezone.localdate()))
    services.warning_row_dismiss(user=county, row=rows[h[3].household_id], reason="已纳入监测")
    client.force_login(county)
    api = {r["household_id"]: r for r in client.get(f"/api/warnings/?run={run.pk}").json()["results"]}
    assert {k: v["status"] for k, v in api.items()} == {
        h[0].household_id: "open", h[1].household_id: "overdue",
        h[2].household_id: "case_opened", h[3].household_id: "dismissed"}
    overdue = client.get("/warnings/?status=overdue").content.decode()
    assert h[1].household_id in overdue and h[0].household_id not in overdue
    assert "status-overdue" in overdue
    row_page = client.get(f"/warnings/{rows[h[1].household_id].pk}/").content.decode()
    assert 'id="row-overdue"' in row_page
    # The household's row stays overdue in the stored data only as "open": tomorrow's
    # reading is what the date says, nothing is rewritten.
    assert WarningRow.objects.get(pk=rows[h[1].household_id].pk).status == "open"


def test_a_case_opened_from_a_row_is_refused_once_the_row_is_followed_up(places, homes, make_user):
    run = _run(2026, {homes.h[0]: ("red", 3, "housing")})
    row = _rows(run)[homes.h[0].household_id]
    county = make_user("county", places["county"])
    case = SimpleNamespace(pk=1, household_id=row.household_id, reported_on=timezone.localdate())
    services.warning_row_case_opened(row=row, case=case, user=county)
    with pytest.raises(TransitionRefused):
        services.warning_row_case_opened(row=row, case=case, user=county)
    with pytest.raises(TransitionRefused):
        services.warning_row_dismiss(user=county, row=row, reason="数据错误已更正")
    other = SimpleNamespace(pk=2, household_id=homes.h[1].household_id, reported_on=timezone.localdate())
    second = _run(2026, {homes.h[0]: ("red", 3, "housing")}, minutes=1)
    with pytest.raises(TransitionRefused):
        services.warning_row_case_opened(row=_rows(second)[homes.h[0].household_id], case=other, user=county)


def test_dismissal_needs_a_reason(client, make_user, places, homes):
    run = _run(2026, {homes.h[0]: ("red", 3, "housing")})
    row = _rows(run)[homes.h[0].household_id]
    cadre = _signed_in(client, make_user, "village", places["village"])
    answer = client.post(f"/warnings/{row.pk}/dismiss/", {"reason": "other", "other": " "})
    assert answer.status_code == 200 and "请说明排除的理由" in answer.content.decode()
    with pytest.raises(TransitionRefused):
        services.warning_row_dismiss(user=cadre, row=row, reason="  ")
    row.refresh_from_db()
    assert row.status == "open"
    answer = client.post(f"/warnings/{row.pk}/dismiss/", {"reason": "corrected", "other": "收入已重新核定"})
    assert answer.status_code == 302
    row.refresh_from_db()
    assert (row.status, row.dismissed_reason, row.followed_up_by) == ("dismissed", "数据错误已更正:收入已重新核定", cadre)
    page = client.get(f"/warnings/{row.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert "收入已重新核定" in text and 'id="row-dismiss"' not in text
    # Final: a second dismissal is refused with the rule's sentence.
    again = client.post(f"/warnings/{row.pk}/dismiss/", {"reason": "monitored"})
    assert again.status_code == 200 and 'id="dismiss-closed"' in again.content.decode()


# --------------------------------------------------------------------------- the list page


def test_the_list_shows_reasons_in_words_and_a_risk_changed_since_the_run(client, make_user, places, homes):
    h = homes.h
    run = _run(2026, {h[0]: ("red", 3, "income_below_line;housing"), h[1]: ("yellow", 2, "water")})
    Reevaluation.objects.create(household=h[0], base_run=run, evaluated_at=timezone.now() + dt.timedelta(hours=1),
                                risk="green", reasons="", changed=True)
    _signed_in(client, make_user, "town", places["town"])
    zh = client.get("/warnings/").content.decode()
    zh = zh[zh.index('id="list-table"'):]
    assert "人均纯收入低于脱贫标准" in zh and "住房不安全" in zh and "income_below_line" not in zh
    assert 'class="changed"' in zh and "变化" in zh
    client.cookies.load({"django_language": "en"})
    en = client.get("/warnings/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    en = en[en.index('id="list-table"'):]
    assert "Housing not secure" in en or "housing" in en.lower()
    assert "住房不安全" not in en


def test_filters_narrow_the_list(client, make_user, places, homes):
    h = homes.h
    _run(2025, {h[0]: ("red", 3, "housing")})
    _run(2026, {h[0]: ("red", 3, "housing"), h[1]: ("yellow", 2, "water;rigid_expense"),
                homes.elsewhere: ("red", 3, "housing")}, minutes=1)
    _signed_in(client, make_user, "county", places["county"])
    assert h[1].household_id not in client.get("/warnings/?risk=red").content.decode()
    new = client.get("/warnings/?new=new").content.decode()
    assert h[1].household_id in new and h[0].household_id not in new
    by_reason = client.get("/warnings/?reason=rigid_expense").content.decode()
    assert h[1].household_id in by_reason and h[0].household_id not in by_reason
    by_town = client.get(f"/warnings/?division={places['village'].code}").content.decode()
    assert h[0].household_id in by_town and homes.elsewhere.household_id not in by_town
    unhanded = client.get("/warnings/?handed_to=none").content.decode()
    assert homes.elsewhere.household_id in unhanded


def test_a_village_cadre_sees_only_the_villages_rows(client, make_user, places, homes):
    run = _run(2026, {homes.h[0]: ("red", 3, "housing"), homes.elsewhere: ("red", 3, "housing")})
    _signed_in(client, make_user, "village", places["village"])
    page = client.get("/warnings/").content.decode()
    assert homes.h[0].household_id in page and homes.elsewhere.household_id not in page
    assert client.get(f"/warnings/{_rows(run)[homes.elsewhere.household_id].pk}/").status_code == 404
    api = client.get("/api/warnings/").json()
    assert [r["household_id"] for r in api["results"]] == [homes.h[0].household_id]


def test_export_holds_every_matching_row_in_the_pages_language(client, make_user, places, homes):
    _run(2026, {homes.h[0]: ("red", 3, "housing"), homes.h[1]: ("yellow", 2, "water")})
    _signed_in(client, make_user, "county", places["county"])
    answer = client.post("/warnings/?risk=red", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert answer["Content-Type"].startswith(XLSX)
    sheet = openpyxl.load_workbook(BytesIO(answer.content), read_only=True).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:4] == ("户编号", "村", "风险", "预警原因")
    assert [v[0] for v in values[1:]] == [homes.h[0].household_id]
    assert values[1][2] == "红色" and values[1][3] == "住房不安全"


def test_the_api_names_exactly_the_fields_of_cases_md(client, make_user, places, homes):
    run = _run(2026, {homes.h[0]: ("red", 3, "income_below_line;housing")})
    _signed_in(client, make_user, "county", places["county"])
    body = client.get(f"/api/warnings/?run={run.pk}").json()
    assert list(body["results"][0]) == ["id", "household_id", "village_code", "risk", "reasons", "new", "status",
                                        "handed_to", "deadline"]
    assert body["results"][0]["reasons"] == "income_below_line;housing"
    assert body["results"][0]["handed_to"] == "" and body["results"][0]["deadline"] is None
    assert client.get("/api/warnings/?run=999999").status_code == 404
    assert client.get("/api/warnings/?run=x").status_code == 400


# --------------------------------------------------------------------------- home and dashboard


def test_the_home_page_shows_rows_handed_to_the_town_overdue_first(client, make_user, places, homes):
    run = _run(2026, {homes.h[0]: ("red", 3, "housing"), homes.h[1]: ("yellow", 2, "water")})
    rows = _rows(run)
    _handed(rows[homes.h[0].household_id], days=4)
    _handed(rows[homes.h[1].household_id], days=-2)
    _signed_in(client, make_user, "town", places["town"])
    page = client.get("/").content.decode()
    card = page[page.index('id="work-warnings-handed"'):]
    assert card.index(homes.h[1].household_id) < card.index(homes.h[0].household_id)
    assert 'data-count="overdue"' in card
    _signed_in(client, make_user, "town", places["other_town"], username="town-elsewhere")
    assert 'id="work-warnings-handed"' not in client.get("/").content.decode()


def test_the_follow_up_card_counts_each_village(client, make_user, places, homes):
    run = _run(2026, {homes.h[0]: ("red", 3, "housing"), homes.h[1]: ("yellow", 2, "water"),
                      homes.elsewhere: ("red", 3, "housing")})
    rows = _rows(run)
    _handed(rows[homes.h[0].household_id], days=-1)
    from neisheng.warninglists.dashboard import follow_up_card

    card = follow_up_card(make_user("town", places["town"]), places["town"].code, export_action="")
    by_name = {row[0].value: [c.value for c in row[1:]] for row in card.rows}
    # total, handed, open, overdue, case opened, dismissed
    assert by_name[places["village"].name] == [2, 1, 1, 1, 0, 0]
    assert by_name[homes.other_village.name] == [1, 0, 1, 0, 0, 0]
    assert [c.value for c in card.total[1:]] == [3, 1, 2, 1, 0, 0]
    _signed_in(client, make_user, "county", places["county"])
    page = client.get("/warnings/follow-up/").content.decode()
    assert places["town"].name in page and f"division={places['town'].code}" in page
    export = client.post(f"/warnings/follow-up/?division={places['town'].code}")
    assert export["Content-Type"].startswith(XLSX)
    cells = [row for row in openpyxl.load_workbook(BytesIO(export.content), read_only=True).worksheets[0]
             .iter_rows(values_only=True)]
    assert (places["village"].code, places["village"].name, 2, 1, 1, 1, 0, 0) in cells


def test_hand_over_every_row_matching_the_filters(client, make_user, places, homes):
    run = _run(2026, {homes.h[0]: ("red", 3, "housing"), homes.h[1]: ("yellow", 2, "water"),
                      homes.elsewhere: ("red", 3, "housing")})
    rows = _rows(run)
    services.warning_row_dismiss(user=make_user("county", places["county"], username="c2"),
                                 row=rows[homes.h[1].household_id], reason="已纳入监测")
    cadre = make_user("assistance", places["village"], username="helper-here")
    _signed_in(client, make_user, "county", places["county"])
    url = f"/warnings/handover/?all=1&run={run.pk}&division={places['village'].code}"
    form = client.get(url).content.decode()
    assert "helper-here" in form or str(cadre) in form
    deadline = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    assert client.post(url, {"to": f"u:{cadre.pk}", "deadline": deadline}).status_code == 302
    handed = set(WarningRow.objects.filter(handover__to_user=cadre).values_list("household_id", flat=True))
    assert handed == {homes.h[0].household_id}  # the dismissed row and the other village's are not handed
    client.force_login(cadre)
    home = client.get("/").content.decode()
    assert 'id="work-warnings-handed"' in home and homes.h[0].household_id in home
