"""Pages of the platform itself: the audit log."""

from __future__ import annotations

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from neisheng.accounts.access import AUDIT_READ
from neisheng.accounts.masking import mask_id_number
from neisheng.accounts.models import AuditEvent
from neisheng.platform.access import requires
from neisheng.platform.audit import AUDIT_OBJECT_TYPES, audit_event_sentences, audit_events_filtered
from neisheng.platform.audit_forms import AuditFilterForm
from neisheng.platform.exports import export_response

AUDIT_PAGE_SIZE = 50
AUDIT_HEADERS = (gettext_lazy("时间"), gettext_lazy("用户名"), gettext_lazy("姓名"), gettext_lazy("操作"),
                 gettext_lazy("内容"), gettext_lazy("对象类型"), gettext_lazy("对象编号"), gettext_lazy("IP 地址"))
PAGE_WINDOW = 2  # page numbers shown either side of the current one


def page_of(paginator: Paginator, number) -> tuple[Page, bool]:
    """(the page asked for, whether it lies past the end). A page past the end shows the
    last one and says so; a number that is not one shows the first."""
    try:
        return paginator.page(number or 1), False
    except PageNotAnInteger:
        return paginator.page(1), False
    except EmptyPage:
        if int(number) > paginator.num_pages:
            return paginator.page(paginator.num_pages), True
        return paginator.page(1), False


def page_numbers(page: Page) -> list[int | None]:
    """The page numbers to link: the first, the last and a window round the current page,
    None where numbers are left out."""
    last = page.paginator.num_pages
    shown = sorted({1, last, *range(max(1, page.number - PAGE_WINDOW), min(last, page.number + PAGE_WINDOW) + 1)})
    numbers: list[int | None] = []
    for number in shown:
        if numbers and number - numbers[-1] > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers


def _audit_object_display(event: AuditEvent) -> str:
    # A person's key is their ID number: the log shows it masked like everywhere else.
    if event.object_type == "person":
        return mask_id_number(event.object_id)
    return event.object_id


@requires(AUDIT_READ)
@require_http_methods(["GET", "HEAD", "POST"])
def audit(request):
    """The audit log for administrators (everything in their division) and auditors (the
    same, read only): each entry in words, filtered, paged, exported to Excel. The export
    is a POST to the same address (filters in the query string, CSRF token in the body),
    so another site cannot make one, nor its audit entry, with a link or an image."""
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        events = AuditEvent.objects.none()
    else:
        filters = form.filters() if form.is_bound else {}
        events = audit_events_filtered(request.user, **filters)

    # An invalid filter shows its errors instead of exporting.
    if request.method == "POST" and not (form.is_bound and form.errors):
        return _audit_export(request, events, form)

    page, past_end = page_of(Paginator(events, AUDIT_PAGE_SIZE), request.GET.get("page"))
    rows = list(page.object_list)
    return render(request, "platform/audit.html", {
        "form": form, "page": page, "past_end": past_end, "page_numbers": page_numbers(page),
        "entries": list(zip(rows, audit_event_sentences(rows), strict=True)),
    })


def _audit_export(request, events, form):
    filters = {k: str(v) for k, v in (form.filters() if form.is_bound else {}).items() if v}

    def rows():
        for chunk in _chunks(events.iterator(chunk_size=2000), 2000):
            for event, sentence in zip(chunk, audit_event_sentences(chunk, html=False), strict=True):
                yield (
                    # Excel has no time zones: the local (county) time, as shown on the page.
                    timezone.localtime(event.at).replace(tzinfo=None),
                    event.username,
                    event.user.display_name if event.user else "",
                    event.get_action_display(),
                    sentence,
                    str(AUDIT_OBJECT_TYPES.get(event.object_type, event.object_type)),
                    _audit_object_display(event),
                    event.ip_address or "",
                )

    return export_response(request, object_type="audit_event", detail={"filters": filters, "rows": events.count()},
                           filename="audit-log", title=_("审计日志"), headers=[str(h) for h in AUDIT_HEADERS],
                           rows=rows())


def _chunks(iterable, size: int):
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
