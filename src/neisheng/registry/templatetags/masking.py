"""Masked ID and phone numbers in templates, with a "显示" (show) button for roles that
may unmask.

    {% load masking %}
    {% masked_id person %}                ID number: 5002**********1234 [显示]
    {% masked_phone some_user %}          a User: their phone, revealable
    {% masked_phone "13812345678" %}      any other phone string: masked only, no button

The button is a plain POST form (with CSRF token) to registry:reveal, so it works
without JavaScript: the reveal view then answers with a small page showing the full
number and a link back to the page it came from (the number is never put in a cookie,
a message or a URL). The site's script (web/static/neisheng/site.js, on every page)
makes the same POST with fetch and the header X-Neisheng-Reveal; the view then answers
with the bare number as text/plain and the script puts it in place of the masked one
without reloading.

The form never carries a full ID number (the ID number is the person's primary key): it
posts kind=id and the person's random opaque key (Person.key). The view checks the
role and the user's scope (404 outside it) and records every reveal in the audit log.
The button appears only for roles with the capability "person.unmask"
(accounts.access; for a phone, only for those who oversee users in scope and officers of
the owner's own division).
"""

from __future__ import annotations

from django import template
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext

from neisheng.accounts.access import PERSON_UNMASK, user_may
from neisheng.accounts.masking import mask_id_number, mask_phone
from neisheng.platform.people import user_may_reveal_phone_of
from neisheng.registry.reveal import person_reveal_key

register = template.Library()

# Revealing without a reload (fetch with the header X-Neisheng-Reveal) is done by
# web/static/neisheng/site.js: the Content-Security-Policy runs no inline script.


def _request(context):
    return context.get("request")


def _button(context, *, kind: str, key: str) -> str:
    request = _request(context)
    return format_html(
        ' <form method="post" action="{}" class="inline reveal">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
        '<input type="hidden" name="kind" value="{}">'
        '<input type="hidden" name="key" value="{}">'
        '<input type="hidden" name="next" value="{}">'
        '<button type="submit" class="link" title="{}">{}</button>'
        "</form>",
        reverse("registry:reveal"), get_token(request), kind, key, request.get_full_path(),
        gettext("查看完整号码(将记入审计日志)"), gettext("显示"),
    )


def _viewer(context):
    request = _request(context)
    return getattr(request, "user", None) if request is not None else None


@register.simple_tag(takes_context=True)
def masked_id(context, number) -> str:
    """The masked ID number, with a reveal button for roles that may unmask. `number` is
    a Person (its key is at hand) or an ID number (its key is looked up)."""
    person = number if hasattr(number, "person_id") else None
    number = person.person_id if person is not None else ("" if number is None else str(number))
    masked = mask_id_number(number)
    if not number:
        return ""
    viewer = _viewer(context)
    key = person_reveal_key(person or number) if user_may(viewer, PERSON_UNMASK) else ""
    button = _button(context, kind="id", key=key) if key else ""
    return format_html('<span class="masked"><span class="masked-value" translate="no">{}</span>{}</span>', masked, button)


@register.simple_tag(takes_context=True)
def masked_phone(context, value, owner=None) -> str:
    """A masked phone number. `value` is a User (their phone, revealable) or a phone
    string; a string is revealable only with owner=<the User it belongs to>."""
    from neisheng.accounts.models import User

    if isinstance(value, User):
        owner, phone = value, value.phone
    else:
        phone = "" if value is None else str(value)
    if not phone:
        return ""
    viewer = _viewer(context)
    button = ""
    if isinstance(owner, User) and user_may_reveal_phone_of(viewer, owner):
        button = _button(context, kind="phone", key=str(owner.pk))
    return format_html('<span class="masked"><span class="masked-value" translate="no">{}</span>{}</span>',
                       mask_phone(phone), button)
