"""The household list: search, filters, one page, and its Excel export."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from neisheng.accounts.access import PERSON_UNMASK, user_may
from neisheng.engine import schema
from neisheng.platform import scope
from neisheng.platform.exports import export_response
from neisheng.registry.lookups import (
    id_number_lookup_record,
    looks_like_id_number,
    normalised_id_number,
)
from neisheng.registry.models import Division
from neisheng.registry.selectors import attributes, listing
from neisheng.registry.views import _list_url, persons_allowed


@persons_allowed
@require_http_methods(["GET", "HEAD", "POST"])
def household_list(request):
    """The list; a POST to the same address (the page's export button, with its CSRF
    token; the filters stay in the query string) downloads these households as a
    workbook. Exports are never a GET: a link or an image on another site must not be
    able to make one, nor its audit entry."""
    user = request.user
    filters = listing.list_filters_from(user, request.GET)
    matching = listing.households_matching(user, filters)
    if looks_like_id_number(filters.q) and not request.GET.get("after") and not request.GET.get("before"):
        id_number_lookup_record(user=user, number=normalised_id_number(filters.q), via="household_search",
                                allowed=user_may(user, PERSON_UNMASK), found=matching.exists(), request=request)
    params = filters.as_params()
    if request.method == "POST":
        return _export(request, matching, params)
    page = listing.household_page(
        matching, after=request.GET.get("after", "").strip(), before=request.GET.get("before", "").strip(),
        user=user,
    )
    villages = _division_choices(user, filters.division)
    return render(request, "registry/household_list.html", {
        "page": page,
        "filters": filters,
        "params": params,
        "villages": villages,
        "statuses": schema.STATUS,
        "categories": schema.CATEGORY,
        "risks": listing.RISKS,
        "problems": listing.PROBLEMS,
        "with_results": attributes.results_exist(user),
        "next_url": _list_url(**params, after=page.next_after) if page.next_after else "",
        "prev_url": _list_url(**params, before=page.prev_before) if page.prev_before else "",
        "first_url": _list_url(**params),
    })


def _division_choices(user, selected) -> list:
    """The division filter's options: the towns in scope, and the villages of one town —
    the chosen one, or the only one. A county has thousands of villages; listing them all
    made every list page carry some 130 KB of options."""
    under = scope.visible_to(user, Division)
    towns = list(under.filter(level=4).order_by("code"))
    if not towns:
        return list(under.filter(level=5).order_by("code"))
    open_town = None
    if selected is not None and selected.level in (4, 5):
        open_town = selected.code if selected.level == 4 else selected.parent_id
    elif len(towns) == 1:
        open_town = towns[0].code
    villages = list(under.filter(level=5, parent_id=open_town).order_by("code")) if open_town else []
    choices = []
    for town in towns:
        choices.append(town)
        if town.code == open_town:
            choices.extend(villages)
    return choices


def _export(request, matching, params):
    return export_response(
        request, object_type="household_list", detail={"filters": params},
        filename="农户名单-households", title="农户 households",
        headers=listing.EXPORT_HEADERS, rows=listing.export_rows(matching, request.user),
    )


