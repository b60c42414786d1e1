from __future__ import annotations

from django.contrib import messages
from django.core.paginator import InvalidPage, Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_POST

from neisheng.accounts.access import REGISTRY_EDIT
from neisheng.engine.schema import TABLES
from neisheng.platform.access import requires
from neisheng.platform.exports import xlsx_response
from neisheng.transfers.changes import changes_page
from neisheng.transfers.checks import issue_shown
from neisheng.transfers.forms import UploadForm
from neisheng.transfers.models import UPLOAD_TABLES, ImportBatch
from neisheng.transfers.selectors import import_batch_summaries_of, import_batches_of
from neisheng.transfers.services import (
    ImportRefused,
    import_batch_apply,
    import_batch_create,
    import_batch_discard,
)
from neisheng.transfers.uploads import REFUSED_ATTRIBUTE

RECENT_BATCHES = 10


def in_language(text: str) -> str:
    """The half of a "中文 / English" sentence (the services' refusals) in the page's language."""
    if " / " not in text:
        return text
    chinese, english = text.split(" / ", 1)
    return english if (get_language() or "zh").startswith("en") else chinese
ISSUES_PER_PAGE = 100  # a preview page of problems stays small whatever the file held
CHANGES_PER_PAGE = 50  # records (each with its changed fields) per preview page


class _Changes:
    """The batch's changes as a sequence the paginator slices: only the page is read."""

    def __init__(self, batch):
        self.batch = batch

    def __len__(self):
        return self.batch.to_create + self.batch.to_update

    def __getitem__(self, part: slice):
        return changes_page(self.batch, start=part.start or 0, count=(part.stop or 0) - (part.start or 0))


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
    """The preview: a batch with problems lists them; a clean one lists every record it
    creates or changes, field by field (old → new), a page at a time."""
    batch = _batch_for(request, pk)
    english = (get_language() or "zh").startswith("en")
    if batch.issues:
        paginator = Paginator([issue_shown(i, batch.table, english=english) for i in batch.issues],
                              ISSUES_PER_PAGE)
    elif batch.status == ImportBatch.Status.REJECTED:
        paginator = Paginator([], CHANGES_PER_PAGE)  # discarded: nothing will be written
    else:
        paginator = Paginator(_Changes(batch), CHANGES_PER_PAGE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except InvalidPage:
        # Never another page in its place: the address would say one thing, the page another.
        raise Http404(gettext("没有这一页")) from None
    return render(request, "transfers/batch.html", {
        "batch": batch, "issues": page if batch.issues else None, "changes": None if batch.issues else page,
        "page_range": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
    })


@requires(REGISTRY_EDIT)
@require_POST
def batch_apply(request, pk):
    batch = _batch_for(request, pk)
    try:
        counts = import_batch_apply(batch=batch, user=request.user, request=request)
    except ImportRefused as exc:
        messages.error(request, in_language(str(exc)))
    else:
        messages.success(request, gettext("已导入:新增 %(created)s 行,修改 %(updated)s 行") % counts)
    return redirect("transfers:batch", pk=batch.pk)


@requires(REGISTRY_EDIT)
@require_POST
def batch_discard(request, pk):
    batch = import_batch_discard(batch=_batch_for(request, pk))
    messages.info(request, gettext("已放弃 %(name)s") % {"name": batch.original_name})
    return redirect("transfers:upload")


@requires(REGISTRY_EDIT)
def template_workbook(request, table):
    """An empty workbook with the table's Chinese headers, to fill in and upload."""
    if table not in UPLOAD_TABLES:
        raise Http404
    contract = TABLES[table]
    return xlsx_response(filename=f"{contract.zh}-模板", title=contract.zh,
                         headers=[c.zh for c in contract.columns], rows=[])
