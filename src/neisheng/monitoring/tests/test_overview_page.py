import re
from collections import Counter

import pytest
from django.urls import reverse

from neisheng.accounts.models import AuditEvent
from neisheng.engine import backend, catalog, monitor
from neisheng.monitoring.models import HouseholdResult
from neisheng.monitoring.services import monitoring_results_load
from neisheng.policy import load_policy
from neisheng.registry.models import Division

pytestmark = [pytest.mark.django_db, pytest.mark.urls("neisheng.monitoring.tests.urls")]


@pytest.fixture(autouse=True)
def no_other_cards(monkeypatch):
    """Only the monitoring app's own cards: other apps test theirs."""
    from neisheng.platform import extensions

    monkeypatch.setattr(extensions, "_dashboard_sources", {})


@pytest.fixture(scope="module")
def engine_results(county_tables, tmp_path_factory):
    """The engine's output for the fixture counties, computed once for this module."""
    root = tmp_path_factory.mktemp("overview")
    catalog.write_snapshot(county_tables, root / "snapshot")
    con = backend.connect()
    tables, divisions = backend.open_snapshot(con, root / "snapshot")
    backend.write_results(con, monitor(tables, divisions, load_policy()), root / "results")
    return root / "results"


@pytest.fixture
def loaded(county, engine_results):
    return monitoring_results_load(out_dir=engine_results, year=2026, policy_source="default")


def _signed_in(client, user):
    client.force_login(user)
    return client


def _risks(region) -> Counter:
    return Counter({code: region.count(f"risk_{code}") for code in ("red", "yellow", "green")})


def _risks_under(prefix: str) -> Counter:
    return Counter(HouseholdResult.objects.filter(household__village__code__startswith=prefix)
                   .values_list("risk", flat=True))


def test_a_county_officer_sees_each_town_of_the_county_and_nothing_else(client, places, make_user, loaded):
    page = _signed_in(client, make_user("county", places["county"])).get(reverse("monitoring:overview"))

    assert page.status_code == 200
    # The dashboard reads the run's region summaries; they agree with the households' results.
    total, rows = page.context["board"].division, page.context["board"].children
    assert total.count("households") == HouseholdResult.objects.filter(
        household__village__code__startswith="500237").count()
    assert _risks(total) == _risks_under("500237")
    towns = Division.objects.filter(parent=places["county"]).order_by("code")
    assert [r.name for r in rows] == [t.name for t in towns]
    assert sum(r.count("households") for r in rows) == total.count("households")
    for row, town in zip(rows, towns):
        assert _risks(row) == _risks_under(town.prefix)
    html = page.content.decode()
    assert places["county"].name in html and places["other_town"].name not in html


def test_a_village_cadre_sees_only_the_village(client, places, make_user, loaded):
    village = places["village"]
    page = _signed_in(client, make_user("village", village)).get(reverse("monitoring:overview"))

    assert [r.name for r in page.context["board"].children] == [village.name]
    assert page.context["board"].division.count("households") == village.households.count()


def test_a_researcher_sees_the_aggregates(client, places, make_user, loaded):
    page = _signed_in(client, make_user("researcher", places["county"])).get(reverse("monitoring:overview"))

    assert page.status_code == 200
    assert page.context["board"].division.count("households") > 0


def test_before_any_run_the_page_says_so(client, places, make_user, county):
    page = _signed_in(client, make_user("town", places["town"])).get(reverse("monitoring:overview"))

    assert page.status_code == 200
    assert "尚未运行监测" in page.content.decode()


def test_the_overview_exports_to_excel_and_the_export_is_logged(client, places, make_user, loaded):
    import io

    import openpyxl

    officer = make_user("town", places["town"])
    response = _signed_in(client, officer).post(reverse("monitoring:overview"))

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    # Without a card named, the table by division; headers in the page's language.
    assert rows[0][:3] == ("区划代码", "区划", "户数")
    assert rows[-1][2] == HouseholdResult.objects.filter(household__village__code__startswith=places["town"].prefix).count()
    assert AuditEvent.objects.filter(user=officer, action="export", object_type="monitoring_overview").exists()


def test_signing_in_is_required(client, loaded):
    response = client.get(reverse("monitoring:overview"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_overview_is_cards_with_a_chart_by_risk_and_by_division(client, places, make_user, loaded):
    county = places["county"]
    page = _signed_in(client, make_user("county", county)).get(reverse("monitoring:overview"))
    html = page.content.decode()

    assert 'id="by-risk"' in html and 'id="by-division"' in html
    assert '<svg class="chart" id="by-risk-chart" role="group" aria-labelledby="by-risk-chart-title"' in html
    # Each town's bar is split into red, yellow and green and leads to that town's dashboard.
    assert ('<svg class="chart stacked" id="by-division-chart" role="group" '
            'aria-labelledby="by-division-chart-title"') in html
    risks = _risks_under(county.prefix)
    risk_chart = html[html.index('id="by-risk-chart"'):html.index("</svg>", html.index('id="by-risk-chart"'))]
    assert [int(v) for v in re.findall(r'data-value="(\d+)"', risk_chart)] == [risks["red"], risks["yellow"], risks["green"]]
    # The chart by division draws each town's red warnings (and yellow and green).
    division_chart = html[html.index('id="by-division-chart"'):]
    towns = Division.objects.filter(parent=county).order_by("code")
    drawn = [int(v) for v in re.findall(r'class="bar bar-red"[^>]*data-value="(\d+)"',
                                        division_chart[:division_chart.index("</svg>")])]
    assert drawn == [_risks_under(t.prefix)["red"] for t in towns]


def test_each_count_links_to_the_filtered_household_list(client, places, make_user, loaded):
    county = places["county"]
    page = _signed_in(client, make_user("county", county)).get(reverse("monitoring:overview"))
    html = page.content.decode()

    town = Division.objects.filter(parent=county).order_by("code").first()
    red_in_town = _risks_under(town.prefix)["red"]
    assert re.search(rf'href="/households/\?risk=red&amp;division={town.code}"[^>]*>{red_in_town}</a>', html)
    assert f'href="/households/?division={town.code}">' in html
    assert f'href="/households/?motivation=poor&amp;division={town.code}">' in html
    assert f'href="/households/?risk=red&amp;division={county.code}"' in html


def test_a_researcher_sees_the_cards_without_links_to_households(client, places, make_user, loaded):
    page = _signed_in(client, make_user("researcher", places["county"])).get(reverse("monitoring:overview"))
    html = page.content.decode()

    assert 'id="by-division-chart"' in html
    assert "/households/" not in html


def test_the_overview_in_english_has_no_chinese_outside_data(client, places, make_user, loaded):
    from neisheng.web.tests.test_error_pages import HAN, visible_text

    client.force_login(make_user("county", places["county"]))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    text = visible_text(client.get(reverse("monitoring:overview")).content.decode())

    assert "By risk" in text and "Export to Excel" in text
    assert not HAN.findall(text), text
