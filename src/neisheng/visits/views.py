"""The visit pages (grid.md, 走访): the list of visits (filters, Excel), one visit with
its photos, place and what became of its updates (a conflict side by side, and for an
editor the button that applies the visit's values anyway), the visit form (phone first,
the API's field names, works without JavaScript; visits/_offline.html makes it work
offline), and the cadre's week.

Every read goes through scope (visits.selectors.visits_visible_to, platform.scope): a
visit or household elsewhere is a 404, exactly like one that does not exist."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.dateparse import parse_date
from django.utils.translation import get_language, gettext, gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from neisheng.accounts.access import PERSONS_READ, REGISTRY_EDIT, VISITS_RECORD, user_may
from neisheng.grid.models import Cadre
from neisheng.grid.selectors import cadre_of_user
from neisheng.platform import scope
from neisheng.platform.access import requires
from neisheng.platform.exports import export_response
from neisheng.platform.listing import (
    Column,
    Filter,
    ListQuery,
    counts_cached,
    list_context,
    list_page,
)
from neisheng.registry.models import Division, Household
from neisheng.registry.selectors.tree import division_filter_choices
from neisheng.registry.versions import record_version
from neisheng.transfers.uploads import REFUSED_ATTRIBUTE, too_large_message
from neisheng.visits import selectors, services
from neisheng.visits.forms import VisitForm, _shown
from neisheng.visits.models import Kind, Photo, UpdateStatus, Visit

readers = requires(PERSONS_READ)
recorders = requires(PERSONS_READ, VISITS_RECORD)
editors = requires(PERSONS_READ, REGISTRY_EDIT)


def in_page_language(sentence: str) -> str:
    """A stored "中文 / English" sentence: the half in the page's language."""
    text = str(sentence or "")
    if " / " in text:
        chinese, english = text.split(" / ", 1)
        text = english if (get_language() or "").startswith("en") else chinese
    return text.strip()


def _visit_for(request, pk) -> Visit:
    return get_object_or_404(selectors.visits_visible_to(request.user)
                             .select_related("household", "household__village", "recorded_by", "case"), pk=pk)


# --------------------------------------------------------------------------- the form


@recorders
@require_http_methods(["GET", "HEAD", "POST"])
def visit_new(request):
    """/visits/new/?household=<id>: the visit form. The household's version read now goes
    with the form (base_version), so updates made by others meanwhile are not overwritten."""
    user = request.user
    household_id = (request.GET.get("household") or request.POST.get("household") or "").strip()
    household = get_object_or_404(scope.visible_to(user, Household.objects.select_related("village")),
                                  pk=household_id)
    if request.method == "POST":
        form = VisitForm(request.POST, request.FILES, household=household)
        if getattr(request, REFUSED_ATTRIBUTE, False):
            form.add_error("photos", too_large_message())
        if form.is_valid():
            try:
                visit, created = services.visit_record(user=user, household=household, request=request,
                                                       **form.service_arguments())
            except ValidationError as refused:
                for name, errors in refused.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                if created:
                    messages.success(request, gettext("已登记走访"))
                else:
                    messages.info(request, gettext("这次走访已经登记过,没有重复登记"))
                return redirect("visits:detail", pk=visit.pk)
        status = 400
    else:
        form = VisitForm(household=household, initial={"household": household.pk,
                                                        "base_version": record_version(household)})
        status = 200
    head = selectors.heads_of([household.pk]).get(household.pk, "")
    pair_cadre = household.cadre_pairs.filter(ended_on__isnull=True).select_related("cadre").first()
    return render(request, "visits/visit_form.html", {
        "form": form, "household": household, "head": head,
        "pair_cadre": pair_cadre.cadre if pair_cadre else None,
        "title": gettext("登记走访"), "subject": household.household_id,
        "back_url": reverse("registry:household_detail", args=[household.pk]), "back_label": gettext("返回农户"),
        "cancel_url": reverse("registry:household_detail", args=[household.pk]),
        "submit_label": gettext("保存走访"),
    }, status=status)


# --------------------------------------------------------------------------- one visit


def _updates_shown(visit: Visit) -> list[dict]:
    """Each field the visit asked to change: what the visit said beside what the record
    says now (a conflict is read side by side)."""
    household = visit.household
    rows = []
    for name, value in (visit.updates or {}).items():
        if name not in services.UPDATABLE_FIELDS:
            continue
        field = Household._meta.get_field(name)
        said = value
        if name in services.BOOLEAN_FIELDS:
            said = str(value).strip().lower() in services.TRUE_WORDS if not isinstance(value, bool) else value
        elif name == "willingness":
            try:
                said = int(value)
            except (TypeError, ValueError):
                said = value
        probe = Household(**{field.attname: said})
        rows.append({"name": name, "label": field.verbose_name, "visit": _shown(probe, name),
                     "now": _shown(household, name), "same": getattr(household, field.attname) == said})
    return rows


@readers
def visit_detail(request, pk):
    visit = _visit_for(request, pk)
    user = request.user
    pending = visit.update_status in (UpdateStatus.CONFLICT, UpdateStatus.PROPOSED) and bool(visit.updates)
    return render(request, "visits/visit_detail.html", {
        "visit": visit, "household": visit.household,
        "cadres": list(visit.cadres.all()),
        "photos": list(visit.photos.all()),
        "problems": list(visit.problems.all()),
        "updates": _updates_shown(visit),
        "update_message": in_page_language(visit.update_message),
        "risk_messages": [in_page_language(line) for line in visit.risk_message.splitlines() if line.strip()],
        "may_apply": pending and user_may(user, REGISTRY_EDIT),
        "pending": pending,
        "may_record": user_may(user, VISITS_RECORD),
    })


@readers
def visit_photo(request, pk, photo_id):
    """A visit's photo, within scope (it shows a family's home)."""
    visit = _visit_for(request, pk)
    photo = get_object_or_404(Photo, pk=photo_id, visit=visit)
    if not photo.file:
        raise Http404
    response = FileResponse(photo.file.open("rb"))
    add_never_cache_headers(response)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@editors
@require_POST
def visit_apply(request, pk):
    """An editor applies a conflicting or proposed visit's values to the household now."""
    visit = _visit_for(request, pk)
    try:
        visit = services.visit_updates_apply(user=request.user, visit=visit, request=request)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        if visit.update_status == UpdateStatus.APPLIED:
            messages.success(request, gettext("已按走访内容更新台账"))
        else:
            messages.error(request, gettext("台账未更新:%(why)s") % {"why": in_page_language(visit.update_message)})
    return redirect("visits:detail", pk=visit.pk)


# --------------------------------------------------------------------------- the list

COLUMNS = [
    Column("visited_on", gettext_lazy("走访日期"), order_by=("visited_on",), css="primary"),
    Column("household", gettext_lazy("户编号"), order_by=("household_id",), css="primary"),
    Column("village", gettext_lazy("村")),
    Column("kind", gettext_lazy("走访类型")),
    Column("cadres", gettext_lazy("走访干部")),
    Column("update_status", gettext_lazy("台账修改")),
]
YES_ONLY = [("yes", gettext_lazy("是"))]


def _cadre_choices(user) -> list[tuple[str, str]]:
    cadres = scope.visible_to(user, Cadre.objects.filter(active=True)).order_by("name", "cadre_id")[:500]
    return [(c.cadre_id, f"{c.name}({c.cadre_id})") for c in cadres]


def _filters(user, params) -> list[Filter]:
    divisions = division_filter_choices(user, (params.get("division") or "").strip())
    return [
        Filter("division", gettext_lazy("区划"), choices=[(d.code, d.name) for d in divisions], translate=False,
               indent=frozenset(d.code for d in divisions if d.level == 5)),
        Filter("kind", gettext_lazy("走访类型"), choices=list(Kind.choices)),
        Filter("cadre", gettext_lazy("走访干部"), choices=_cadre_choices(user), translate=False),
        Filter("conflicts", gettext_lazy("有冲突"), choices=YES_ONLY),
    ]


def _dates(params) -> dict[str, str]:
    """The date range (?from=, ?to=), kept when they are dates."""
    chosen = {}
    for name in ("from", "to"):
        value = (params.get(name) or "").strip()
        if value and parse_date(value) is not None:
            chosen[name] = value
    return chosen


def _matching(user, query: ListQuery, dates: dict):
    rows = selectors.visits_visible_to(user)
    values = query.values
    if values.get("division"):
        from neisheng.grid.selectors import code_bounds

        low, high = code_bounds(values["division"])
        rows = rows.filter(division_code__gte=low, division_code__lte=high)
    if values.get("kind"):
        rows = rows.filter(kind=values["kind"])
    if values.get("cadre"):
        rows = rows.filter(cadres__cadre_id=values["cadre"])
    if values.get("conflicts"):
        rows = rows.filter(update_status=UpdateStatus.CONFLICT)
    if dates.get("from"):
        rows = rows.filter(visited_on__gte=dates["from"])
    if dates.get("to"):
        rows = rows.filter(visited_on__lte=dates["to"])
    if query.q:
        rows = rows.filter(household__household_id__contains=query.q)
    return rows


@readers
@require_http_methods(["GET", "HEAD", "POST"])
def visit_list(request):
    """Every visit in the user's scope, newest first; a POST exports the matching ones."""
    user = request.user
    dates = _dates(request.GET)
    query = ListQuery(request.GET, columns=COLUMNS, filters=_filters(user, request.GET), extra=dates,
                      path=reverse("visits:list"), search_label=gettext_lazy("户编号"))
    matching = _matching(user, query, dates)
    if request.method == "POST":
        return _export(request, matching, query)
    counts = counts_cached(user=user, name="visits", key=query.filter_params(), compute=lambda: [matching.count()])
    rows = matching.select_related("household__village").prefetch_related("cadres")
    page = list_page([rows.order_by(*query.order_by(tiebreak=["-visited_on", "-pk"]))], query=query,
                     counts=counts)
    return render(request, "visits/visit_list.html", list_context(
        query, page, labels={column.name: gettext(str(column.label)) for column in COLUMNS}, dates=dates,
        may_record=user_may(user, VISITS_RECORD)))


def _export(request, matching, query: ListQuery):
    headers = [gettext("走访日期"), gettext("户编号"), gettext("村"), gettext("走访类型"), gettext("走访干部"),
               gettext("走访情况"), gettext("台账修改"), gettext("照片数"), gettext("离线登记"), gettext("纬度"),
               gettext("经度")]

    def rows():
        for v in (matching.select_related("household__village").prefetch_related("cadres", "photos")
                  .order_by("-visited_on", "-pk").iterator(2000)):
            yield [v.visited_on, v.household_id, v.household.village.name, gettext(v.get_kind_display()),
                   "、".join(c.name for c in v.cadres.all()), v.findings, gettext(v.get_update_status_display()),
                   len(v.photos.all()), gettext("是") if v.recorded_offline else "",
                   "" if v.latitude is None else str(v.latitude), "" if v.longitude is None else str(v.longitude)]

    return export_response(request, object_type="visit_list", detail={"filters": query.filter_params()},
                           filename="走访记录-visits", title=gettext("走访记录"), headers=headers, rows=rows())


# --------------------------------------------------------------------------- the week


@readers
def week(request):
    """The cadre's week: households due within seven days or overdue, nearest deadline
    first. A cadre sees their own; an officer chooses a cadre or a village."""
    user = request.user
    today = timezone.localdate()
    own = cadre_of_user(user)
    cadre_id = (request.GET.get("cadre") or "").strip()
    village_code = (request.GET.get("village") or "").strip()
    cadre = None
    if cadre_id:
        cadre = scope.visible_to(user, Cadre.objects.all()).filter(cadre_id=cadre_id).first()
        if cadre is None:
            raise Http404
    village = None
    if village_code:
        village = scope.visible_to(user, Division.objects.filter(level=5)).filter(code=village_code).first()
        if village is None:
            raise Http404
    chosen = cadre or own
    if village is not None or chosen is not None:
        rows = selectors.week_for(user=user, cadre=chosen if village is None else cadre, today=today,
                                  village_code=village.code if village else None)
    else:
        rows = []
    heads = selectors.heads_of([r.household.pk for r in rows])
    villages = scope.visible_to(user, Division.objects.filter(level=5)).order_by("code")
    return render(request, "visits/week.html", {
        "rows": [{"row": r, "head": heads.get(r.household.pk, "")} for r in rows],
        "today": today, "week_end": today + dt.timedelta(days=selectors.WEEK_DAYS - 1),
        "cadre": chosen if village is None else cadre, "village": village, "own": own,
        "overdue": sum(1 for r in rows if r.overdue),
        "chosen": village is not None or chosen is not None,
        "cadres": _cadre_choices(user) if own is None or cadre_id or village_code else [],
        "villages": [(v.code, v.name) for v in villages[:500]] if own is None or cadre_id or village_code else [],
        "cadre_id": cadre_id, "village_code": village_code,
        "may_record": user_may(user, VISITS_RECORD),
    })
