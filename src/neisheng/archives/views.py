"""The household files' pages (archives.md, issue 16): the gaps per village (figures,
no names: researchers and departments too), the households whose files lack something,
a household's file in its five categories, uploads and new versions, the version
history, downloads (each one audited, as projects audits its documents) and the
printable file. Students' files are views_students.py.

Every read goes through the app's selectors, which keep to the user's division: a
household, document or version elsewhere is a 404, as one that does not exist."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext, gettext_lazy
from django.views.decorators.http import require_http_methods

from neisheng.accounts.access import (
    ARCHIVES_FIGURES,
    ARCHIVES_READ,
    ARCHIVES_UPLOAD,
    PERSONS_READ,
    user_may,
)
from neisheng.accounts.services import audit_record
from neisheng.archives import selectors, services
from neisheng.archives.forms import UploadForm, VersionForm
from neisheng.archives.models import (
    CATEGORY_LABELS,
    DOCUMENT_TYPE_LABELS,
    Document,
    DocumentVersion,
)
from neisheng.engine.schema import STATUS
from neisheng.platform.access import requires
from neisheng.platform.charts import Bar, Cell, DashboardCard, cells
from neisheng.platform.exports import export_response
from neisheng.platform.listing import Column, Filter, ListQuery, list_context, list_page
from neisheng.registry.models import Division, Household
from neisheng.registry.selectors.tree import division_filter_choices
from neisheng.transfers.uploads import REFUSED_ATTRIBUTE, too_large_message

READ = (PERSONS_READ, ARCHIVES_READ)


# --------------------------------------------------------------------------- shared


def _export_filters(query: ListQuery) -> dict:
    """The list's filters as the audit log names them (archives' own names)."""
    renamed = {"category": "archive_category", "doc_type": "archive_doc_type", "missing": "archive_missing"}
    return {renamed.get(k, k): v for k, v in query.filter_params().items()}


def in_page_language(sentence) -> str:
    text = str(sentence or "")
    if " / " in text:
        chinese, english = text.split(" / ", 1)
        text = english if (get_language() or "").startswith("en") else chinese
    return text.strip()


def errors_onto(form, refused: ValidationError) -> None:
    if hasattr(refused, "error_dict"):
        for name, errors in refused.message_dict.items():
            form.add_error(name if name in form.fields else None, [in_page_language(e) for e in errors])
    else:
        for message in refused.messages:
            form.add_error(None, in_page_language(message))


def form_page(request, form, *, title: str, back_url: str, subject: str = "", status: int = 200, **more):
    return render(request, "patterns/form.html", {
        "form": form, "title": title, "subject": subject, "back_url": back_url, "cancel_url": back_url, **more},
        status=status)


def household_for(user, household_id: str) -> Household:
    household = (selectors.households_visible(user).select_related("village", "village__parent")
                 .filter(pk=household_id).first())
    if household is None:
        raise Http404("no such household")
    return household


def _upload_refused_while_arriving(request, form) -> bool:
    """The site's first upload handler skipped a file too large to accept: say so."""
    if getattr(request, REFUSED_ATTRIBUTE, False):
        form.add_error("file", too_large_message())
        return True
    return False


class _Rows(list):
    """A list the listing pages like a queryset (they read the far end of a long list
    backwards)."""

    def reverse(self):
        return _Rows(reversed(self))


# --------------------------------------------------------------------------- gaps per village (figures)


def _division_choice(user, params) -> str:
    code = (params.get("division") or "").strip()
    return code if any(d.code == code for d in division_filter_choices(user, code)) else ""


def _gaps_cards(user, completeness, code: str) -> list[DashboardCard]:
    names = dict(Division.objects.filter(code__in=[v.village_code for v in completeness.villages])
                 .values_list("code", "name"))
    reads = user_may(user, ARCHIVES_READ) and user_may(user, PERSONS_READ)

    def households_url(village: str = "", doc_type: str = "") -> str | None:
        if not reads:
            return None
        query = "&".join(f"{k}={v}" for k, v in (("division", village), ("missing", doc_type or "any")) if v)
        return f"{reverse('archives:households')}?{query}"

    villages = completeness.villages
    total = completeness.total
    by_village = DashboardCard(
        key="archives-gaps", title=gettext("各村档案缺项"),
        note=gettext("按政策要求的材料核对脱贫户、监测户的档案;缺项户数链接到这些农户。"),
        series=[Bar(names.get(v.village_code, v.village_code), v.incomplete, href=households_url(v.village_code),
                    tone="red" if v.incomplete else "", data=True) for v in villages],
        headers=[gettext("村"), gettext("核查户数"), gettext("档案齐全"), gettext("缺项户数"), gettext("缺少材料(份)")],
        rows=[[Cell(names.get(v.village_code, v.village_code), data=True), Cell(v.checked), Cell(v.complete),
               Cell(v.incomplete, href=households_url(v.village_code), tone="red" if v.incomplete else ""),
               Cell(v.missing_documents)] for v in villages],
        total=cells(gettext("合计"), total.checked, total.complete,
                    Cell(total.incomplete, href=households_url()), total.missing_documents),
        export_action="",
        export_headers=[gettext("村代码"), gettext("村"), gettext("核查户数"), gettext("档案齐全"), gettext("缺项户数"),
                        gettext("缺少材料(份)"),
                        *(f"{gettext(str(CATEGORY_LABELS[c]))}·{gettext(str(DOCUMENT_TYPE_LABELS[t]))}"
                          for c, t in _pairs(total))],
        export_rows=[[v.village_code, names.get(v.village_code, ""), v.checked, v.complete, v.incomplete,
                      v.missing_documents, *(v.missing_by_type.get(pair, 0) for pair in _pairs(total))]
                     for v in villages],
    )
    pairs = _pairs(total)
    by_type = DashboardCard(
        key="archives-missing-types", title=gettext("缺少的材料"),
        series=[Bar(f"{gettext(str(DOCUMENT_TYPE_LABELS[t]))}", total.missing_by_type[(c, t)],
                    href=households_url(code, t), tone="red") for c, t in pairs],
        headers=[gettext("档案类别"), gettext("文件类型"), gettext("缺少的户数")],
        rows=[[Cell(gettext(str(CATEGORY_LABELS[c]))), Cell(gettext(str(DOCUMENT_TYPE_LABELS[t]))),
               Cell(total.missing_by_type[(c, t)], href=households_url(code, t))] for c, t in pairs],
        export_action=None,
    )
    return [by_village, by_type]


def _pairs(total) -> list[tuple[str, str]]:
    order = {c: i for i, c in enumerate(CATEGORY_LABELS)}
    types = {t: i for i, t in enumerate(DOCUMENT_TYPE_LABELS)}
    return sorted(total.missing_by_type, key=lambda p: (order[p[0]], types[p[1]]))


@requires(ARCHIVES_FIGURES)
@require_http_methods(["GET", "HEAD", "POST"])
def gaps(request):
    """各村档案缺项: counts per village, no household named (ARCHIVES_FIGURES)."""
    user = request.user
    code = _division_choice(user, request.GET)
    completeness = selectors.completeness_for(user, code)
    by_village, by_type = _gaps_cards(user, completeness, code)
    if request.method == "POST":
        headers, rows = by_village.table()
        return export_response(request, object_type="archive_gaps", detail={"filters": {"division": code}},
                               filename="档案缺项-archive-gaps", title=gettext("各村档案缺项"),
                               headers=headers, rows=rows)
    divisions = division_filter_choices(user, code)
    total = completeness.total
    return render(request, "archives/gaps.html", {
        "cards": [by_village, by_type], "total": total, "division": code,
        "divisions": divisions, "town_codes": {d.code for d in divisions if d.level == 4},
        "may_read": user_may(user, ARCHIVES_READ) and user_may(user, PERSONS_READ),
    })


# --------------------------------------------------------------------------- households with gaps

HOUSEHOLD_COLUMNS = [
    Column("household", gettext_lazy("户编号"), css="primary"),
    Column("village", gettext_lazy("村")),
    Column("status", gettext_lazy("户类型")),
    Column("required", gettext_lazy("应有材料"), numeric=True),
    Column("missing", gettext_lazy("缺少材料"), css="primary"),
]
HOUSEHOLD_EXPORT = [gettext_lazy("户编号"), gettext_lazy("村代码"), gettext_lazy("村"), gettext_lazy("户类型"),
                    gettext_lazy("应有材料"), gettext_lazy("缺少(份)"), gettext_lazy("缺少材料")]


def _household_filters(user, params) -> list[Filter]:
    divisions = division_filter_choices(user, (params.get("division") or "").strip())
    missing = [("any", gettext_lazy("有缺项")), ("none", gettext_lazy("齐全")),
               *((t, label) for t, label in DOCUMENT_TYPE_LABELS.items())]
    return [Filter("division", gettext_lazy("区划"), choices=[(d.code, d.name) for d in divisions], translate=False,
                   indent=frozenset(d.code for d in divisions if d.level == 5)),
            Filter("status", gettext_lazy("户类型"), choices=list(STATUS.items())),
            Filter("missing", gettext_lazy("缺项"), choices=missing)]


def _gap_rows(user, query: ListQuery) -> list:
    values = query.values
    households = selectors.households_visible(user)
    if values.get("division"):
        households = selectors.households_under(households, Division.objects.get(code=values["division"]))
    if values.get("status"):
        households = households.filter(status=values["status"])
    if query.q:
        households = households.filter(household_id__startswith=query.q)
    found = selectors.completeness_of(households).households
    missing = values.get("missing")
    if missing == "any":
        found = [h for h in found if h.missing]
    elif missing == "none":
        found = [h for h in found if not h.missing]
    elif missing:
        found = [h for h in found if any(t == missing for _, t in h.missing)]
    return found


def _labelled(rows: list) -> list:
    names = dict(Division.objects.filter(code__in={r.village_code for r in rows}).values_list("code", "name"))
    return [{"gaps": r, "village_name": names.get(r.village_code, ""),
             "missing": [(CATEGORY_LABELS[c], DOCUMENT_TYPE_LABELS[t]) for c, t in r.missing]} for r in rows]


@requires(*READ)
@require_http_methods(["GET", "HEAD", "POST"])
def households(request):
    """The households whose files were checked, with what each lacks."""
    user = request.user
    query = ListQuery(request.GET, columns=HOUSEHOLD_COLUMNS, filters=_household_filters(user, request.GET),
                      path=reverse("archives:households"), search_label=gettext_lazy("户编号"))
    rows = _gap_rows(user, query)
    if request.method == "POST":
        def cells_of():
            for row in _labelled(rows):
                gaps = row["gaps"]
                yield [gaps.household_id, gaps.village_code, row["village_name"], gettext(STATUS[gaps.status]),
                       gaps.required, len(gaps.missing),
                       gettext("、").join(f"{gettext(str(c))}·{gettext(str(t))}" for c, t in row["missing"])]

        return export_response(request, object_type="archive_households", detail={"filters": _export_filters(query)},
                               filename="档案缺项农户-archive-households", title=gettext("档案缺项农户"),
                               headers=[str(h) for h in HOUSEHOLD_EXPORT], rows=cells_of())
    page = list_page([_Rows(rows)], query=query, counts=[len(rows)], rows=_labelled)
    return render(request, "archives/household_list.html", list_context(
        query, page, labels={c.name: gettext(str(c.label)) for c in HOUSEHOLD_COLUMNS},
        may_upload=user_may(user, ARCHIVES_UPLOAD)))


# --------------------------------------------------------------------------- a household's file


@requires(*READ)
@require_http_methods(["GET", "HEAD"])
def household_file(request, household_id: str):
    user = request.user
    household = household_for(user, household_id)
    file = selectors.household_file(household)
    return render(request, "archives/household_file.html", {
        "household": household, "file": file, "may_upload": user_may(user, ARCHIVES_UPLOAD),
    })


@requires(*READ)
@require_http_methods(["GET", "HEAD"])
def household_file_pdf(request, household_id: str):
    """The printable file; printing it is recorded as an export of the household's file."""
    from neisheng.archives.pdf import household_file_pdf as draw

    user = request.user
    household = household_for(user, household_id)
    file = selectors.household_file(household)
    content = draw(household, file)
    audit_record(user=user, action="export", division_code=household.village_id, object_type="archive_file",
                 object_id=household.pk, detail={"documents": len(file["documents"]), "format": "pdf"},
                 request=request)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="archive-{household.pk}.pdf"'
    return response


@requires(*READ, ARCHIVES_UPLOAD)
@require_http_methods(["GET", "HEAD", "POST"])
def upload(request, household_id: str):
    user = request.user
    household = household_for(user, household_id)
    members = list(household.members.order_by("birth_date", "person_id"))
    initial = {k: request.GET[k] for k in ("category", "doc_type") if request.GET.get(k)}
    form = UploadForm(request.POST or None, request.FILES or None, members=members, initial=initial)
    back = reverse("archives:household", args=[household.pk])
    if request.method == "POST" and not _upload_refused_while_arriving(request, form) and form.is_valid():
        data = form.cleaned_data
        person = next((p for p in members if p.key == data["person"]), None)
        try:
            document = services.document_upload(user=user, household=household, category=data["category"],
                                                doc_type=data["doc_type"], title=data["title"],
                                                dated_on=data["dated_on"], file=data["file"], person=person,
                                                request=request)
        except ValidationError as refused:
            errors_onto(form, refused)
        else:
            messages.success(request, gettext("文件已上传"))
            return redirect("archives:document", pk=document.pk)
    return form_page(request, form, title=gettext("上传档案文件"), subject=household.pk, back_url=back,
                     back_label=gettext("返回农户档案"), submit_label=gettext("上传"),
                     status=400 if form.errors else 200)


# --------------------------------------------------------------------------- documents


def document_for(user, pk: int) -> Document:
    document = (selectors.documents_visible(user).select_related("household", "household__village", "person",
                                                                   "created_by").filter(pk=pk).first())
    if document is None:
        raise Http404("no such document")
    return document


@requires(*READ)
@require_http_methods(["GET", "HEAD"])
def document_detail(request, pk: int):
    user = request.user
    document = document_for(user, pk)
    versions = list(document.versions.select_related("uploaded_by").order_by("-number"))
    return render(request, "archives/document_detail.html", {
        "document": document, "versions": versions, "household": document.household,
        "may_upload": user_may(user, ARCHIVES_UPLOAD)})


@requires(*READ, ARCHIVES_UPLOAD)
@require_http_methods(["GET", "HEAD", "POST"])
def version_new(request, pk: int):
    user = request.user
    document = document_for(user, pk)
    form = VersionForm(request.POST or None, request.FILES or None)
    back = reverse("archives:document", args=[document.pk])
    if request.method == "POST" and not _upload_refused_while_arriving(request, form) and form.is_valid():
        try:
            services.document_version_add(user=user, document=document, file=form.cleaned_data["file"],
                                          reason=form.cleaned_data["reason"], request=request)
        except ValidationError as refused:
            errors_onto(form, refused)
        else:
            messages.success(request, gettext("已上传新版本,旧版本仍可下载"))
            return redirect("archives:document", pk=document.pk)
    return form_page(request, form, title=gettext("上传新版本"), subject=document.title, back_url=back,
                     back_label=gettext("返回文件"), submit_label=gettext("上传"), status=400 if form.errors else 200)


@requires(*READ)
@require_http_methods(["GET", "HEAD"])
def version_download(request, pk: int):
    """A version as it was uploaded; every download is in the audit log."""
    version = (selectors.versions_visible(request.user).select_related("document").filter(pk=pk).first())
    if version is None:
        raise Http404("no such version")
    document = version.document
    audit_record(user=request.user, action="export", division_code=document.division_code,
                 object_type="archive_document", object_id=str(document.pk),
                 detail={"household": document.household_id, "version": version.number,
                         "file": version.original_name[:120], "sha256": version.sha256}, request=request)
    response = FileResponse(version.file.open("rb"), as_attachment=True, filename=version.original_name,
                            content_type=version.content_type)
    return response


DOCUMENT_COLUMNS = [
    Column("title", gettext_lazy("文件名称"), order_by=("title",), css="primary"),
    Column("household", gettext_lazy("户编号"), order_by=("household_id",)),
    Column("category", gettext_lazy("档案类别"), order_by=("category",)),
    Column("doc_type", gettext_lazy("文件类型"), order_by=("doc_type",), css="primary"),
    Column("dated_on", gettext_lazy("文件日期"), order_by=("dated_on",)),
    Column("versions", gettext_lazy("版本"), numeric=True),
]
DOCUMENT_EXPORT = [gettext_lazy("户编号"), gettext_lazy("村代码"), gettext_lazy("档案类别"), gettext_lazy("文件类型"),
                   gettext_lazy("文件名称"), gettext_lazy("文件日期"), gettext_lazy("版本"), gettext_lazy("文件格式"),
                   gettext_lazy("大小(字节)"), "SHA-256", gettext_lazy("上传时间")]


def _document_filters(user, params) -> list[Filter]:
    divisions = division_filter_choices(user, (params.get("division") or "").strip())
    return [Filter("division", gettext_lazy("区划"), choices=[(d.code, d.name) for d in divisions], translate=False,
                   indent=frozenset(d.code for d in divisions if d.level == 5)),
            Filter("category", gettext_lazy("档案类别"), choices=list(CATEGORY_LABELS.items())),
            Filter("doc_type", gettext_lazy("文件类型"), choices=list(DOCUMENT_TYPE_LABELS.items()))]


def _with_versions(documents: list) -> list:
    from django.db.models import Count, Max

    figures = {row["document"]: row for row in DocumentVersion.objects.filter(document__in=[d.pk for d in documents])
               .values("document").annotate(n=Count("pk"), latest=Max("number"))}
    for document in documents:
        document.version_count = figures.get(document.pk, {}).get("n", 0)
    return documents


@requires(*READ)
@require_http_methods(["GET", "HEAD", "POST"])
def document_list(request):
    user = request.user
    query = ListQuery(request.GET, columns=DOCUMENT_COLUMNS, filters=_document_filters(user, request.GET),
                      path=reverse("archives:documents"), search_label=gettext_lazy("户编号或文件名称"))
    rows = selectors.documents_visible(user)
    values = query.values
    if values.get("division"):
        rows = rows.filter(division_code__startswith=Division.objects.get(code=values["division"]).prefix)
    for name in ("category", "doc_type"):
        if values.get(name):
            rows = rows.filter(**{name: values[name]})
    if query.q:
        rows = rows.filter(household_id__startswith=query.q) | rows.filter(title__contains=query.q)
    if request.method == "POST":
        def cells_of():
            versions = (DocumentVersion.objects.filter(document__in=rows).select_related("document")
                        .order_by("document__household_id", "document_id", "number"))
            for v in versions.iterator(chunk_size=2000):
                d = v.document
                yield [d.household_id, d.division_code, gettext(str(CATEGORY_LABELS[d.category])),
                       gettext(str(DOCUMENT_TYPE_LABELS[d.doc_type])), d.title, d.dated_on, v.number,
                       v.content_type, v.size, v.sha256, v.recorded_at.strftime("%Y-%m-%d %H:%M")]

        return export_response(request, object_type="archive_documents", detail={"filters": _export_filters(query)},
                               filename="档案文件-archive-documents", title=gettext("档案文件"),
                               headers=[str(h) for h in DOCUMENT_EXPORT], rows=cells_of())
    ordered = rows.order_by(*query.order_by(tiebreak=["household_id", "category", "doc_type", "pk"]))
    page = list_page([ordered], query=query, counts=[rows.count()], rows=_with_versions)
    return render(request, "archives/document_list.html", list_context(
        query, page, labels={c.name: gettext(str(c.label)) for c in DOCUMENT_COLUMNS}))
