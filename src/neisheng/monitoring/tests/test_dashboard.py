"""The monitoring dashboard (/monitoring/): every figure is the run's region summary
(region_summary.parquet as the engine wrote it), scoped to the reader's division, one
level down, across runs, exported card by card; a page view never reads the households'
results."""

from __future__ import annotations

import io
import re

import openpyxl
import pyarrow.parquet as pq
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from neisheng.accounts.models import AuditEvent
from neisheng.engine import backend, catalog, monitor
from neisheng.monitoring.services import monitoring_results_load
from neisheng.platform import extensions
from neisheng.platform.charts import Cell, DashboardCard
from neisheng.policy import default_policy_text, load_policy, policy_from_text

pytestmark = [pytest.mark.django_db, pytest.mark.urls("neisheng.monitoring.tests.urls")]

# The earlier run: last year's policy with a higher monitoring threshold, so the two
# runs' figures differ and a trend has something to show.
EARLIER_POLICY = (default_policy_text().replace("year: 2026", "year: 2025")
                  .replace("monitoring_threshold: 9000", "monitoring_threshold: 13000"))


@pytest.fixture(scope="module")
def engine_outputs(county_tables, tmp_path_factory):
    """The engine's output for the fixture counties under two policies, once per module."""
    root = tmp_path_factory.mktemp("dashboard")
    catalog.write_snapshot(county_tables, root / "snapshot")
    con = backend.connect()
    tables, divisions = backend.open_snapshot(con, root / "snapshot")
    backend.write_results(con, monitor(tables, divisions, policy_from_text(EARLIER_POLICY)), root / "earlier")
    backend.write_results(con, monitor(tables, divisions, load_policy()), root / "latest")
    return root


@pytest.fixture
def runs(county, engine_outputs):
    earlier = monitoring_results_load(out_dir=engine_outputs / "earlier", year=2025, policy_source="earlier",
                                      policy_text=EARLIER_POLICY)
    latest = monitoring_results_load(out_dir=engine_outputs / "latest", year=2026, policy_source="default")
    return earlier, latest


@pytest.fixture(autouse=True)
def no_other_cards(monkeypatch):
    """Other apps' cards are tested by those apps; here the dashboard's own, and a card
    registered by the test."""
    monkeypatch.setattr(extensions, "_dashboard_sources", {})


def _summary(engine_outputs, which="latest") -> dict[str, dict]:
    return {row["code"]: row for row in pq.read_table(engine_outputs / which / "region_summary.parquet").to_pylist()}


def _children(summary: dict[str, dict], code: str) -> list[dict]:
    return sorted((r for r in summary.values() if r["parent_code"] == code), key=lambda r: r["code"])


def _page(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("monitoring:overview"), params)
    assert response.status_code == 200
    return response


def _cards(response) -> dict[str, DashboardCard]:
    return {card.key: card for card in response.context["cards"]}


def _values(row: list[Cell]) -> list:
    return [cell.value for cell in row]


def _approx(values):
    return [pytest.approx(v, rel=1e-9, abs=1e-12) if isinstance(v, float) else v for v in values]


def test_each_card_shows_the_runs_region_summary_rows(client, places, make_user, runs, engine_outputs):
    county = places["county"]
    summary = _summary(engine_outputs)
    towns = _children(summary, county.code)
    policy = load_policy()
    page = _page(client, make_user("county", county))
    cards = _cards(page)

    assert [r.code for r in page.context["board"].children] == [t["code"] for t in towns]
    expected = {
        "by-division": lambda r: [r["households"], r["risk_red"], r["risk_yellow"], r["risk_green"]],
        "by-monitor-type": lambda r: [r["monitor_unstable_lifted"], r["monitor_marginal"],
                                      r["monitor_sudden_hardship"],
                                      r["monitor_unstable_lifted"] + r["monitor_marginal"] + r["monitor_sudden_hardship"]],
        "by-stability": lambda r: [r["stability_stable"], r["stability_consolidating"], r["stability_borderline"],
                                   r["stability_stable"] + r["stability_consolidating"] + r["stability_borderline"]],
        "motivation": lambda r: [r["motivation_poor"], r["motivation_H"], r["motivation_A"], r["motivation_M0"],
                                 *(r[f"contrib_{i.name}"] for i in policy.indicators)],
        "poverty": lambda r: [r["persons"], r["fgt0"], r["fgt1"], r["fgt2"], r["watts"]],
    }
    for key, values_of in expected.items():
        card = cards[key]
        assert [row[0].value for row in card.rows] == [t["name"] for t in towns], key
        for row, town in zip(card.rows, towns):
            assert _values(row[1:]) == _approx(values_of(town)), (key, town["name"])
        assert _values(card.total[1:]) == _approx(values_of(summary[county.code])), key
    assert _values([r[1] for r in cards["by-risk"].rows]) == [summary[county.code][f"risk_{c}"]
                                                              for c in ("red", "yellow", "green")]
    # The charts draw the same numbers: each town's bar split into red, yellow and green.
    html = page.content.decode()
    chart = html[html.index('id="by-division-chart"'):]
    chart = chart[:chart.index("</svg>")]
    drawn = [int(v) for v in re.findall(r'<rect class="bar bar-\w+"[^>]*data-value="(\d+)"', chart)]
    assert drawn == [t[f"risk_{c}"] for t in towns for c in ("red", "yellow", "green")]
    # The motivation bars are each town's M0, split into its indicators' parts.
    m0 = [float(v) for v in re.findall(r'<g class="bar-row stack" data-total="([\d.]+)"',
                                       html[html.index('id="motivation-chart"'):])[:len(towns)]]
    assert m0 == _approx([t["motivation_M0"] for t in towns])


def test_a_town_officer_sees_only_the_villages_of_their_town(client, places, make_user, runs, engine_outputs):
    town, other_town = places["town"], places["other_town"]
    summary = _summary(engine_outputs)
    villages = _children(summary, town.code)
    page = _page(client, make_user("town", town))

    assert [r.code for r in page.context["board"].children] == [v["code"] for v in villages]
    html = page.content.decode()
    for village in villages:
        assert village["name"] in html
    outside = [r for r in summary.values() if r["level"] == 5 and not r["code"].startswith(town.code[:9])]
    assert outside and not any(f'?division={r["code"]}' in html for r in outside)
    assert other_town.name not in html and places["county"].name not in html
    # A division outside their town is ignored: the page stays on their own.
    elsewhere = _page(client, make_user("town", town, username="town-2"), division=other_town.code)
    assert elsewhere.context["board"].division.code == town.code
    assert other_town.code not in elsewhere.content.decode().replace(f"division={other_town.code}", "")


def test_a_county_officer_drills_down_to_a_town_and_a_village(client, places, make_user, runs, engine_outputs):
    county, town = places["county"], places["town"]
    summary = _summary(engine_outputs)
    officer = make_user("county", county)
    top = _page(client, officer).content.decode()
    assert f'href="/monitoring/?division={town.code}"' in top

    page = _page(client, officer, division=town.code)
    board = page.context["board"]
    assert board.division.code == town.code
    assert [r.code for r in board.children] == [v["code"] for v in _children(summary, town.code)]
    html = page.content.decode()
    crumbs = html[html.index('id="dashboard-path"'):html.index("</nav>", html.index('id="dashboard-path"'))]
    assert 'href="/monitoring/"' in crumbs and county.name in crumbs and town.name in crumbs
    # Counts of a town's villages lead to the household list of that village.
    village = board.children[0]
    assert f'href="/households/?risk=red&amp;division={village.code}"' in html

    village_page = _page(client, officer, division=village.code)
    assert [r.code for r in village_page.context["board"].children] == [village.code]
    assert _cards(village_page)["by-division"].total is None  # the one row is the village itself


def test_a_village_cadre_sees_their_village(client, places, make_user, runs, engine_outputs):
    village = places["village"]
    page = _page(client, make_user("village", village))

    board = page.context["board"]
    assert board.division.code == village.code and [r.code for r in board.children] == [village.code]
    assert board.division.count("households") == village.households.count()


def test_an_administrator_without_division_sees_the_first_level_with_several_divisions(client, places, make_user,
                                                                                         runs, engine_outputs):
    summary = _summary(engine_outputs)
    page = _page(client, make_user("admin"))

    board = page.context["board"]
    counties = [places["county"].code, places["other_county"].code]
    assert [r.code for r in board.children] == counties
    assert board.division.count("households") == sum(summary[c]["households"] for c in counties)
    # A code that is not a division's is ignored rather than an error.
    assert _page(client, make_user("admin", username="admin-2"), division="../x").context["board"].children \
        == board.children


def test_the_trend_shows_every_run_oldest_first(client, places, make_user, runs, engine_outputs):
    earlier, _ = runs
    county = places["county"]
    before, now = _summary(engine_outputs, "earlier")[county.code], _summary(engine_outputs)[county.code]
    assert before["risk_yellow"] != now["risk_yellow"]  # the policies differ, so the runs do
    page = _page(client, make_user("county", county))
    trend = _cards(page)["trend-risk"]

    assert [_values(row[2:]) for row in trend.rows] == [
        [r["risk_red"], r["risk_yellow"], r["risk_green"], r["households"]] for r in (before, now)]
    assert [row[0].value for row in trend.rows] == ["2025·1", "2026·1"]
    assert trend.rows[0][0].href == f"/monitoring/?division={county.code}&run={earlier.pk}"
    html = page.content.decode()
    chart = html[html.index('id="trend-risk-chart"'):]
    chart = chart[:chart.index("</svg>")]
    points = [int(v) for v in re.findall(r'<circle class="point line-\w+"[^>]*data-value="(\d+)"', chart)]
    assert points == [before["risk_red"], now["risk_red"], before["risk_yellow"], now["risk_yellow"],
                      before["risk_green"], now["risk_green"]]
    monitored = _cards(page)["trend-monitor"]
    assert [row[-1].value for row in monitored.rows] == [
        r["monitor_unstable_lifted"] + r["monitor_marginal"] + r["monitor_sudden_hardship"] for r in (before, now)]


def test_an_earlier_run_shows_its_own_figures_without_links_to_todays_list(client, places, make_user, runs,
                                                                           engine_outputs):
    earlier, _ = runs
    county = places["county"]
    before = _summary(engine_outputs, "earlier")
    page = _page(client, make_user("county", county), run=earlier.pk)

    board = page.context["board"]
    assert board.run == earlier and not board.latest
    card = _cards(page)["by-division"]
    assert [_values(row[1:]) for row in card.rows] == [
        [t["households"], t["risk_red"], t["risk_yellow"], t["risk_green"]] for t in _children(before, county.code)]
    html = page.content.decode()
    assert 'id="dashboard-earlier"' in html and "/households/" not in html[html.index("<main"):]
    # Going down keeps the run.
    town = board.children[0]
    assert f'href="/monitoring/?division={town.code}&amp;run={earlier.pk}"' in html


def test_each_card_exports_its_table_and_the_export_is_logged(client, places, make_user, runs, engine_outputs):
    county = places["county"]
    officer = make_user("county", county)
    client.force_login(officer)
    summary = _summary(engine_outputs)
    towns = _children(summary, county.code)
    policy = load_policy()

    response = client.post(reverse("monitoring:overview"), {"card": "motivation"})

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:6] == ("区划代码", "区划", "内生动力不足(户)", "发生率 H", "平均剥夺份额 A", "指数 M0")
    assert [r[0] for r in rows[1:]] == [*(t["code"] for t in towns), county.code]
    for row, town in zip(rows[1:], [*towns, summary[county.code]]):
        assert list(row[2:6]) == _approx([town["motivation_poor"], town["motivation_H"], town["motivation_A"],
                                          town["motivation_M0"]])
        # Contributions are exported as percent, as their headers say.
        assert list(row[6:]) == _approx([town[f"contrib_{i.name}"] * 100 for i in policy.indicators])
    event = AuditEvent.objects.get(user=officer, action="export", object_type="monitoring_overview")
    assert event.detail["card"] == "motivation" and event.detail["division"] == county.code

    trend = client.post(reverse("monitoring:overview") + f"?division={places['town'].code}", {"card": "trend-risk"})
    trend_rows = list(openpyxl.load_workbook(io.BytesIO(trend.content)).active.iter_rows(values_only=True))
    assert [r[0] for r in trend_rows[1:]] == [2025, 2026]
    town_now = summary[places["town"].code]
    assert list(trend_rows[-1][3:]) == [town_now["risk_red"], town_now["risk_yellow"], town_now["risk_green"],
                                        town_now["households"]]


def test_a_page_view_reads_summaries_not_results_in_a_bounded_number_of_queries(client, places, make_user, runs):
    officer = make_user("county", places["county"])
    client.force_login(officer)
    client.get(reverse("monitoring:overview"))  # sessions, caches: the first request's own work

    for params in ({}, {"division": places["town"].code}, {"run": runs[0].pk}):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("monitoring:overview"), params).status_code == 200
        sql = [q["sql"] for q in queries.captured_queries]
        assert not [s for s in sql if "monitoring_householdresult" in s], params
        assert len(sql) <= 12, (params, sql)


def test_a_researcher_sees_the_figures_without_links_to_households(client, places, make_user, runs):
    page = _page(client, make_user("researcher", places["county"]))
    html = page.content.decode()

    assert 'id="motivation-chart"' in html and 'id="poverty"' in html
    assert "/households/" not in html[html.index("<main"):]


def test_cards_from_other_apps_are_shown_for_the_chosen_division(client, places, make_user, runs, monkeypatch):
    asked = []

    def cards(request, division_code):
        asked.append(division_code)
        return [DashboardCard(key="cases-by-state", title="按状态", headers=["状态", "案件"],
                              rows=[[Cell("待核实"), Cell(3)]], export_action="/cases/dashboard/")]

    extensions.dashboard_source_add(extensions.DashboardSource(name="test-cases", cards=cards))
    page = _page(client, make_user("county", places["county"]), division=places["town"].code)

    assert asked == [places["town"].code]
    html = page.content.decode()
    others = html[html.index('id="dashboard-others"'):]
    assert 'id="cases-by-state"' in others and 'action="/cases/dashboard/"' in others


def test_before_any_run_the_dashboard_says_so(client, places, make_user, county):
    page = _page(client, make_user("county", places["county"]))

    assert page.context["board"] is None
    assert "尚未运行监测" in page.content.decode()


def test_the_dashboard_in_english_has_no_chinese_outside_data(client, places, make_user, runs):
    from neisheng.web.tests.test_error_pages import HAN, visible_text

    client.force_login(make_user("county", places["county"]))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    text = visible_text(client.get(reverse("monitoring:overview"), {"division": places["town"].code}).content.decode())

    for words in ("Motivation index", "Risk trend", "Headcount ratio", "Export to Excel"):
        assert words in text, words
    assert not HAN.findall(text), HAN.findall(text)
