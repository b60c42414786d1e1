"""The audit findings card on the home page (a platform.extensions work card, registered
in PlatformConfig.ready()): for those who read the audit log (auditors, administrators),
what deserves a look in their division over the last days — full numbers revealed,
exports, failed sign-ins — each count linking to the audit log filtered to it."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from neisheng.accounts.access import AUDIT_READ, user_may
from neisheng.accounts.models import AuditEvent
from neisheng.platform.audit import audit_events_visible_to
from neisheng.platform.extensions import WorkCard, work_card_add
from neisheng.policy import load_policy

FINDINGS = (
    (AuditEvent.Action.VIEW_UNMASKED, "次查看完整号码"),
    (AuditEvent.Action.EXPORT, "次导出"),
    (AuditEvent.Action.LOGIN_FAILED, "次登录失败"),
)


def audit_findings_context(request) -> dict | None:
    user = request.user
    if not user_may(user, AUDIT_READ):
        return None
    days = load_policy().audit_findings_days
    since = timezone.localdate() - dt.timedelta(days=days - 1)
    counts = audit_events_visible_to(user).filter(at__date__gte=since).aggregate(
        **{action: Count("pk", filter=Q(action=action)) for action, _ in FINDINGS})
    audit_url = reverse("platform:audit")
    return {
        "days": days,
        "findings": [
            {"action": action, "label": label, "count": counts[action],
             "url": f"{audit_url}?{urlencode({'action': action, 'date_from': since.isoformat()})}"}
            for action, label in FINDINGS
        ],
        "audit_url": audit_url,
    }


def register() -> None:
    work_card_add(WorkCard(name="audit", template="platform/work_audit.html", context=audit_findings_context,
                           order=30))
