"""Pages of the platform itself: the audit log."""

from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from neisheng.accounts.access import AUDIT_READ
from neisheng.accounts.forms import AuditFilterForm
from neisheng.accounts.masking import mask_id_number
from neisheng.accounts.models import AuditEvent
from neisheng.platform.access import requires
from neisheng.platform.audit import audit_events_filtered
from neisheng.platform.exports import export_response

AUDIT_PAGE_SIZE = 50
AUDIT_HEADERS = ("时间 when", "用户 user", "操作 action", "对象 object", "编号 id", "详情 detail", "IP 地址 address")


def _audit_object_display(event: AuditEvent) -> str:
    # A person's key is their ID number: the log shows it masked like everywhere else.
    if event.object_type == "person":
        return mask_id_number(event.object_id)
    return event.object_id


@requires(AUDIT_READ)
@require_http_methods(["GET", "HEAD", "POST"])
def audit(request):
    """The audit log for administrators: filter, page through, export to Excel. The
    export is a POST to the same address (filters in the query string, CSRF token in the
    body), so another site cannot make one, nor its audit entry, with a link or an image."""
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        events = AuditEvent.objects.none()
    else:
        filters = form.filters() if form.is_bound else {}
        events = audit_events_filtered(request.user, **filters)

    # An invalid filter shows its errors instead of exporting.
    if request.method == "POST" and not (form.is_bound and form.errors):
        return _audit_export(request, events, form)

    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "platform/audit.html", {"form": form, "page": page})


def _audit_export(request, events, form):
    filters = {k: str(v) for k, v in (form.filters() if form.is_bound else {}).items() if v}

    def rows():
        for event in events.iterator(chunk_size=2000):
            yield (
                # Excel has no time zones: the local (county) time, as shown on the page.
                timezone.localtime(event.at).replace(tzinfo=None),
                event.username,
                event.get_action_display(),
                event.object_type,
                _audit_object_display(event),
                json.dumps(event.detail, ensure_ascii=False) if event.detail else "",
                event.ip_address or "",
            )

    return export_response(request, object_type="audit_event", detail={"filters": filters, "rows": events.count()},
                           filename="audit-log", title="审计日志", headers=AUDIT_HEADERS, rows=rows())
