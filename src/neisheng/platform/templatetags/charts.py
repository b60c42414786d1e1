"""Server-drawn charts in templates (neisheng.platform.charts):

    {% load charts %}
    {% bar_chart card %}                      a DashboardCard's chart
    {% bar_chart series title="…" key="x" %}  any series of Bars
    {% card_row row %}                        a card table's row of Cells as <td>s
"""

from __future__ import annotations

from django import template
from django.utils.safestring import mark_safe

from neisheng.platform.charts import DashboardCard, bar_chart_svg, cell_html

register = template.Library()


@register.simple_tag
def bar_chart(card_or_series, title: str = "", key: str = "chart"):
    if isinstance(card_or_series, DashboardCard):
        return card_or_series.chart_svg()
    return bar_chart_svg(list(card_or_series or ()), title=title, key=key)


@register.simple_tag
def card_row(row, strong: bool = False):
    return mark_safe("".join(cell_html(cell, strong=strong) for cell in row))
