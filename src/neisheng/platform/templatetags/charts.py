"""Server-drawn charts in templates (neisheng.platform.charts):

    {% load charts %}
    {% bar_chart card %}                      a DashboardCard's chart
    {% bar_chart series title="…" key="x" %}  any series of Bars
    {% card_row row %}                        a card table's row of Cells as <td>s
    {% card_body card %}                      a card's note, chart and table, drawn once per content
"""

from __future__ import annotations

import hashlib
import pickle

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from neisheng.platform.cache import cached
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


BODY_SECONDS = 600


@register.simple_tag
def card_body(card: DashboardCard):
    """The card's note, chart and table (patterns/_card_body.html), kept in the cache under
    a digest of the card's whole content and the language: a county's dashboard is some
    two thousand table rows and fifteen charts, most of its time, and the same for every
    reader shown the same numbers and links. A card whose content cannot be pickled is
    drawn every time."""
    try:
        digest = hashlib.sha256(pickle.dumps(card, protocol=pickle.HIGHEST_PROTOCOL)).hexdigest()
    except (pickle.PicklingError, TypeError, AttributeError):
        return render_to_string("patterns/_card_body.html", {"card": card})
    key = f"card-body-{get_language()}-{digest}"
    return mark_safe(cached(key, lambda: str(render_to_string("patterns/_card_body.html", {"card": card})),
                                      BODY_SECONDS))
