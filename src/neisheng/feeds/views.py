"""The feeds' pages (feeds.md): the list of feeds, the upload, one feed's summary (its
problems when refused, its counts and findings by rule once applied), its rows with their
match, and the original file.

Every read goes through feeds.selectors (scope): a feed elsewhere is a 404, as one that
does not exist. A feed is seen whole by those whose division holds it (the uploader's
county); a town or village officer opens a county's feed through the rows linked in
their division and sees the counts of those rows only."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import get_language, gettext, gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from neisheng.accounts.access import FEEDS_UPLOAD, PERSONS_READ, user_may
from neisheng.accounts.masking import mask_id_number
from neisheng.accounts.services import audit_record
from neisheng.engine.feeds import DEPARTMENTS, FEED_TYPES
from neisheng.feeds import selectors
from neisheng.feeds.forms import FeedUploadForm
from neisheng.feeds.jobs import feed_apply_queue
from neisheng.feeds.models import FEED_TYPE_CHOICES, MATCH_KIND_CHOICES, Feed, ReviewState
from neisheng.feeds.services import DISCARDABLE, FeedRefused, feed_discard, feed_upload
from neisheng.platform.access import requires
from neisheng.platform.exports import export_response
from neisheng.platform.jobs import JobError
from neisheng.platform.listing import (
    Column,
    Filter,
    ListQuery,
    counts_cached,
    list_context,
    list_page,
)
from neisheng.transfers.uploads import REFUSED_ATTRIBUTE

persons_allowed = requires(PERSONS_READ)
uploaders_allowed = requires(PERSONS_READ, FEEDS_UPLOAD)

ISSUES_SHOWN = 200  # the problems of a refused file shown on its page (every one is counted)


def in_page_language(sentence) -> str:
    """A refusal reads "中文 / English": the half in the page's language."""
    text = str(sentence)
    if " / " in text:
        chinese, english = text.split(" / ", 1)
        text = english if (get_language() or "").startswith("en") else chinese
    return text.strip()


def _feed_for(request, pk) -> Feed:
    return get_object_or_404(selectors.feeds_visible_to(request.user), pk=pk)


def _department_choices() -> list[tuple[str, str]]:
    return [(code, gettext_lazy(name)) for code, name in DEPARTMENTS.items()]


# --------------------------------------------------------------------------- the list

COLUMNS = [
    Column("file", gettext_lazy("文件"), order_by=("original_name",), css="primary"),
    Column("type", gettext_lazy("数据类型"), order_by=("feed_type",), css="primary"),
    Column("department", gettext_lazy("部门")),
    Column("uploaded_by", gettext_lazy("上传人")),
    Column("uploaded_at", gettext_lazy("上传时间"), order_by=("uploaded_at",)),
    Column("status", gettext_lazy("状态"), order_by=("status",), css="primary"),
    Column("rows", gettext_lazy("行数"), numeric=True),
    Column("exact", gettext_lazy("证件号一致"), numeric=True),
    Column("probable", gettext_lazy("概率匹配"), numeric=True),
    Column("review", gettext_lazy("待人工核对"), numeric=True),
    Column("unmatched", gettext_lazy("未匹配"), numeric=True),
    Column("findings", gettext_lazy("线索数"), numeric=True),
]


def _filters() -> list[Filter]:
    return [
        Filter("type", gettext_lazy("数据类型"), choices=list(FEED_TYPE_CHOICES)),
        Filter("department", gettext_lazy("部门"), choices=_department_choices()),
        Filter("status", gettext_lazy("状态"), choices=list(Feed.Status.choices)),
    ]


def _matching(user, query: ListQuery):
    feeds = selectors.feeds_visible_to(user)
    values = query.values
    if values.get("type"):
        feeds = feeds.filter(feed_type=values["type"])
    if values.get("department"):
        feeds = feeds.filter(department=values["department"])
    if values.get("status"):
        feeds = feeds.filter(status=values["status"])
    if query.q:
        feeds = feeds.filter(original_name__contains=query.q)
    return feeds


@persons_allowed
@require_http_methods(["GET", "HEAD", "POST"])
def feed_list(request):
    """Every feed the user may see; a POST to the same address exports every matching
    feed (the filters stay in the query string)."""
    user = request.user
    query = ListQuery(request.GET, columns=COLUMNS, filters=_filters(), path=reverse("feeds:list"),
                      search_label=gettext_lazy("文件名"))
    matching = _matching(user, query)
    if request.method == "POST":
        return _export(request, matching, query)
    counts = counts_cached(user=user, name="feeds", key=query.filter_params(), compute=lambda: [matching.count()])
    page = list_page([matching.order_by(*query.order_by(tiebreak=["-uploaded_at", "-pk"]))], query=query,
                     counts=counts, rows=lambda feeds: _rows(user, feeds))
    return render(request, "feeds/feed_list.html", {
        **list_context(query, page, labels={column.name: gettext(str(column.label)) for column in COLUMNS}),
        "may_upload": user_may(user, FEEDS_UPLOAD),
    })


def _rows(user, feeds: list[Feed]) -> list[dict]:
    counts = selectors.feed_counts(user, feeds)
    return [{"feed": feed, "counts": counts[feed.pk],
             "department": gettext(DEPARTMENTS.get(feed.department, feed.department))} for feed in feeds]


def _export(request, matching, query: ListQuery):
    user = request.user
    headers = [gettext("编号"), gettext("文件"), gettext("数据类型"), gettext("部门"), gettext("上传人"),
               gettext("上传时间"), gettext("状态"), gettext("行数"), gettext("证件号一致"), gettext("概率匹配"),
               gettext("待人工核对"), gettext("未匹配"), gettext("线索数"), "SHA-256"]

    def rows():
        feeds = list(matching.order_by("-uploaded_at", "-pk"))
        for start in range(0, len(feeds), 500):
            part = feeds[start:start + 500]
            counts = selectors.feed_counts(user, part)
            for feed in part:
                c = counts[feed.pk]
                yield [feed.pk, feed.original_name, gettext(feed.get_feed_type_display()),
                       gettext(DEPARTMENTS.get(feed.department, feed.department)), str(feed.uploaded_by),
                       timezone.localtime(feed.uploaded_at).strftime("%Y-%m-%d %H:%M"),
                       gettext(feed.get_status_display()), c["rows"], c["count_exact"], c["count_probable"],
                       c["count_review"], c["count_unmatched"], c["findings_count"], feed.checksum]

    return export_response(request, object_type="feed_list", detail={"filters": query.filter_params()},
                           filename="部门比对-feeds", title=gettext("部门比对"), headers=headers, rows=rows())


# --------------------------------------------------------------------------- upload


def feed_layouts() -> list[dict]:
    """Each feed type with its columns, for the upload page: what the file must hold."""
    return [{"code": t.code, "label": t.label_zh, "department": DEPARTMENTS[t.department],
             "columns": [{"name": c.name, "header": c.header_zh, "required": c.required,
                          "choices": [label for _, label in c.choices]} for c in t.all_columns]}
            for t in FEED_TYPES.values()]


@uploaders_allowed
@require_http_methods(["GET", "HEAD", "POST"])
def feed_upload_page(request):
    form = FeedUploadForm(request.POST or None, request.FILES or None,
                          too_large=getattr(request, REFUSED_ATTRIBUTE, False))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                feed = feed_upload(user=request.user, uploaded_file=form.cleaned_data["file"],
                                   feed_type=form.cleaned_data["feed_type"])
            except FeedRefused as refused:
                form.add_error(None, in_page_language(refused))
            else:
                return redirect("feeds:detail", pk=feed.pk)
        status = 400
    return render(request, "feeds/feed_upload.html", {
        "form": form, "layouts": feed_layouts(), "title": gettext("上传部门数据"),
        "submit_label": gettext("上传并检查"), "cancel_url": reverse("feeds:list"),
    }, status=status)


# --------------------------------------------------------------------------- one feed


def issue_shown(issue: dict, *, english: bool) -> dict:
    column = issue.get("column") or ""
    return {"row": issue.get("row") or 0, "file": issue.get("file") or "",
            "column": column if english else (issue.get("column_zh") or column),
            "value": issue.get("value"),
            "reason": issue.get("reason_en") if english else issue.get("reason_zh")}


@persons_allowed
def feed_detail(request, pk):
    feed = _feed_for(request, pk)
    user = request.user
    english = (get_language() or "").startswith("en")
    counts = selectors.feed_counts(user, [feed])[feed.pk]
    rows_url = reverse("feeds:rows", args=[feed.pk])
    job = None
    if feed.status == Feed.Status.APPLYING and feed.job_id:
        from neisheng.platform.jobs import jobs_visible_to

        job = jobs_visible_to(user).filter(pk=feed.job_id).first()
    may_upload = user_may(user, FEEDS_UPLOAD)
    return render(request, "feeds/feed_detail.html", {
        "feed": feed, "counts": counts, "whole": selectors.feed_is_whole_for(user, feed),
        "department": DEPARTMENTS.get(feed.department, feed.department),
        "kinds": [{"code": code, "label": label, "count": counts[f"count_{code}"],
                   "url": f"{rows_url}?match_kind={code}"} for code, label in MATCH_KIND_CHOICES],
        "rules": [{"code": code, "label": label, "count": n, "url": f"/feeds/findings/?feed={feed.pk}&rule={code}"}
                  for code, label, n in selectors.findings_by_rule(user, feed)],
        "issues": [issue_shown(i, english=english) for i in feed.issues[:ISSUES_SHOWN]],
        "issues_not_shown": max(0, feed.issues_total - min(len(feed.issues), ISSUES_SHOWN)),
        "may_apply": may_upload and feed.status in (Feed.Status.PENDING, Feed.Status.FAILED),
        "may_discard": may_upload and feed.status in DISCARDABLE,
        "may_download": may_upload and bool(feed.file),
        "job": job, "error": in_page_language(feed.error) if feed.error else "",
    })


@uploaders_allowed
@require_POST
def feed_apply_view(request, pk):
    """Queue the apply as a job and come back to the feed's page, which shows its progress."""
    feed = _feed_for(request, pk)
    try:
        feed_apply_queue(feed=feed, user=request.user)
    except (FeedRefused, JobError) as refused:
        messages.error(request, in_page_language(refused))
    else:
        messages.info(request, gettext("已开始比对,完成后本页显示结果"))
    return redirect("feeds:detail", pk=feed.pk)


@uploaders_allowed
@require_POST
def feed_discard_view(request, pk):
    feed = _feed_for(request, pk)
    try:
        feed_discard(feed=feed, user=request.user)
    except FeedRefused as refused:
        messages.error(request, in_page_language(refused))
    else:
        messages.info(request, gettext("已放弃该文件"))
    return redirect("feeds:detail", pk=feed.pk)


@uploaders_allowed
def feed_file(request, pk):
    """The original file, byte for byte; it holds full ID numbers, so each download is
    in the audit log."""
    feed = _feed_for(request, pk)
    if not feed.file:
        raise Http404(gettext("文件已不存在"))
    audit_record(user=request.user, action="view_unmasked", division_code=feed.division_code,
                 object_type="feed_file", object_id=str(feed.pk),
                 detail={"file": feed.original_name, "sha256": feed.checksum}, request=request)
    response = FileResponse(feed.file.open("rb"), as_attachment=True, filename=feed.original_name)
    add_never_cache_headers(response)
    return response


# --------------------------------------------------------------------------- its rows

ROW_COLUMNS = [
    Column("row", gettext_lazy("行号"), order_by=("row",), numeric=True, css="primary"),
    Column("name", gettext_lazy("姓名"), order_by=("name",), css="primary"),
    Column("id_number", gettext_lazy("证件号码")),
    Column("match_kind", gettext_lazy("匹配结果"), order_by=("match_kind",), css="primary"),
    Column("probability", gettext_lazy("匹配概率"), order_by=("match_probability",), numeric=True),
    Column("household", gettext_lazy("户编号"), order_by=("household_id",)),
    Column("review", gettext_lazy("核对")),
]


def _row_filters() -> list[Filter]:
    return [
        Filter("match_kind", gettext_lazy("匹配结果"), choices=list(MATCH_KIND_CHOICES)),
        Filter("review_state", gettext_lazy("核对"), choices=[c for c in ReviewState.choices if c[0]]),
    ]


@persons_allowed
@require_http_methods(["GET", "HEAD"])
def feed_rows(request, pk):
    feed = _feed_for(request, pk)
    user = request.user
    query = ListQuery(request.GET, columns=ROW_COLUMNS, filters=_row_filters(),
                      path=reverse("feeds:rows", args=[feed.pk]), search_label=gettext_lazy("姓名"))
    rows = selectors.rows_of_feed(user, feed)
    values = query.values
    if values.get("match_kind"):
        rows = rows.filter(match_kind=values["match_kind"])
    if values.get("review_state"):
        rows = rows.filter(review_state=values["review_state"])
    if query.q:
        rows = rows.filter(Q(name__startswith=query.q))
    counts = counts_cached(user=user, name=f"feed-rows-{feed.pk}", key=query.filter_params(),
                           compute=lambda: [rows.count()])
    page = list_page([rows.select_related("household__village").order_by(*query.order_by(tiebreak=["row"]))],
                     query=query, counts=counts, rows=_feed_row_rows)
    return render(request, "feeds/feed_rows.html", {
        **list_context(query, page, labels={column.name: gettext(str(column.label)) for column in ROW_COLUMNS}),
        "feed": feed,
    })


def _feed_row_rows(rows) -> list[dict]:
    return [{"row": r, "masked_id": mask_id_number(r.id_number) if r.id_number else ""} for r in rows]

