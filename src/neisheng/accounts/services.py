"""Writes of the accounts workflow: the audit trail."""

from __future__ import annotations

from django.db import transaction

from neisheng.accounts.models import AuditEvent, User


def _client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR")


@transaction.atomic
def audit_record(*, user: User | None, action: str, object_type: str = "", object_id: str = "",
                 detail: dict | None = None, request=None) -> AuditEvent:
    return AuditEvent.objects.create(
        user=user if (user is not None and user.is_authenticated) else None,
        username=getattr(user, "username", "") or "",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        detail=detail or {},
        ip_address=_client_ip(request),
    )
