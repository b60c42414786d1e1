"""`{% activity_tabs as tabs %}`: the lists of activities that exist, in one row of links
on each activity list (trainings, meetings, placements, posts, industry, credit, aid,
insurance). A list whose route is not there is left out."""

from __future__ import annotations

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy

register = template.Library()

TABS = (
    ("trainings", "assistance:trainings", gettext_lazy("技能培训")),
    ("meetings", "assistance:meetings", gettext_lazy("宣讲和议事")),
    ("placements", "assistance:placements", gettext_lazy("就业帮扶")),
    ("posts", "assistance:posts", gettext_lazy("公益岗位")),
    ("industry", "assistance:industry", gettext_lazy("产业帮扶")),
    ("credit", "assistance:credit", gettext_lazy("小额信贷")),
    ("aid", "assistance:aid", gettext_lazy("教育资助")),
    ("insurance", "assistance:insurance", gettext_lazy("参保资助")),
)


@register.simple_tag
def activity_tabs() -> list[dict]:
    tabs = []
    for name, route, label in TABS:
        try:
            tabs.append({"name": name, "url": reverse(route), "label": label})
        except NoReverseMatch:
            continue
    return tabs
