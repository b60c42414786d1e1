"""The household portrait (一户一画像, issue 10 item 5): the household page shows the four
poverties of motivation as a chart with every indicator, income by source over the last
years, the runs' results over time, and the recommended measures with a way to assign
them; /monitoring/portrait/<household>/ shows the same for printing."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import lxml.html
import pytest
from django.utils import timezone

from neisheng.monitoring.models import HouseholdResult, MonitoringRun, RecommendedMeasure
from neisheng.policy import load_policy
from neisheng.registry.models import Household, IncomeItem

pytestmark = pytest.mark.django_db


def _css(element, selector: str) -> list:
    """Elements matching a small CSS selector (tag, .class, #id, [attr] and [attr="v"],
    descendants), as XPath: lxml's cssselect needs a package the project does not use."""
    steps = []
    for part in selector.split():
        tag, rest = re.match(r"([a-z]*)(.*)", part).groups()
        conditions = []
        for kind, name, value in re.findall(r'([.#]|\[)([\w-]+)(?:="([^"]*)")?\]?', rest):
            if kind == ".":
                conditions.append(f'contains(concat(" ", normalize-space(@class), " "), " {name} ")')
            elif kind == "#":
                conditions.append(f'@id="{name}"')
            else:
                conditions.append(f'@{name}="{value}"' if value else f"@{name}")
        steps.append((tag or "*") + "".join(f"[{c}]" for c in conditions))
    return element.xpath(".//" + "//".join(steps))


@pytest.fixture
def officer(client, places, make_user):
    user = make_user("village", places["village"])
    client.force_login(user)
    return user


@pytest.fixture
def household(places) -> Household:
    return Household.objects.filter(village=places["village"]).order_by("household_id").first()


def _run(household, *, year: int, risk: str, reasons: str = "", days_ago: int = 0, **values) -> MonitoringRun:
    run = MonitoringRun.objects.create(year=year, finished_at=timezone.now())
    MonitoringRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - dt.timedelta(days=days_ago))
    run.refresh_from_db()
    HouseholdResult.objects.create(run=run, household=household, size=household.members.filter(alive=True).count(),
                                   risk=risk, reasons=reasons, **values)
    return run


def _page(client, household) -> lxml.html.HtmlElement:
    response = client.get(f"/households/{household.household_id}/")
    assert response.status_code == 200
    return lxml.html.document_fromstring(response.content.decode())


def test_every_motivation_indicator_is_shown_with_the_chart_by_dimension(client, officer, household):
    # Known facts: willingness 1 is deprived (at most 2 by the policy); a cooperative member is not.
    Household.objects.filter(pk=household.pk).update(willingness=1, cooperative_member=True)
    _run(household, year=2026, risk="green", motivation_score=0.5, motivation_poor=True)
    page = _page(client, household)
    section = page.get_element_by_id("portrait-motivation")
    indicators = load_policy().indicators
    rows = {row.get("data-indicator"): row for row in _css(section, 'tr.indicator')}
    assert set(rows) == {i.name for i in indicators}
    for indicator in indicators:
        assert rows[indicator.name].get("data-dimension") == indicator.dimension
    assert "deprived" in rows["will"].get("class")
    assert "deprived" not in rows["cooperative"].get("class")
    chart = section.get_element_by_id("motivation-chart")
    bars = _css(chart, 'g.indicator-row')
    assert len(bars) == len(indicators)
    assert [b.get("data-deprived") for b in bars].count("1") == sum("deprived" in r.get("class") for r in rows.values())
    # The four dimensions head their indicators in the chart, and the score meets its cut-off.
    assert len(_css(chart, 'text.chart-group')) == len({i.dimension for i in indicators})
    assert _css(chart, 'line.gauge-k')
    assert f"{load_policy().motivation_k:.3f}".rstrip("0") in section.text_content()


def test_income_by_source_for_each_year_with_net_and_per_capita(client, officer, household):
    IncomeItem.objects.filter(household=household).delete()
    for year, item, amount in [(2025, "wage", "10000"), (2025, "business_crop", "2000"), (2025, "dibao", "3000"),
                               (2025, "dividend", "500"), (2025, "production_cost", "500"),
                               (2025, "medical_out_of_pocket", "900"), (2024, "wage", "8000")]:
        IncomeItem.objects.create(household=household, year=year, item=item, amount=Decimal(amount), source="survey")
    _run(household, year=2026, risk="green")
    alive = household.members.filter(alive=True).count()
    section = _page(client, household).get_element_by_id("portrait-income")
    row = _css(section, 'tr.income-year[data-year="2025"]')[0]
    cells = {td.get("data-source"): td.text_content().strip() for td in _css(row, 'td[data-source]')}
    assert cells == {"wage": "10,000.00", "business": "2,000.00", "property": "500.00", "transfer": "3,000.00"}
    assert _css(row, 'td.income')[0].text_content().strip() == "15,500.00"
    assert _css(row, 'td.net')[0].text_content().strip() == "15,000.00"
    per_capita = (Decimal(15000) / alive).quantize(Decimal("0.01"))
    assert _css(row, 'td.per-capita')[0].text_content().strip() == f"{per_capita:,.2f}"
    assert _css(section, 'tr.income-year[data-year="2024"] td[data-source="wage"]')[0].text_content() == "8,000.00"
    # The chart: one stacked bar per year, oldest first, a segment per source with income.
    chart = section.get_element_by_id("income-chart")
    assert [g.get("data-year") for g in _css(chart, 'g.income-year')] == ["2024", "2025"]
    segments = _css(chart, 'g.income-year[data-year="2025"] rect.seg')
    assert [s.get("class") for s in segments] == ["seg seg-wage", "seg seg-business", "seg seg-property",
                                                  "seg seg-transfer"]


def test_the_runs_results_over_time_in_a_table_and_a_chart(client, officer, household):
    _run(household, year=2025, risk="red", reasons="housing;income_below_line", days_ago=300,
         income_pc=Decimal("3980.00"), monitor_type="unstable_lifted", motivation_score=0.5, motivation_poor=True)
    _run(household, year=2026, risk="green", days_ago=1, income_pc=Decimal("9000.00"), stability="stable",
         motivation_score=0.25, motivation_poor=False)
    section = _page(client, household).get_element_by_id("portrait-runs")
    rows = _css(section, 'tr.run-result')
    assert [r.get("data-risk") for r in rows] == ["red", "green"]
    first = rows[0].text_content()
    assert "2025" in first and "住房不安全" in first and "人均纯收入低于脱贫标准" in first
    assert "3,980.00" in first and "脱贫不稳定户" in first and "0.5" in first
    assert "9,000.00" in rows[1].text_content()
    bars = _css(section.get_element_by_id("runs-chart"), 'g.run-row')
    assert [b.get("data-risk") for b in bars] == ["red", "green"]


def test_a_measure_assigned_from_a_recommendation_appears_on_the_portrait(client, officer, household):
    run = _run(household, year=2026, risk="yellow", reasons="income_below_threshold")
    member = household.members.filter(alive=True).order_by("birth_date").first()
    RecommendedMeasure.objects.create(household=household, run=run, measure="skills_training",
                                      person_id=member.person_id, explanation="x")
    page = _page(client, household)
    link = _css(page, '#measure-assign-row a.measure-assign[data-assign="skills_training"]')[0]
    form = client.get(link.get("href"))
    assert form.status_code == 200
    html = lxml.html.document_fromstring(form.content.decode())
    assert _css(html, 'select[name="measure"] option[selected]')[0].get("value") == "skills_training"
    assert _css(html, 'select[name="person"] option[selected]')[0].get("value") == member.key
    today = timezone.localdate()
    sent = client.post(link.get("href"), {"measure": "skills_training", "person": member.key,
                                          "assigned_on": today.isoformat(), "responsible": "镇人社服务中心"})
    assert sent.status_code == 302
    section = _page(client, household).get_element_by_id("measures-assigned")
    item = _css(section, 'li.assigned-measure[data-measure="skills_training"]')[0]
    assert member.name in item.text_content() and "镇人社服务中心" in item.text_content()
    assert "监测推荐" in item.text_content()


def test_the_printable_portrait_has_the_same_sections(client, officer, household):
    _run(household, year=2026, risk="red", reasons="housing")
    response = client.get(f"/monitoring/portrait/{household.household_id}/")
    assert response.status_code == 200
    page = lxml.html.document_fromstring(response.content.decode())
    for section in ("monitoring", "measures-assigned", "portrait-motivation", "portrait-runs"):
        assert page.get_element_by_id(section) is not None
    assert page.get_element_by_id("history", None) is None  # the facts' history stays on the household page


def test_a_cadre_elsewhere_gets_no_portrait(client, make_user, places, household):
    _run(household, year=2026, risk="red", reasons="housing")
    client.force_login(make_user("village", places["other_village"]))
    assert client.get(f"/monitoring/portrait/{household.household_id}/").status_code == 404


def test_the_portrait_in_english_names_indicators_and_sources_in_english(client, officer, household):
    _run(household, year=2026, risk="green")
    client.cookies.load({"django_language": "en"})
    page = _page(client, household)
    text = " ".join(page.get_element_by_id(s).text_content() for s in ("portrait-motivation", "portrait-runs"))
    assert not re.search(r"[\u4e00-\u9fff]", text), text


def test_after_an_edit_the_portrait_shows_the_re_evaluation_marked_changed(client, officer, household):
    from neisheng.monitoring.current import household_reevaluate

    _run(household, year=2026, risk="green", days_ago=1, income_pc=Decimal("9000.00"))
    # D级危房 is a red reason: the re-evaluation differs from the run's green.
    Household.objects.filter(pk=household.pk).update(housing="d_class")
    assert household_reevaluate([household.pk]) == 1
    page = _page(client, household)
    rows = _css(page.get_element_by_id("portrait-runs"), "tr.run-result")
    assert [r.get("data-risk") for r in rows] == ["green", "red"]
    assert "current" in rows[-1].get("class") and rows[-1].get("data-changed") == "1"
    assert "住房不安全" in rows[-1].text_content()
    bars = _css(page.get_element_by_id("runs-chart"), "g.run-row")
    assert [b.get("data-risk") for b in bars] == ["green", "red"] and "current" in bars[-1].get("class")
    assert page.get_element_by_id("motivation-current") is not None
