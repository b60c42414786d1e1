"""What a user may see: everything under their own division, nothing else.

Scope is a range of 12-digit division codes (a town's villages share its first nine
digits), so one indexed range condition filters any table by its village code.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from neisheng.accounts.models import AuditEvent, User
from neisheng.registry.models import Division, Household, IncomeItem, Person


def code_range(user: User) -> tuple[str, str] | None:
    """(lowest, highest) division code under the user's division; None for an
    administrator without a division, who sees everything. A user with no division
    who is not an administrator sees nothing: ("", "") selects no code."""
    if user.division_id is None:
        return None if user.role == "admin" or user.is_superuser else ("", "")
    prefix = user.division.prefix
    return prefix.ljust(12, "0"), prefix.ljust(12, "9")


def _within(field: str, user: User) -> Q:
    bounds = code_range(user)
    if bounds is None:
        return Q()
    low, high = bounds
    if not low:
        return Q(pk__in=[])
    return Q(**{f"{field}__gte": low, f"{field}__lte": high})


def divisions_visible_to(user: User) -> QuerySet[Division]:
    """The user's division, everything below it, and its ancestors (for breadcrumbs)."""
    within = _within("code", user)
    if user.division_id is None:
        return Division.objects.filter(within)
    ancestors = []
    node = user.division
    while node.parent_id:
        ancestors.append(node.parent_id)
        node = node.parent
    return Division.objects.filter(within | Q(code__in=ancestors))


def divisions_under(user: User) -> QuerySet[Division]:
    """Only the user's division and what lies below it."""
    return Division.objects.filter(_within("code", user))


def households_visible_to(user: User) -> QuerySet[Household]:
    return Household.objects.filter(_within("village_id", user))


def persons_visible_to(user: User) -> QuerySet[Person]:
    return Person.objects.filter(_within("household__village_id", user))


def ledger_visible_to(user: User) -> QuerySet[IncomeItem]:
    return IncomeItem.objects.filter(_within("household__village_id", user))


def audit_events_visible_to(user: User) -> QuerySet[AuditEvent]:
    if user.role != "admin" and not user.is_superuser:
        return AuditEvent.objects.none()
    return AuditEvent.objects.select_related("user")
