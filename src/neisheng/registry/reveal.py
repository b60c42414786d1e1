"""Revealing one masked number: a person's full ID number, or a user's phone number.

A person's primary key is their ID number, so a reveal form cannot carry it: the page
would hold every full number in its source. The form carries the person's random
opaque key (Person.key), which says nothing about the number and is found by its index.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from neisheng.accounts.access import PERSON_UNMASK, user_may
from neisheng.accounts.masking import mask_id_number, mask_phone
from neisheng.accounts.models import AuditEvent
from neisheng.accounts.services import audit_record
from neisheng.platform import scope
from neisheng.platform.access import require
from neisheng.platform.people import user_phone_revealable_by
from neisheng.registry.models import PERSON_KEY_LENGTH, Person

# The header the optional inline script sends: answer with the bare number, not a page.
FRAGMENT_HEADER = "X-Neisheng-Reveal"


def person_key_is_well_formed(key) -> bool:
    """Whether `key` could be a Person.key at all: checked before any query, so a garbage
    address costs nothing (issue 7, row 9)."""
    return (isinstance(key, str) and len(key) == PERSON_KEY_LENGTH
            and all(c.isascii() and (c.isalnum() or c in "-_") for c in key))


def person_reveal_key(person) -> str:
    """The opaque key a reveal form posts for a person: a Person, or an ID number (one
    indexed query; "" when nobody has that number, and then no button is shown)."""
    if isinstance(person, Person):
        return person.key
    if not person:
        return ""
    return Person.objects.filter(pk=str(person)).values_list("key", flat=True).first() or ""


def person_by_key(user, key: str) -> Person | None:
    """The person with this opaque key within the user's scope, or None (not there, out
    of scope and malformed are the same answer)."""
    if not person_key_is_well_formed(key):
        return None
    return scope.visible_to(user, Person.objects.select_related("household")).filter(key=key).first()


def person_by_reveal_key(user, key: str) -> Person | None:
    """The person a reveal key names, if the user may unmask and the person lies within
    the user's scope; otherwise None (the caller cannot tell which was the case)."""
    if not user_may(user, PERSON_UNMASK):
        return None
    return person_by_key(user, key)


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.headers.get("Referer") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return "/"


@login_required
@require_POST
def reveal(request):
    """One full ID number (kind=id, key from person_reveal_key) or a user's phone number
    (kind=phone, key = user id). 403 for roles that may not unmask; 404 for anything
    outside the user's scope. Every answer is recorded as view_unmasked, under the
    division of the person's village or of the user whose number it is."""
    kind = request.POST.get("kind")
    key = request.POST.get("key", "")
    if kind not in {"id", "phone"}:
        return HttpResponseBadRequest("kind must be id or phone")
    require(request.user, PERSON_UNMASK)

    if kind == "id":
        person = person_by_reveal_key(request.user, key)
        if person is None:
            raise Http404
        value, masked, owner_label = person.person_id, mask_id_number(person.person_id), person.name
        audit_record(user=request.user, action=AuditEvent.Action.VIEW_UNMASKED,
                     division_code=person.household.village_id, object_type="person",
                     object_id=person.person_id, detail={"kind": "id", "household_id": person.household_id},
                     request=request)
    else:
        owner = user_phone_revealable_by(request.user, key)
        if owner is None:
            raise Http404
        value, masked, owner_label = owner.phone, mask_phone(owner.phone), str(owner)
        audit_record(user=request.user, action=AuditEvent.Action.VIEW_UNMASKED, division_code=owner.division_id,
                     object_type="user", object_id=str(owner.pk),
                     detail={"kind": "phone", "username": owner.username}, request=request)

    if request.headers.get(FRAGMENT_HEADER):
        response = HttpResponse(value, content_type="text/plain; charset=utf-8")
    else:
        response = render(request, "registry/revealed.html", {
            "kind": kind, "value": value, "masked": masked, "owner_label": owner_label,
            "back": _safe_next(request),
        })
    # A full number must not linger in any cache.
    add_never_cache_headers(response)
    return response
