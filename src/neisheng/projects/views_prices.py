"""Pages of the reference price lists of renovations: the county's lists (which is in
force today), a list's items, the import of a county's Excel list, and taking the
default list shipped with the platform."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from neisheng.accounts.access import PERSONS_READ, PRICES_EDIT, user_may
from neisheng.assistance.views_work import errors_onto
from neisheng.platform import scope
from neisheng.platform.access import requires
from neisheng.projects import selectors_renovations as selectors
from neisheng.projects.forms_renovations import PriceListImportForm
from neisheng.projects.services import prices
from neisheng.projects.views_imports import columns_described, import_template_response
from neisheng.registry.models import Division
from neisheng.transfers.uploads import REFUSED_ATTRIBUTE

COUNTY_LEVEL = 3


def _counties(user) -> list[tuple[str, str]] | None:
    """The counties a user without a division chooses from; None for a user with one
    (their own county is the list's)."""
    if user.division_id:
        return None
    return list(scope.visible_to(user, Division).filter(level=COUNTY_LEVEL).order_by("code")
                .values_list("code", "name"))


def _county_of(user, chosen: str = "") -> str:
    return prices.county_code(user.division_id or chosen)


@requires(PERSONS_READ)
@require_http_methods(["GET", "HEAD"])
def price_lists(request):
    user = request.user
    lists = list(selectors.price_lists_visible(user).annotate(item_count=Count("items"))
                 .select_related("uploaded_by").order_by("division_code", "-effective_on", "-pk"))
    in_force = selectors.in_force_today(lists, timezone.localdate())
    names = dict(Division.objects.filter(code__in={p.division_code for p in lists}).values_list("code", "name"))
    return render(request, "projects/prices_list.html", {
        "lists": [{"list": p, "county": names.get(p.division_code, p.division_code), "in_force": p.pk in in_force}
                  for p in lists],
        "may_edit": user_may(user, PRICES_EDIT), "counties": _counties(user),
    })


@requires(PERSONS_READ)
@require_http_methods(["GET", "HEAD"])
def price_list_detail(request, pk: int):
    price_list = selectors.price_list_for(request.user, pk)
    county = Division.objects.filter(code=price_list.division_code).values_list("name", flat=True).first()
    in_force = prices.price_list_in_force(price_list.division_code, timezone.localdate())
    return render(request, "projects/prices_detail.html", {
        "price_list": price_list, "items": list(price_list.items.all()), "county": county or price_list.division_code,
        "in_force": in_force is not None and in_force.pk == price_list.pk,
    })


@requires(PERSONS_READ, PRICES_EDIT)
@require_http_methods(["GET", "HEAD", "POST"])
def price_list_import(request):
    """A county's list from Excel, all or nothing; ?template=1 is the blank sheet."""
    user = request.user
    if request.method != "POST" and request.GET.get("template"):
        return import_template_response(prices.PRICE_COLUMNS, "reference-prices")
    counties = _counties(user)
    status = 200
    if request.method == "POST":
        form = PriceListImportForm(request.POST, request.FILES, counties=counties,
                                   too_large=getattr(request, REFUSED_ATTRIBUTE, False))
        if form.is_valid():
            data = form.cleaned_data
            try:
                record = prices.price_list_import(
                    user=user, file=data["file"], division_code=_county_of(user, data.get("county", "")),
                    name=data["name"], effective_on=data["effective_on"], request=request)
            except ValidationError as error:
                errors_onto(form, error)
            else:
                return redirect("projects:import_detail", pk=record.pk)
        status = 400
    else:
        form = PriceListImportForm(counties=counties, initial={"effective_on": timezone.localdate()})
    return render(request, "projects/imports_page.html", {
        "title": gettext("导入参考价格表"), "back_url": reverse("projects:prices"), "import_form": form,
        "import_action": request.path, "template_url": f"{request.path}?template=1",
        "import_columns": columns_described(prices.PRICE_COLUMNS)}, status=status)


@requires(PERSONS_READ, PRICES_EDIT)
@require_http_methods(["GET", "HEAD", "POST"])
def price_list_default(request):
    """The default list's items, and the button that takes it for the user's county (or,
    without a division, the county chosen)."""
    user = request.user
    counties = _counties(user)
    if request.method == "POST":
        county = _county_of(user, (request.POST.get("county") or "").strip())
        if county != prices.county_code(""):
            price_list = prices.price_list_default(division_code=county, user=user, request=request)
            return redirect("projects:price_list", pk=price_list.pk)
    return render(request, "projects/prices_default.html", {
        "items": prices.default_items(), "counties": counties,
        "effective_on": prices.DEFAULT_EFFECTIVE_ON}, status=400 if request.method == "POST" else 200)
