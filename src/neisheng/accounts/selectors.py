"""What a user may see: everything under their own division, nothing else.

Scope is a range of 12-digit division codes (a town's villages share its first nine
digits), so one indexed range condition filters any table by its village code.
"""

from __future__ import annotations

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast

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


def users_within(user: User) -> QuerySet[User]:
    """The users whose division lies under `user`'s: all of them for an administrator
    without a division, none for a user without one. People (their phone numbers, their
    uploads) are in scope exactly as the places they work for are (issue 7, row 10)."""
    return User.objects.filter(_within("division_id", user))


def user_lies_within(user: User, other: User) -> bool:
    bounds = code_range(user)
    if bounds is None:
        return True
    low, high = bounds
    return bool(low) and other.division_id is not None and low <= other.division_id <= high


def audit_events_visible_to(user: User) -> QuerySet[AuditEvent]:
    """Administrators only. One tied to a division sees what people of that division did
    and what was done to its households and persons, by anyone; nothing of elsewhere."""
    if user.role != "admin" and not user.is_superuser:
        return AuditEvent.objects.none()
    events = AuditEvent.objects.select_related("user")
    bounds = code_range(user)
    if bounds is None:
        return events
    low, high = bounds
    by_people_here = Q(user__division_id__gte=low, user__division_id__lte=high)
    about_households_here = Q(
        object_type="household", object_id__in=households_visible_to(user).values("household_id")
    )
    about_persons_here = Q(object_type="person", object_id__in=persons_visible_to(user).values("person_id"))
    about_ledger_here = Q(
        object_type="income_item",
        object_id__in=ledger_visible_to(user).annotate(key=Cast("id", CharField())).values("key"),
    )
    return events.filter(by_people_here | about_households_here | about_persons_here | about_ledger_here)


# --- Revealing masked numbers -------------------------------------------------------
# A person's primary key is their ID number, so a reveal form cannot carry it: the page
# would hold every full number in its source. The form carries the person's random
# opaque key (Person.key), which says nothing about the number and is found by its index.


def user_is_admin(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (user.role == "admin" or user.is_superuser)


def user_may_unmask(user) -> bool:
    """Whether the user's role may see full ID and phone numbers at all."""
    return bool(getattr(user, "is_authenticated", False)) and (user.can_unmask or user.is_superuser)


def user_may_reveal_phone_of(user, owner: User) -> bool:
    """A user's own phone number: administrators, and unmasking officers of the very same
    division (a colleague's number, not everyone's below them). An administrator tied to a
    division sees only the numbers of people within it."""
    if user_is_admin(user):
        return user_lies_within(user, owner)
    return (
        user_may_unmask(user)
        and user.division_id is not None
        and owner.division_id == user.division_id
    )


def person_key_is_well_formed(key) -> bool:
    """Whether `key` could be a Person.key at all: checked before any query, so a garbage
    address costs nothing (issue 7, row 9)."""
    from neisheng.registry.models import PERSON_KEY_LENGTH

    return (isinstance(key, str) and len(key) == PERSON_KEY_LENGTH
            and all(c.isascii() and (c.isalnum() or c in "-_") for c in key))


def person_reveal_key(person) -> str:
    """The opaque key a reveal form posts for a person: a Person, or an ID number (one
    indexed query; "" when nobody has that number, and then no button is shown)."""
    from neisheng.registry.models import Person

    if isinstance(person, Person):
        return person.key
    if not person:
        return ""
    return Person.objects.filter(pk=str(person)).values_list("key", flat=True).first() or ""


def person_by_key(user: User, key: str) -> Person | None:
    """The person with this opaque key within the user's scope, or None (not there, out
    of scope and malformed are the same answer)."""
    if not person_key_is_well_formed(key):
        return None
    return persons_visible_to(user).select_related("household").filter(key=key).first()


def person_by_reveal_key(user: User, key: str) -> Person | None:
    """The person a reveal key names, if the user may unmask and the person lies within
    the user's scope; otherwise None (the caller cannot tell which was the case)."""
    if not user_may_unmask(user):
        return None
    return person_by_key(user, key)


def user_phone_revealable_by(user: User, owner_id) -> User | None:
    """The user whose phone number `user` may see, or None."""
    try:
        owner_pk = int(owner_id)
    except (TypeError, ValueError):
        return None
    owner = User.objects.filter(pk=owner_pk).first()
    if owner is None or not user_may_reveal_phone_of(user, owner):
        return None
    return owner


def audit_events_filtered(user: User, *, username: str = "", action: str = "", date_from=None,
                          date_to=None, object_id: str = "") -> QuerySet[AuditEvent]:
    """The audit events the user may see, narrowed by the audit page's filters (dates are
    whole local days, both ends included)."""
    events = audit_events_visible_to(user)
    if username:
        events = events.filter(username__iexact=username.strip())
    if action:
        events = events.filter(action=action)
    if date_from:
        events = events.filter(at__date__gte=date_from)
    if date_to:
        events = events.filter(at__date__lte=date_to)
    if object_id:
        events = events.filter(object_id=object_id.strip())
    return events
