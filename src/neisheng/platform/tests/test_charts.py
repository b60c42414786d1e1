"""The dashboard card's chart: SVG drawn on the server from the card's series."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from neisheng.platform.charts import (
    LABEL_WIDTH,
    VALUE_WIDTH,
    WIDTH,
    Bar,
    Cell,
    DashboardCard,
    bar_chart_svg,
    cells,
)

SVG = "{http://www.w3.org/2000/svg}"


def _parsed(svg: str) -> ET.Element:
    return ET.fromstring(str(svg))


def _widths(svg: str) -> list[float]:
    return [float(r.get("width")) for r in _parsed(svg).iter(f"{SVG}rect")]


def test_bar_lengths_are_proportional_to_the_values_and_the_largest_fills_the_width():
    svg = bar_chart_svg([Bar("a", 10), Bar("b", 5), Bar("c", 25), Bar("d", 1)], title="t")

    widths = _widths(svg)
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    assert widths[2] == span
    assert widths == pytest.approx([span * 10 / 25, span * 5 / 25, span, span / 25], abs=0.01)


def test_a_zero_value_draws_no_bar_but_keeps_its_row_and_number():
    svg = bar_chart_svg([Bar("红色", 0), Bar("黄色", 4)], title="t")

    assert _widths(svg)[0] == 0
    texts = [t.text for t in _parsed(svg).iter(f"{SVG}text")]
    assert texts == ["红色", "0", "黄色", "4"]


def test_an_all_zero_or_empty_series_is_a_valid_chart_without_bars():
    assert _widths(bar_chart_svg([Bar("a", 0), Bar("b", 0)], title="t")) == [0, 0]
    empty = _parsed(bar_chart_svg([], title="没有数据"))
    assert list(empty.iter(f"{SVG}rect")) == []
    assert empty.find(f"{SVG}title").text == "没有数据"


def test_labels_and_titles_are_escaped():
    svg = str(bar_chart_svg([Bar('<script>alert("x")</script>', 3, href='/x?a=1&b="2"')], title="<b>t</b>"))

    assert "<script>" not in svg and "<b>" not in svg
    root = _parsed(svg)  # still well-formed XML
    assert root.find(f"{SVG}title").text == "<b>t</b>"
    assert root.find(f"{SVG}a").get("href") == '/x?a=1&b="2"'


def test_the_chart_has_an_accessible_name_and_each_bar_its_label_and_number():
    root = _parsed(bar_chart_svg([Bar("巫山县某某镇很长的名字", 1234, tone="red", data=True)], title="按区划", key="k"))

    assert root.get("role") == "img" and root.get("aria-labelledby") == "k-chart-title"
    assert root.find(f"{SVG}title").get("id") == "k-chart-title"
    row = root.find(f"{SVG}g")
    assert row.find(f"{SVG}title").text == "巫山县某某镇很长的名字: 1,234"
    assert row.get("translate") == "no"  # a name is data
    assert row.find(f"{SVG}text").text.endswith("…")  # cut to fit, whole in the title
    assert root.find(f".//{SVG}rect").get("class") == "bar bar-red"  # the colour comes from CSS
    assert "fill" not in str(ET.tostring(root))


@pytest.mark.django_db
def test_the_card_shows_the_chart_the_same_numbers_as_a_table_and_an_export_button():
    card = DashboardCard(
        key="by-risk", title="按风险等级",
        series=[Bar("红色", 1234, href="/households/?risk=red", tone="red"), Bar("绿色", 7)],
        headers=["风险", "户数"],
        rows=[[Cell("红色"), Cell(1234, href="/households/?risk=red")], cells("绿色", 7)],
        total=cells("合计", 1241), export_action="/monitoring/",
    )
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    html = render_to_string("patterns/card.html", {"card": card}, request)

    assert '<svg class="chart" id="by-risk-chart"' in html
    table = html[html.index("<table"):]
    numbers = [int(n.replace(",", "")) for n in re.findall(r'<td class="num">(?:<strong>)?(?:<a [^>]*>)?([\d,]+)', table)]
    assert numbers == [1234, 7, 1241]
    assert re.findall(r'data-value="(\d+)"', html) == ["1234", "7"]
    assert '<form method="post" class="card-export" action="/monitoring/">' in html
    assert 'name="csrfmiddlewaretoken"' in html


@pytest.mark.django_db
def test_a_card_without_export_action_has_no_export_button():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with translation.override("zh-hans"):
        html = render_to_string("patterns/card.html", {"card": DashboardCard(key="k", title="t", headers=["a"])},
                                request)

    assert "<form" not in html and "暂无数据" in html


def test_a_chart_whose_bars_link_is_a_group_not_an_image():
    # An image's content is not read, so a link inside one would be lost to a screen reader.
    assert _parsed(bar_chart_svg([Bar("红色", 3, href="/households/?risk=red")], title="t")).get("role") == "group"



def test_a_card_body_is_drawn_once_per_content_and_language_and_changes_with_it(rf):
    """{% card_body %} keeps the drawn body under a digest of the card: the same card
    gives the same HTML without drawing it again; any changed number gives new HTML."""
    from unittest import mock

    from django.core.cache import cache
    from django.utils import translation

    from neisheng.platform.charts import Cell, DashboardCard
    from neisheng.platform.templatetags import charts as tags

    cache.clear()

    def card(count: int) -> DashboardCard:
        return DashboardCard(key="k", title="t", headers=["区划", "户数"], rows=[[Cell("甲村", data=True), Cell(count)]])

    real = tags.render_to_string
    with mock.patch.object(tags, "render_to_string", side_effect=real) as drawn:
        first = tags.card_body(card(1234))
        again = tags.card_body(card(1234))
        assert first == again and drawn.call_count == 1
        changed = tags.card_body(card(1235))
        assert drawn.call_count == 2 and "1235" in changed.replace(",", "") and changed != first
        with translation.override("en"):
            tags.card_body(card(1234))
        assert drawn.call_count == 3
