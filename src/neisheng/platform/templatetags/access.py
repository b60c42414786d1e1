"""The roles × capabilities table in templates:

    {% load access %}
    {% if user|may:"registry.edit" %}<a href="…">新增农户</a>{% endif %}
"""

from __future__ import annotations

from django import template

from neisheng.accounts.access import user_may

register = template.Library()


@register.filter
def may(user, capability: str) -> bool:
    return user_may(user, capability)
