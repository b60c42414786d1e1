"""Server-drawn charts in templates (neisheng.platform.charts):

    {% load charts %}
    {% bar_chart card %}                      a DashboardCard's chart
    {% bar_chart series title="…" key="x" %}  any series of Bars
"""

from __future__ import annotations

from django import template

from neisheng.platform.charts import DashboardCard, bar_chart_svg

register = template.Library()


@register.simple_tag
def bar_chart(card_or_series, title: str = "", key: str = "chart"):
    if isinstance(card_or_series, DashboardCard):
        return card_or_series.chart_svg()
    return bar_chart_svg(list(card_or_series or ()), title=title, key=key)
