"""The clerical-review queue (feeds.md "Matching"): the rows waiting in the user's scope,
and one row beside each of its candidates — name, sex, birth date, the ID number masked
(revealed only through the registry's audited reveal), village and household — with each
comparison's level in words, its weight and the pair's probability; accept a candidate
or reject the pair with a note (feeds.review)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext, gettext_lazy
from django.views.decorators.http import require_http_methods

from neisheng.accounts.access import FEEDS_REVIEW, PERSONS_READ
from neisheng.engine import linkage
from neisheng.engine.feeds import DEPARTMENTS, FEED_TYPES
from neisheng.feeds import finding_selectors as selectors
from neisheng.feeds.finding_forms import ReviewDecisionForm
from neisheng.feeds.models import FeedRow
from neisheng.feeds.review import feed_row_accept, feed_row_reject
from neisheng.feeds.selectors import feeds_visible_to
from neisheng.platform import scope
from neisheng.platform.access import requires
from neisheng.platform.listing import (
    Column,
    Filter,
    ListQuery,
    counts_cached,
    list_context,
    list_page,
)
from neisheng.platform.workflow import TransitionRefused
from neisheng.registry.models import Division, Person
from neisheng.registry.selectors.tree import division_filter_choices


def in_page_language(sentence) -> str:
    """A refusal reads "中文 / English": the half in the page's language."""
    text = str(sentence)
    if " / " in text:
        chinese, english = text.split(" / ", 1)
        text = english if (get_language() or "").startswith("en") else chinese
    return text.strip()


def department_choices() -> list[tuple[str, str]]:
    return list(DEPARTMENTS.items())


def feed_choices(user, queryset) -> list[tuple[str, str]]:
    """The feeds that have rows in `queryset`, newest first (their file names are data)."""
    feeds = (feeds_visible_to(user).filter(pk__in=queryset.values("feed_id"))
             .order_by("-uploaded_at", "-pk")[:200])
    return [(str(f.pk), f"{f.original_name} #{f.pk}") for f in feeds]


# --------------------------------------------------------------------------- the queue

COLUMNS = [
    Column("name", gettext_lazy("姓名"), css="primary"),
    Column("feed", gettext_lazy("数据"), order_by=("feed_id", "row")),
    Column("row", gettext_lazy("行号"), numeric=True),
    Column("household", gettext_lazy("候选户编号")),
    Column("village", gettext_lazy("候选人员所在村")),
    Column("probability", gettext_lazy("匹配概率"), order_by=("-match_probability",), numeric=True, css="primary"),
]


def _queue_filters(user, params) -> list[Filter]:
    divisions = division_filter_choices(user, (params.get("division") or "").strip())
    return [
        Filter("feed", gettext_lazy("数据"), choices=feed_choices(user, selectors.review_waiting(user)),
               translate=False),
        Filter("department", gettext_lazy("部门"), choices=department_choices()),
        Filter("division", gettext_lazy("区划"), choices=[(d.code, d.name) for d in divisions], translate=False,
               indent=frozenset(d.code for d in divisions if d.level == 5)),
    ]


def _queue_matching(user, query: ListQuery):
    rows = selectors.review_waiting(user)
    values = query.values
    if values.get("feed"):
        rows = rows.filter(feed_id=values["feed"])
    if values.get("department"):
        rows = rows.filter(feed__department=values["department"])
    if values.get("division"):
        rows = selectors.under_division(rows, values["division"])
    if query.q:
        rows = rows.filter(Q(name__contains=query.q) | Q(household__household_id__contains=query.q))
    return rows


@requires(PERSONS_READ, FEEDS_REVIEW)
def review_queue(request):
    user = request.user
    query = ListQuery(request.GET, columns=COLUMNS, filters=_queue_filters(user, request.GET),
                      path=reverse("feeds:review_queue"), search_label=gettext_lazy("姓名或户编号"))
    rows = _queue_matching(user, query).select_related("feed", "household__village")
    counts = counts_cached(user=user, name="feed-review",
                           key={**query.filter_params(), "day": str(timezone.localdate())},
                           compute=lambda: [rows.count()])
    page = list_page([rows.order_by(*query.order_by(tiebreak=["feed_id", "row", "pk"]))], query=query,
                     counts=counts, rows=lambda items: items)
    return render(request, "feeds/review_queue.html", list_context(
        query, page, labels={column.name: gettext(str(column.label)) for column in COLUMNS}))


# --------------------------------------------------------------------------- one row


def level_words(level) -> str:
    """A comparison level's code in words (engine.linkage.LEVEL_LABELS, Chinese msgids)."""
    if level is None or level == "":
        return gettext("无")
    label = linkage.LEVEL_LABELS.get(str(level))
    return gettext(label) if label else str(level)


def candidate_views(row: FeedRow, user) -> list[dict]:
    """Each candidate with its registry person (None when the person is gone or outside
    the user's scope: shown as such, never named)."""
    ids = [c.get("person_id") for c in (row.candidates or [])]
    persons = {p.person_id: p for p in scope.visible_to(user, Person.objects.select_related("household__village"))
               .filter(pk__in=[i for i in ids if i])}
    shown = []
    for number, candidate in enumerate(row.candidates or [], start=1):
        person = persons.get(candidate.get("person_id"))
        comparisons = [{"name": c, "label": linkage.COMPARISON_LABELS[c],
                        "level": level_words(candidate.get(f"level_{c}")),
                        "weight": candidate.get(f"w_{c}")} for c in linkage.COMPARISONS]
        shown.append({"rank": number, "person": person, "probability": candidate.get("match_probability"),
                      "weight": candidate.get("match_weight"), "comparisons": comparisons,
                      "chosen": row.person_id is not None and row.person_id == candidate.get("person_id")
                      and row.review_state == "accepted"})
    return shown


def feed_values(row: FeedRow) -> list[dict]:
    """The type's own columns of a row, with their Chinese headers."""
    feed_type = FEED_TYPES.get(row.feed.feed_type)
    if feed_type is None:
        return []
    return [{"label": c.header_zh, "value": (row.values or {}).get(c.name, "")} for c in feed_type.columns]


@requires(PERSONS_READ, FEEDS_REVIEW)
@require_http_methods(["GET", "HEAD", "POST"])
def review_row(request, pk):
    user = request.user
    row = get_object_or_404(selectors.review_rows_visible_to(user).select_related("feed", "reviewed_by"), pk=pk)
    candidates = candidate_views(row, user)
    form = ReviewDecisionForm(request.POST or None, candidates=len(candidates))
    message, status = "", 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["decision"] == "accept":
                    rank = data["candidate"] or 1
                    if not 1 <= rank <= len(row.candidates or []):
                        raise TransitionRefused("所选候选人员不存在 / no such candidate")
                    chosen = row.candidates[rank - 1].get("person_id")
                    feed_row_accept(row=row, user=user, person=chosen, note=data["note"])
                    messages.success(request, gettext("已确认为同一人"))
                else:
                    feed_row_reject(row=row, user=user, note=data["note"])
                    messages.success(request, gettext("已否定该疑似匹配"))
            except TransitionRefused as refusal:
                message, status = in_page_language(refusal), 400
            else:
                following = selectors.review_waiting(user).exclude(pk=row.pk).order_by("feed_id", "row").first()
                if following is not None:
                    return redirect("feeds:review_row", pk=following.pk)
                return redirect("feeds:review_queue")
        else:
            status = 400
    village = Division.objects.filter(pk=row.division_code).first()
    return render(request, "feeds/review_row.html", {
        "row": row, "feed": row.feed, "candidates": candidates, "values": feed_values(row), "form": form,
        "review_message": message, "waiting": row.review_state == "pending", "division": village,
        "department": DEPARTMENTS.get(row.feed.department, row.feed.department),
    }, status=status)
