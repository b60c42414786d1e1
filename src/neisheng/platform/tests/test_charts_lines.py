"""The dashboard's other charts: lines over runs and stacked bars, and ratios in tables."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import RequestFactory

from neisheng.platform.charts import (
    LABEL_WIDTH,
    LINE_HEIGHT,
    LINE_LEFT,
    LINE_RIGHT,
    WIDTH,
    Cell,
    DashboardCard,
    Line,
    LineChart,
    Segment,
    Stack,
    StackedBarChart,
    line_chart_svg,
    nice_ceiling,
    stacked_bar_chart_svg,
    x_label_indexes,
)

SVG = "{http://www.w3.org/2000/svg}"


def _parsed(svg) -> ET.Element:
    return ET.fromstring(str(svg))


def _points(root: ET.Element, series: str) -> list[tuple[float, float]]:
    group = next(g for g in root.iter(f"{SVG}g") if g.get("data-series") == series)
    return [(float(c.get("cx")), float(c.get("cy"))) for c in group.iter(f"{SVG}circle")]


def test_a_line_puts_each_run_at_its_place_and_each_value_at_its_height():
    chart = LineChart(["2025·1", "2025·2", "2026·1"], [Line("红色", [10, 20, 40], tone="red"),
                                                      Line("绿色", [0, 5, None], tone="green")])
    root = _parsed(line_chart_svg(chart, title="趋势", key="t"))

    red = _points(root, "红色")
    assert [x for x, _ in red] == [LINE_LEFT, (LINE_LEFT + WIDTH - LINE_RIGHT) / 2, WIDTH - LINE_RIGHT]
    # The axis tops at 40 (four steps of 10): 40 at the top, 20 half way down, 0 at the bottom.
    bottom, top = _points(root, "绿色")[0][1], red[2][1]
    assert red[1][1] == pytest.approx((bottom + top) / 2)
    assert red[0][1] == pytest.approx(bottom - (bottom - top) / 4)
    assert [c.get("data-value") for c in root.iter(f"{SVG}circle")] == ["10", "20", "40", "0", "5"]
    # A missing value leaves a gap: green's line has two points, its third run none.
    assert len(_points(root, "绿色")) == 2
    lines = [p for p in root.iter(f"{SVG}polyline")]
    assert [p.get("class") for p in lines] == ["line line-red", "line line-green"]
    assert len(lines[1].get("points").split()) == 2


def test_the_axis_is_on_round_numbers_and_whole_for_counts():
    assert nice_ceiling(9, integers=True) == 12
    assert nice_ceiling(300, integers=True) == 300
    assert nice_ceiling(1, integers=True) == 4
    assert nice_ceiling(0.37) == pytest.approx(0.4)
    root = _parsed(line_chart_svg(LineChart(["a", "b"], [Line("x", [3, 9])]), title="t"))
    ticks = [t.text for t in root.iter(f"{SVG}text") if "axis" in t.get("class") and "x-label" not in t.get("class")]
    assert ticks == ["0", "3", "6", "9", "12"]


def test_run_labels_that_would_overlap_are_thinned_keeping_the_first_and_the_last():
    labels = [f"2026·{n}" for n in range(1, 31)]
    shown = x_label_indexes(labels, WIDTH - LINE_LEFT - LINE_RIGHT)
    assert shown[0] == 0 and shown[-1] == 29 and 2 < len(shown) < 30
    assert x_label_indexes(["2025·1", "2026·1"], 200) == [0, 1]


def test_a_line_chart_is_an_image_with_its_name_and_escaped_labels():
    root = _parsed(line_chart_svg(LineChart(["<a>"], [Line("<b>", [1], data=True)]), title="<i>t</i>", key="k"))

    assert root.get("role") == "img" and root.get("aria-labelledby") == "k-chart-title"
    assert root.find(f"{SVG}title").text == "<i>t</i>"
    group = next(root.iter(f"{SVG}g"))
    assert group.get("translate") == "no" and group.find(f"{SVG}title").text == "<b>"
    assert float(root.get("viewBox").split()[3]) == LINE_HEIGHT


def test_stacked_bars_share_one_scale_and_split_each_bar_into_its_parts():
    chart = StackedBarChart([
        Stack("甲村", [Segment("红色", 2, "red"), Segment("黄色", 3, "yellow"), Segment("绿色", 5, "green")],
              href="/monitoring/?division=1"),
        Stack("乙村", [Segment("红色", 0, "red"), Segment("黄色", 1, "yellow"), Segment("绿色", 4, "green")]),
    ])
    root = _parsed(stacked_bar_chart_svg(chart, title="按风险", key="s"))

    span = WIDTH - LABEL_WIDTH - 52
    rows = list(root.iter(f"{SVG}g"))
    widths = [[float(r.get("width")) for r in row.iter(f"{SVG}rect")] for row in rows]
    assert widths[0] == pytest.approx([span * 0.2, span * 0.3, span * 0.5])
    assert widths[1] == pytest.approx([0, span * 0.1, span * 0.4])  # half the first row's length
    starts = [float(r.get("x")) for r in rows[0].iter(f"{SVG}rect")]
    assert starts == pytest.approx([LABEL_WIDTH, LABEL_WIDTH + span * 0.2, LABEL_WIDTH + span * 0.5])
    assert [g.get("data-total") for g in rows] == ["10", "5"]
    assert root.get("role") == "group" and root.find(f"{SVG}a").get("href") == "/monitoring/?division=1"
    first = next(rows[0].iter(f"{SVG}rect"))
    assert first.get("class") == "bar bar-red" and first.find(f"{SVG}title").text == "红色: 2"
    assert rows[0].find(f"{SVG}text").get("translate") == "no"  # a division's name is data


def test_a_stack_may_show_its_own_total_with_decimals():
    chart = StackedBarChart([Stack("甲村", [Segment("意识", 0.05), Segment("能力", 0.075)], total=0.125)],
                            decimals=3)
    root = _parsed(stacked_bar_chart_svg(chart, title="M0"))

    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts == ["甲村", "0.125"]
    assert [r.find(f"{SVG}title").text for r in root.iter(f"{SVG}rect")] == ["意识: 0.050", "能力: 0.075"]


def test_ratio_cells_show_their_places_or_a_percentage_and_export_the_number():
    assert Cell(0.12345, decimals=3).shown == "0.123"
    assert Cell(0.12345, percent=True).shown == "12.3%"
    assert Cell(None).shown == "—" and Cell(1234).shown is None
    assert Cell(0.25, percent=True).exported == 25.0 and Cell(0.25, decimals=3).exported == 0.25
    card = DashboardCard(key="k", title="t", headers=["区划", "H"], rows=[[Cell("甲村", data=True), Cell(0.5, decimals=3)]],
                         total=[Cell("合计"), Cell(None)])
    assert card.table() == (["区划", "H"], [["甲村", 0.5], ["合计", None]])
    card.export_headers, card.export_rows = ["代码", "区划", "H"], [["1", "甲村", 0.5]]
    assert card.table() == (["代码", "区划", "H"], [["1", "甲村", 0.5]])


@pytest.mark.django_db
def test_a_card_with_a_line_chart_has_its_legend_and_names_itself_in_the_export():
    card = DashboardCard(key="trend", title="趋势", chart=LineChart(["2026·1"], [Line("红色", [3], tone="red")]),
                         headers=["运行", "红色"], rows=[[Cell("2026·1", data=True), Cell(3)]], export_action="")
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    html = render_to_string("patterns/card.html", {"card": card}, request)

    assert '<svg class="chart line-chart" id="trend-chart"' in html
    legend = html[html.index('<ul class="chart-legend">'):]
    assert 'class="swatch line-swatch swatch-red"' in legend and "红色" in legend
    assert '<input type="hidden" name="card" value="trend">' in html
    assert '<td class="num">3</td>' in html
