from __future__ import annotations

from django.contrib import messages
from django.core.paginator import InvalidPage, Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from neisheng.accounts.access import REGISTRY_EDIT
from neisheng.engine.schema import TABLES
from neisheng.platform.access import requires
from neisheng.platform.exports import xlsx_response
from neisheng.transfers.forms import UploadForm
from neisheng.transfers.models import UPLOAD_TABLES
from neisheng.transfers.selectors import import_batch_summaries_of, import_batches_of
from neisheng.transfers.services import (
    ImportRefused,
    import_batch_apply,
    import_batch_create,
    import_batch_discard,
)
from neisheng.transfers.uploads import REFUSED_ATTRIBUTE

RECENT_BATCHES = 10
ISSUES_PER_PAGE = 100  # a preview page of problems stays small whatever the file held


@requires(REGISTRY_EDIT)
def upload(request):
    form = UploadForm(request.POST or None, request.FILES or None,
                      too_large=getattr(request, REFUSED_ATTRIBUTE, False))
    if request.method == "POST" and form.is_valid():
        batch = import_batch_create(uploaded_file=form.cleaned_data["file"], user=request.user,
                                    table=form.cleaned_data["table"] or None)
        return redirect("transfers:batch", pk=batch.pk)
    return render(request, "transfers/upload.html", {
        "form": form,
        "tables": UPLOAD_TABLES,
        "batches": import_batch_summaries_of(request.user)[:RECENT_BATCHES],
    })


def _batch_for(request, pk):
    return get_object_or_404(import_batches_of(request.user), pk=pk)


@requires(REGISTRY_EDIT)
def batch_detail(request, pk):
    batch = _batch_for(request, pk)
    paginator = Paginator(batch.issues, ISSUES_PER_PAGE)
    try:
        issues = paginator.page(request.GET.get("page") or 1)
    except InvalidPage:
        # Never another page in its place: the address would say one thing, the page another.
        raise Http404("没有这一页问题 / no such page of problems") from None
    return render(request, "transfers/batch.html", {
        "batch": batch, "issues": issues,
        "page_range": paginator.get_elided_page_range(issues.number, on_each_side=2, on_ends=1),
    })


@requires(REGISTRY_EDIT)
@require_POST
def batch_apply(request, pk):
    batch = _batch_for(request, pk)
    try:
        counts = import_batch_apply(batch=batch, user=request.user, request=request)
    except ImportRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"已导入:新增 {counts['created']} 行,修改 {counts['updated']} 行 / "
            f"imported: {counts['created']} created, {counts['updated']} updated",
        )
    return redirect("transfers:batch", pk=batch.pk)


@requires(REGISTRY_EDIT)
@require_POST
def batch_discard(request, pk):
    batch = import_batch_discard(batch=_batch_for(request, pk))
    messages.info(request, f"已放弃 {batch.original_name} / discarded")
    return redirect("transfers:upload")


@requires(REGISTRY_EDIT)
def template_workbook(request, table):
    """An empty workbook with the table's Chinese headers, to fill in and upload."""
    if table not in UPLOAD_TABLES:
        raise Http404
    contract = TABLES[table]
    return xlsx_response(filename=f"{contract.zh}-模板", title=contract.zh,
                         headers=[c.zh for c in contract.columns], rows=[])
