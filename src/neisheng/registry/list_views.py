"""The household list on the list pattern (platform.listing): search, filters, sorting,
exact counts, page numbers, and its Excel export."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from neisheng.platform import scope
from neisheng.platform.exports import export_response
from neisheng.platform.extensions import households_annotated_for
from neisheng.platform.listing import ListQuery, counts_cached, list_context, list_page
from neisheng.registry.lookups import (
    id_number_lookup_record,
    id_suffix_lookup_record,
    looks_like_id_number,
    normalised_id_number,
)
from neisheng.registry.models import Person
from neisheng.registry.selectors import attributes, listing
from neisheng.registry.selectors.tree import division_filter_choices
from neisheng.registry.views import persons_allowed


@persons_allowed
@require_http_methods(["GET", "HEAD", "POST"])
def household_list(request):
    """The list; a POST to the same address (the page's export button, with its CSRF
    token; the filters stay in the query string) downloads every matching household as
    a workbook. Exports are never a GET: a link or an image on another site must not be
    able to make one, nor its audit entry."""
    user = request.user
    filters = listing.list_filters_from(user, request.GET)
    matching = listing.households_matching(user, filters)
    if request.method == "POST" or not request.GET.get("page"):
        _audit_id_lookups(request, filters, matching)
    shown = attributes.list_attributes(user)
    if request.method == "POST":
        return _export(request, matching, filters.as_params(), shown)

    divisions = division_filter_choices(user, filters.division.code if filters.division else "")
    asked = (request.GET.get("division") or request.GET.get("village") or "").strip()
    query = ListQuery(
        request.GET, columns=listing.list_columns(shown), filters=listing.list_filter_panel(shown, divisions),
        path=reverse("registry:household_list"),
        # A division the panel does not offer (outside the scope: the list stays empty)
        # is kept in every link rather than silently dropped, which would widen the list.
        extra={"division": asked} if asked and asked not in {d.code for d in divisions} else None,
    )
    rows = households_annotated_for(user, matching, shown).select_related("village")
    if query.sort or filters.risk:
        # One risk chosen: red-first is the number order, and the risk asked twice (filter
        # and segment) makes PostgreSQL expect a handful of rows and sort a county's whole
        # join (1.5 s at a million households) instead of walking the number index.
        segments, kind = [rows.order_by(*query.order_by(tiebreak=["household_id"]))], "all"
    else:
        segments, kind = listing.work_first(rows, user, shown)
    counts = counts_cached(
        user=user, name="households", key={**filters.as_params(), "unmask": filters.may_unmask, "kind": kind},
        compute=lambda: listing.segment_counts(user, matching, kind),
    )
    names = [a.name for a in shown]
    page = list_page(segments, query=query, counts=counts,
                     rows=lambda households: listing.list_rows(households, filters, names))
    return render(request, "registry/household_list.html", list_context(
        query, page, filters=filters, result_columns=names,
        # Each cell's label, translated once for the page rather than once per row.
        labels={column.name: gettext(str(column.label)) for column in query.columns},
    ))


def _audit_id_lookups(request, filters, matching) -> None:
    """Searches that reach ID numbers are audited, allowed or not, found or not: a full
    number by anyone (a refused role is answered "not found"), the last digits by a role
    that may unmask (other roles' digits match household numbers only)."""
    user = request.user
    if looks_like_id_number(filters.q):
        id_number_lookup_record(user=user, number=normalised_id_number(filters.q), via="household_search",
                                allowed=filters.may_unmask, found=matching.exists(), request=request)
    elif listing.id_suffix_searched(filters):
        found = scope.visible_to(user, Person).filter(
            id_suffix_reversed__startswith=filters.q.upper()[::-1]).count()
        id_suffix_lookup_record(user=user, suffix=filters.q.upper(), via="household_search", found=found,
                                request=request)


def _export(request, matching, params, shown):
    return export_response(
        request, object_type="household_list", detail={"filters": params},
        filename="农户名单-households", title=str(listing.EXPORT_TITLE),
        headers=listing.export_headers(shown), rows=listing.export_rows(matching, request.user, shown),
    )
