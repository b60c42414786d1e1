"""What a user may see: everything under their own division, nothing else. The one way
any page, export, API endpoint, upload check or the audit log restricts rows.

A model with a division code declares once where that code is:

    class Household(models.Model):
        division_field = "village_id"              # its own column
    class Person(models.Model):
        division_field = "household__village_id"   # through a relation

and every read of it in scope is `scope.visible_to(user, Household.objects...)`.

Scope is a range of 12-digit division codes (a town's villages share its first nine
digits), so one indexed range condition filters any table by its division code.
"""

from __future__ import annotations

from django.db.models import Model, Q, QuerySet

from neisheng.accounts.access import SCOPE_UNBOUNDED, user_may
from neisheng.divisions import PREFIX_LENGTH, level_of, parent_of


def code_range(user) -> tuple[str, str] | None:
    """(lowest, highest) division code under the user's division; None for a user whose
    role may see everything and who has no division. Anyone else without a division sees
    nothing: ("", "") selects no code."""
    if user.division_id is None:
        return None if user_may(user, SCOPE_UNBOUNDED) else ("", "")
    division = user.division
    prefix = division.code[: PREFIX_LENGTH[division.level]]
    return prefix.ljust(12, "0"), prefix.ljust(12, "9")


def within(user, field: str) -> Q:
    """The condition "`field` (a division code) lies under the user's division"."""
    bounds = code_range(user)
    if bounds is None:
        return Q()
    low, high = bounds
    if not low:
        return Q(pk__in=[])
    return Q(**{f"{field}__gte": low, f"{field}__lte": high})


def code_is_within(user, code: str | None) -> bool:
    """Whether one division code lies under the user's division."""
    bounds = code_range(user)
    if bounds is None:
        return True
    low, high = bounds
    return bool(low) and bool(code) and low <= code <= high


def division_field_of(model: type[Model]) -> str:
    try:
        return model.division_field
    except AttributeError:
        raise TypeError(
            f"{model.__name__} declares no division_field, so it cannot be scoped"
        ) from None


def _parents_read(division) -> None:
    """Read the divisions above `division` in one query (their codes follow from its own:
    divisions.parent_of) and keep each as its child's `parent`, so walking up the chain
    asks the database once instead of once a level. A parent that is not where its code
    says is still read by the walk itself."""
    field = type(division)._meta.get_field("parent")
    if not division.parent_id or field.is_cached(division):
        return
    codes, code = [], division.code
    try:
        while code and level_of(code) > 1:
            code = parent_of(code)
            codes.append(code)
    except ValueError:  # not a 12-digit code: the walk reads each parent
        return
    found = type(division)._default_manager.in_bulk(codes)
    node = division
    while node.parent_id in found and not field.is_cached(node):
        field.set_cached_value(node, found[node.parent_id])
        node = found[node.parent_id]


def visible_to(user, rows: QuerySet | type[Model], *, ancestors: bool = False) -> QuerySet:
    """`rows` (a queryset, or a model for all of its rows) restricted to what lies under
    the user's division. `ancestors=True` (for the division model itself) adds the
    divisions above the user's own, for breadcrumbs and so that every parent code in a
    scoped extract resolves."""
    queryset = rows._default_manager.all() if isinstance(rows, type) else rows
    field = division_field_of(queryset.model)
    condition = within(user, field)
    if ancestors and user.division_id is not None:
        above = []
        node = user.division
        _parents_read(node)
        while node.parent_id:
            above.append(node.parent_id)
            node = node.parent
        condition |= Q(**{f"{field}__in": above})
    return queryset.filter(condition)
