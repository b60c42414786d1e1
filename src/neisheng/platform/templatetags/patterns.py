"""What the page patterns (templates/patterns/) need beyond Django's tags:

    {% load patterns %}
    {% capture as todo_html %}{% block todo %}{% endblock %}{% endcapture %}
    {% if todo_html %}<section class="card todo">{{ todo_html }}</section>{% endif %}

so a pattern draws a block's frame (a highlighted card, a row of buttons) only when the
page fills the block. Blocks inside `capture` are overridden as anywhere else.
"""

from __future__ import annotations

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


class CaptureNode(template.Node):
    def __init__(self, nodelist, name: str):
        self.nodelist = nodelist
        self.name = name

    def render(self, context):
        # Whitespace only counts as empty: a block holding just a newline is not content.
        context[self.name] = mark_safe(self.nodelist.render(context).strip())
        return ""


@register.tag
def capture(parser, token):
    bits = token.split_contents()
    if len(bits) != 3 or bits[1] != "as":
        raise template.TemplateSyntaxError("usage: {% capture as name %}…{% endcapture %}")
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(nodelist, bits[2])
