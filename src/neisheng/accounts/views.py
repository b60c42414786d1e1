"""Pages of the accounts workflow: revealing one masked number, and the audit log."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from neisheng.accounts.forms import AuditFilterForm
from neisheng.accounts.masking import mask_id_number, mask_phone
from neisheng.accounts.models import AuditEvent
from neisheng.accounts.selectors import (
    audit_events_filtered,
    person_by_reveal_key,
    user_is_admin,
    user_may_unmask,
    user_phone_revealable_by,
)
from neisheng.accounts.services import audit_record

AUDIT_PAGE_SIZE = 50
# The header the optional inline script sends: answer with the bare number, not a page.
FRAGMENT_HEADER = "X-Neisheng-Reveal"


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.headers.get("Referer") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return "/"


@login_required
@require_POST
def reveal(request):
    """One full ID number (kind=id, key from person_reveal_key) or a user's phone number
    (kind=phone, key = user id). 403 for roles that may not unmask; 404 for anything
    outside the user's scope. Every answer is recorded as view_unmasked."""
    kind = request.POST.get("kind")
    key = request.POST.get("key", "")
    if kind not in {"id", "phone"}:
        return HttpResponseBadRequest("kind must be id or phone")
    if not user_may_unmask(request.user):
        raise PermissionDenied("此角色不能查看完整号码 / this role may not see full numbers")

    if kind == "id":
        person = person_by_reveal_key(request.user, key)
        if person is None:
            raise Http404
        value, masked, owner_label = person.person_id, mask_id_number(person.person_id), person.name
        audit_record(user=request.user, action=AuditEvent.Action.VIEW_UNMASKED, object_type="person",
                     object_id=person.person_id, detail={"kind": "id", "household_id": person.household_id},
                     request=request)
    else:
        owner = user_phone_revealable_by(request.user, key)
        if owner is None:
            raise Http404
        value, masked, owner_label = owner.phone, mask_phone(owner.phone), str(owner)
        audit_record(user=request.user, action=AuditEvent.Action.VIEW_UNMASKED, object_type="user",
                     object_id=str(owner.pk), detail={"kind": "phone", "username": owner.username},
                     request=request)

    if request.headers.get(FRAGMENT_HEADER):
        response = HttpResponse(value, content_type="text/plain; charset=utf-8")
    else:
        response = render(request, "accounts/revealed.html", {
            "kind": kind, "value": value, "masked": masked, "owner_label": owner_label,
            "back": _safe_next(request),
        })
    # A full number must not linger in any cache.
    add_never_cache_headers(response)
    return response


def _audit_object_display(event: AuditEvent) -> str:
    # A person's key is their ID number: the log shows it masked like everywhere else.
    if event.object_type == "person":
        return mask_id_number(event.object_id)
    return event.object_id


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def audit(request):
    """The audit log for administrators: filter, page through, export to Excel. The
    export is a POST to the same address (filters in the query string, CSRF token in the
    body), so another site cannot make one, nor its audit entry, with a link or an image."""
    if not user_is_admin(request.user):
        raise PermissionDenied("仅系统管理员可查看审计日志 / administrators only")
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
    return render(request, "accounts/audit.html", {"form": form, "page": page})


AUDIT_HEADERS = ("时间 when", "用户 user", "操作 action", "对象 object", "编号 id", "详情 detail", "IP 地址 address")


def _audit_export(request, events, form):
    import json

    filters = {k: str(v) for k, v in (form.filters() if form.is_bound else {}).items() if v}
    audit_record(user=request.user, action=AuditEvent.Action.EXPORT, object_type="audit_event",
                 detail={"filters": filters, "rows": events.count()}, request=request)
    from neisheng.transfers.exports import xlsx_response

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

    return xlsx_response(filename="audit-log", title="审计日志", headers=AUDIT_HEADERS, rows=rows())
