"""Reading the audit trail: which events a user may see, and the audit page's filters.

Every event carries the division it concerns (AuditEvent.division_code, given to the
one writer, accounts.services.audit_record), so an administrator tied to a division sees
the events about it and the events by its people with one scope filter, whatever the
object: a household, a person, a case or anything a later app records.
"""

from __future__ import annotations

from django.db.models import QuerySet

from neisheng.accounts.access import AUDIT_READ, user_may
from neisheng.accounts.models import AuditEvent
from neisheng.platform import scope


def audit_events_visible_to(user) -> QuerySet[AuditEvent]:
    """Nothing without the capability to read the log; with it, what concerns the user's
    division and what people of that division did (anywhere); everything for an
    administrator without a division."""
    if not user_may(user, AUDIT_READ):
        return AuditEvent.objects.none()
    events = AuditEvent.objects.select_related("user")
    if scope.code_range(user) is None:
        return events
    return events.filter(scope.within(user, "division_code") | scope.within(user, "user__division_id"))


def audit_events_filtered(user, *, username: str = "", action: str = "", date_from=None,
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
