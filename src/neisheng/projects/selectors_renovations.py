"""Reads of renovations and reference price lists, always in the user's scope.

Renovations are seen by the household's village scope. A price list belongs to its
county and is read by everyone of the county, the villages included (they price their
renovations with it): the list's code is the county's, so it is read with the divisions
above the user's own (`visible_to(..., ancestors=True)`).

Whether a line item is over its reference price is the audit's rule (projects.md,
`engine.project_audit.check_renovation_price`): unit price × 100 > reference price ×
(100 + tolerance × 100), compared in whole numbers. `item_marks` applies it in Decimal
for a page; `with_flags` in SQL for the list's filter, each side scaled to whole numbers
and rounded before comparing, so SQLite's floating point cannot tip a price that is
exactly at the limit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Round
from django.http import Http404

from neisheng.platform import scope
from neisheng.projects.models import PriceList, ReferencePrice, Renovation, RenovationItem

MONEY = DecimalField(max_digits=16, decimal_places=2)


@dataclass(frozen=True)
class RenovationRules:
    """The policy's numbers the pages judge renovations by."""

    tolerance: Decimal          # 0.10: a unit price may exceed the reference by 10 %
    cap: Decimal                # yuan per household over all its renovations
    statuses: tuple[str, ...]   # household statuses a renovation is for

    @property
    def tolerance_percent(self) -> str:
        return f"{(self.tolerance * 100).normalize():f}"

    @property
    def tolerance_basis_points(self) -> int:
        return int((self.tolerance * 10000).quantize(Decimal(1)))


def renovation_rules() -> RenovationRules:
    from neisheng.monitoring.policies import policy_current

    policy = policy_current().policy
    return RenovationRules(tolerance=Decimal(str(policy.projects_price_tolerance)).quantize(Decimal("0.0001")),
                           cap=Decimal(str(policy.projects_renovation_cap)).quantize(Decimal("0.01")),
                           statuses=tuple(policy.projects_renovation_statuses))


def price_over(unit_price: Decimal, reference_price: Decimal, rules: RenovationRules) -> bool:
    return unit_price * 100 * 10000 > reference_price * 100 * (10000 + rules.tolerance_basis_points)


# --------------------------------------------------------------------------- renovations


def renovations_visible(user) -> QuerySet[Renovation]:
    return scope.visible_to(user, Renovation)


def renovation_for(user, pk) -> Renovation:
    """The renovation `pk` if the user sees it, else Http404 (as if it did not exist)."""
    found = (renovations_visible(user).select_related("household__village", "price_list", "project", "recorded_by",
                                                      "site_checked_by").filter(pk=pk).first())
    if found is None:
        raise Http404("no such renovation")
    return found


def _reference(field: str):
    return Subquery(ReferencePrice.objects.filter(price_list_id=OuterRef("renovation__price_list_id"),
                                                  item_code=OuterRef("item_code")).values(field)[:1])


def with_flags(renovations: QuerySet[Renovation], rules: RenovationRules) -> QuerySet[Renovation]:
    """Each renovation with `total` (its items' amounts), `item_count`, `over_price` and
    `over_quantity` (some item is)."""
    scaled = Value(100 * (10000 + rules.tolerance_basis_points), output_field=IntegerField())
    items = RenovationItem.objects.filter(renovation=OuterRef("pk")).annotate(
        reference_price=_reference("reference_price"), max_quantity=_reference("max_quantity"))
    over_price = items.annotate(
        price_scaled=Round(F("unit_price") * Value(1000000, output_field=IntegerField())),
        limit_scaled=Round(F("reference_price") * scaled),
    ).filter(price_scaled__gt=F("limit_scaled"))
    over_quantity = items.filter(quantity__gt=F("max_quantity"))
    totals = (RenovationItem.objects.filter(renovation=OuterRef("pk")).order_by().values("renovation")
              .annotate(sum=Sum("amount")).values("sum"))
    counts = (RenovationItem.objects.filter(renovation=OuterRef("pk")).order_by().values("renovation")
              .annotate(n=Count("pk")).values("n"))
    return renovations.annotate(
        total=Coalesce(Subquery(totals, output_field=MONEY), Value(Decimal(0)), output_field=MONEY),
        item_count=Coalesce(Subquery(counts, output_field=IntegerField()), Value(0)),
        over_price=Exists(over_price), over_quantity=Exists(over_quantity))


@dataclass(frozen=True)
class ItemMark:
    """A line item beside its reference: the price and maximum of its list, whether it is
    over either, and by how much."""

    item: RenovationItem
    reference: ReferencePrice | None
    over_price: bool
    over_quantity: bool

    @property
    def price_limit(self) -> Decimal | None:
        return None if self.reference is None else self.reference.reference_price


def item_marks(renovation: Renovation, rules: RenovationRules) -> list[ItemMark]:
    references = {r.item_code: r for r in renovation.price_list.items.all()}
    marks = []
    for item in renovation.items.select_related("recorded_by"):
        reference = references.get(item.item_code)
        marks.append(ItemMark(
            item=item, reference=reference,
            over_price=reference is not None and price_over(item.unit_price, reference.reference_price, rules),
            over_quantity=reference is not None and item.quantity > reference.max_quantity))
    return marks


def household_renovation_total(household_id: str) -> Decimal:
    """The household's sum over all its renovations (what renovation_total compares with
    the cap), whoever recorded them."""
    total = RenovationItem.objects.filter(renovation__household_id=household_id).aggregate(s=Sum("amount"))["s"]
    return total or Decimal("0.00")


# --------------------------------------------------------------------------- price lists


def price_lists_visible(user) -> QuerySet[PriceList]:
    return scope.visible_to(user, PriceList, ancestors=True)


def price_list_for(user, pk) -> PriceList:
    found = price_lists_visible(user).select_related("uploaded_by").filter(pk=pk).first()
    if found is None:
        raise Http404("no such price list")
    return found


def in_force_today(price_lists: list[PriceList], today: dt.date) -> set[int]:
    """Of the lists given (a county's), the pk of the one in force today per county, as
    services.prices.price_list_in_force chooses."""
    from neisheng.projects.services.prices import price_list_in_force

    chosen = set()
    for county in {p.division_code for p in price_lists}:
        found = price_list_in_force(county, today)
        if found is not None:
            chosen.add(found.pk)
    return chosen
