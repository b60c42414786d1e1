"""Sign-ins in the audit trail: who signed in, and every failed attempt (typed username
and address only; never the password)."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from neisheng.accounts.services import audit_login_failure_record, audit_record


@receiver(user_logged_in, dispatch_uid="neisheng.accounts.audit_login")
def record_login(sender, request, user, **kwargs):
    audit_record(user=user, action="login", division_code=user.division_id, object_type="user",
                 object_id=str(user.pk), request=request)


@receiver(user_login_failed, dispatch_uid="neisheng.accounts.audit_login_failed")
def record_login_failure(sender, credentials, request=None, **kwargs):
    audit_login_failure_record(username=str(credentials.get("username") or ""), request=request)
