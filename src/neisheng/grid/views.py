"""The grid's pages (issue 11, item 1): cadres (list, page, form, photo, leaving), 包户
pairs (list, pair / change / end from the household), villages with their leader and
village cadres (包村, 包片), and the workbook import (upload → preview → apply).

Every read goes through platform.scope (a record elsewhere is a 404, as if it did not
exist); every write through grid.services, whose refusal is shown in the page's language.
A cadre's phone is shown in full to whoever may read households: it is printed on the
village's public board (公示牌) anyway."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext, gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from neisheng.accounts.access import GRID_EDIT, PERSONS_READ, user_may
from neisheng.grid import imports, services
from neisheng.grid.errors import GridRefused
from neisheng.grid.forms import (
    AreaPairForm,
    CadreForm,
    DeactivateForm,
    EndForm,
    HouseholdPairForm,
    ImportForm,
    LeaderPairForm,
    PhotoForm,
)
from neisheng.grid.models import AreaPair, Cadre, CadreKind, CadrePair, LeaderPair, PairSource
from neisheng.grid.selectors import code_bounds, county_of
from neisheng.platform import scope
from neisheng.platform.access import requires
from neisheng.platform.exports import XLSX, export_response
from neisheng.platform.listing import (
    Column,
    Filter,
    ListQuery,
    counts_cached,
    list_context,
    list_page,
)
from neisheng.registry.models import Division, Household, Person
from neisheng.registry.selectors.tree import division_filter_choices
from neisheng.transfers.uploads import REFUSED_ATTRIBUTE, too_large_message

readers = requires(PERSONS_READ)
editors = requires(PERSONS_READ, GRID_EDIT)
YES_NO = [("yes", gettext_lazy("是")), ("no", gettext_lazy("否"))]
ACTIVE_ENDED = [("active", gettext_lazy("在结对")), ("ended", gettext_lazy("已解除"))]


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _refusal_text(error: GridRefused) -> str:
    return error.localized(get_language())


def _cadres(user):
    return scope.visible_to(user, Cadre.objects.all())


def _cadre_for(request, pk) -> Cadre:
    return get_object_or_404(_cadres(request.user), pk=pk)


def _under(rows, field: str, code: str):
    bounds = code_bounds(code)
    return rows.filter(**{f"{field}__gte": bounds[0], f"{field}__lte": bounds[1]}) if bounds else rows


def _division_filter(user, params) -> Filter:
    divisions = division_filter_choices(user, (params.get("division") or "").strip())
    return Filter("division", gettext_lazy("区划"), choices=[(d.code, d.name) for d in divisions], translate=False,
                  indent=frozenset(d.code for d in divisions if d.level == 5))


def _names_of(codes) -> dict[str, str]:
    return dict(Division.objects.filter(code__in=set(codes)).values_list("code", "name"))


def heads_of(household_ids) -> dict[str, str]:
    """The household head's name, per household (the public board shows only this)."""
    heads: dict[str, str] = {}
    for household_id, name in (Person.objects.filter(household_id__in=list(household_ids), relation="head")
                               .order_by("-alive", "person_id").values_list("household_id", "name")):
        heads.setdefault(household_id, name)
    return heads


def _form_page(request, form, *, title, subject="", back_url="", cancel_url="", submit_label=None, status=200,
               template="patterns/form.html", **more):
    context = {"form": form, "title": title, "subject": subject, "back_url": back_url,
               "cancel_url": cancel_url or back_url, **more}
    if submit_label:
        context["submit_label"] = submit_label
    if request.method == "POST" and form.errors:
        status = 400
    return render(request, template, context, status=status)


# --------------------------------------------------------------------------- cadres

CADRE_COLUMNS = [
    Column("cadre_id", gettext_lazy("干部编号"), order_by=("cadre_id",)),
    Column("name", gettext_lazy("姓名"), order_by=("name", "cadre_id"), css="primary"),
    Column("kind", gettext_lazy("类别"), order_by=("kind",), css="primary"),
    Column("division", gettext_lazy("服务区划"), order_by=("division_code",)),
    Column("unit", gettext_lazy("工作单位")),
    Column("phone", gettext_lazy("联系电话")),
    Column("load", gettext_lazy("包户数"), numeric=True),
    Column("active", gettext_lazy("在岗")),
]


def _cadre_matching(user, query: ListQuery):
    rows = _cadres(user)
    values = query.values
    if values.get("division"):
        rows = _under(rows, "division_code", values["division"])
    if values.get("kind"):
        rows = rows.filter(kind=values["kind"])
    if values.get("active"):
        rows = rows.filter(active=values["active"] == "yes")
    if query.q:
        rows = rows.filter(Q(name__startswith=query.q) | Q(phone__contains=query.q) | Q(cadre_id=query.q))
    return rows


def _with_load(rows):
    return rows.annotate(load=Count("household_pairs", filter=Q(household_pairs__ended_on__isnull=True)))


@readers
@require_http_methods(["GET", "HEAD", "POST"])
def cadre_list(request):
    """Every cadre the user's scope covers; a POST exports every matching one."""
    user = request.user
    query = ListQuery(request.GET, columns=CADRE_COLUMNS, path=reverse("grid:cadre_list"),
                      filters=[_division_filter(user, request.GET),
                               Filter("kind", gettext_lazy("类别"), choices=list(CadreKind.choices)),
                               Filter("active", gettext_lazy("在岗"), choices=YES_NO)],
                      search_label=gettext_lazy("姓名或电话"))
    matching = _cadre_matching(user, query)
    if request.method == "POST":
        return _cadre_export(request, matching, query)
    counts = counts_cached(user=user, name="grid-cadres", key=query.filter_params(), compute=lambda: [matching.count()])
    page = list_page([_with_load(matching).order_by(*query.order_by(tiebreak=["division_code", "name", "pk"]))],
                     query=query, counts=counts, rows=_cadre_rows)
    return render(request, "grid/cadre_list.html", list_context(
        query, page, labels={c.name: gettext(str(c.label)) for c in CADRE_COLUMNS},
        may_edit=user_may(user, GRID_EDIT)))


def _cadre_rows(cadres: list[Cadre]) -> list[dict]:
    names = _names_of(c.division_code for c in cadres)
    return [{"cadre": c, "division": names.get(c.division_code, c.division_code)} for c in cadres]


def _cadre_export(request, matching, query):
    headers = [gettext("干部编号"), gettext("姓名"), gettext("类别"), gettext("工作单位"), gettext("职务"),
               gettext("服务区划"), gettext("区划名称"), gettext("联系电话"), gettext("包户上限"), gettext("包户数"),
               gettext("在岗")]

    def rows():
        names: dict[str, str] = {}
        for c in _with_load(matching).order_by("division_code", "cadre_id").iterator(2000):
            if c.division_code not in names:
                names.update(_names_of([c.division_code]))
            yield [c.cadre_id, c.name, gettext(c.get_kind_display()), c.unit, c.post, c.division_code,
                   names.get(c.division_code, ""), c.phone, "" if c.capacity is None else c.capacity, c.load,
                   gettext("是") if c.active else gettext("否")]

    return export_response(request, object_type="cadre_list", detail={"filters": query.filter_params()},
                           filename="帮扶干部-cadres", title=gettext("帮扶干部"), headers=headers, rows=rows())


@readers
def cadre_detail(request, pk: int):
    user = request.user
    cadre = _cadre_for(request, pk)
    pairs = list(scope.visible_to(user, cadre.household_pairs.select_related("household__village", "started_by",
                                                                              "ended_by")))
    heads = heads_of(p.household_id for p in pairs)
    rows = [{"pair": p, "head": heads.get(p.household_id, "")} for p in pairs]
    leads = list(scope.visible_to(user, cadre.village_pairs.select_related("village")))
    areas = list(scope.visible_to(user, cadre.area_pairs.select_related("village")))
    active = [r for r in rows if r["pair"].is_active]
    return render(request, "grid/cadre_detail.html", {
        "cadre": cadre, "division": _names_of([cadre.division_code]).get(cadre.division_code, ""),
        "active_pairs": active, "past_pairs": [r for r in rows if not r["pair"].is_active],
        "capacity": services.cadre_capacity(cadre), "leads": leads, "areas": areas,
        "may_edit": user_may(user, GRID_EDIT),
    })


@editors
@require_http_methods(["GET", "HEAD", "POST"])
def cadre_new(request):
    form = CadreForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            cadre = services.cadre_create(user=request.user, values=form.cleaned_data)
        except GridRefused as error:
            form.add_error(None, _refusal_text(error))
        else:
            messages.success(request, gettext("已新增干部"))
            return redirect("grid:cadre_detail", pk=cadre.pk)
    return _form_page(request, form, title=gettext("新增干部"), back_url=reverse("grid:cadre_list"),
                      back_label=gettext("返回干部名册"))


@editors
@require_http_methods(["GET", "HEAD", "POST"])
def cadre_edit(request, pk: int):
    cadre = _cadre_for(request, pk)
    initial = {k: getattr(cadre, k) for k in services.CADRE_FIELDS}
    form = CadreForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.cadre_update(user=request.user, cadre=cadre, values=form.cleaned_data)
        except GridRefused as error:
            form.add_error(None, _refusal_text(error))
        else:
            messages.success(request, gettext("已保存"))
            return redirect("grid:cadre_detail", pk=cadre.pk)
    back = reverse("grid:cadre_detail", args=[cadre.pk])
    return _form_page(request, form, title=gettext("修改干部信息"), subject=cadre.name, back_url=back,
                      back_label=gettext("返回干部"))


@editors
@require_http_methods(["GET", "HEAD", "POST"])
def cadre_photo_edit(request, pk: int):
    cadre = _cadre_for(request, pk)
    form = PhotoForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if getattr(request, REFUSED_ATTRIBUTE, False):
            form = PhotoForm(request.POST)
            form.is_valid()
            form.add_error("photo", too_large_message())
        elif form.is_valid():
            try:
                services.cadre_photo_set(user=request.user, cadre=cadre, photo=form.cleaned_data["photo"])
            except GridRefused as error:
                form.add_error("photo", _refusal_text(error))
            else:
                messages.success(request, gettext("照片已更新"))
                return redirect("grid:cadre_detail", pk=cadre.pk)
    back = reverse("grid:cadre_detail", args=[cadre.pk])
    return _form_page(request, form, title=gettext("上传照片"), subject=cadre.name, back_url=back,
                      back_label=gettext("返回干部"), submit_label=gettext("上传"))


@readers
def cadre_photo(request, pk: int):
    """The photo, to whoever may see the cadre (never a public media address)."""
    cadre = _cadre_for(request, pk)
    if not cadre.photo:
        raise Http404(gettext("没有照片"))
    try:
        handle = cadre.photo.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404(gettext("没有照片")) from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@editors
@require_http_methods(["GET", "HEAD", "POST"])
def cadre_deactivate(request, pk: int):
    cadre = _cadre_for(request, pk)
    form = DeactivateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cadre_deactivate(user=request.user, cadre=cadre, on=form.cleaned_data["on"],
                                      reason=form.cleaned_data["reason"])
        except GridRefused as error:
            form.add_error(None, _refusal_text(error))
        else:
            messages.success(request, gettext("已登记离岗，其结对均已解除"))
            return redirect("grid:cadre_detail", pk=cadre.pk)
    back = reverse("grid:cadre_detail", args=[cadre.pk])
    return _form_page(request, form, title=gettext("登记离岗"), subject=cadre.name, back_url=back,
                      back_label=gettext("返回干部"), submit_label=gettext("登记离岗"),
                      template="grid/cadre_deactivate.html",
                      pairs=cadre.household_pairs.filter(ended_on__isnull=True).count()
                      + cadre.village_pairs.filter(ended_on__isnull=True).count()
                      + cadre.area_pairs.filter(ended_on__isnull=True).count())


# --------------------------------------------------------------------------- 包户 pairs

PAIR_COLUMNS = [
    Column("household", gettext_lazy("户编号"), order_by=("household_id",), css="primary"),
    Column("village", gettext_lazy("村")),
    Column("cadre", gettext_lazy("帮扶责任人"), order_by=("cadre__name", "cadre_id"), css="primary"),
    Column("started_on", gettext_lazy("结对日期"), order_by=("started_on",)),
    Column("ended_on", gettext_lazy("解除日期"), order_by=("ended_on",)),
    Column("source", gettext_lazy("来源")),
    Column("end_reason", gettext_lazy("解除原因")),
]


def _pair_matching(user, query: ListQuery):
    rows = scope.visible_to(user, CadrePair.objects.all())
    values = query.values
    if values.get("state") == "active":
        rows = rows.filter(ended_on__isnull=True)
    elif values.get("state") == "ended":
        rows = rows.filter(ended_on__isnull=False)
    if values.get("source"):
        rows = rows.filter(source=values["source"])
    if values.get("division"):
        rows = _under(rows, "division_code", values["division"])
    if query.q:
        rows = rows.filter(Q(household__household_id__contains=query.q) | Q(cadre__name__startswith=query.q)
                           | Q(cadre__cadre_id=query.q))
    return rows


@readers
@require_http_methods(["GET", "HEAD", "POST"])
def pair_list(request):
    """包户 pairs with their history (ended ones too); a POST exports every matching one."""
    user = request.user
    query = ListQuery(request.GET, columns=PAIR_COLUMNS, path=reverse("grid:pair_list"),
                      filters=[Filter("state", gettext_lazy("状态"), choices=ACTIVE_ENDED),
                               Filter("source", gettext_lazy("来源"), choices=list(PairSource.choices)),
                               _division_filter(user, request.GET)],
                      search_label=gettext_lazy("户编号或干部姓名"))
    matching = _pair_matching(user, query)
    if request.method == "POST":
        return _pair_export(request, matching, query)
    counts = counts_cached(user=user, name="grid-pairs", key=query.filter_params(), compute=lambda: [matching.count()])
    rows = matching.select_related("cadre", "household__village")
    page = list_page([rows.order_by(*query.order_by(tiebreak=["-started_on", "-pk"]))], query=query, counts=counts)
    return render(request, "grid/pair_list.html", list_context(
        query, page, labels={c.name: gettext(str(c.label)) for c in PAIR_COLUMNS}))


def _pair_export(request, matching, query):
    headers = [gettext("户编号"), gettext("村"), gettext("干部编号"), gettext("帮扶责任人"), gettext("联系电话"),
               gettext("结对日期"), gettext("解除日期"), gettext("来源"), gettext("解除原因")]

    def rows():
        for p in matching.select_related("cadre", "household__village").order_by("household_id", "pk").iterator(2000):
            yield [p.household_id, p.household.village.name, p.cadre.cadre_id, p.cadre.name, p.cadre.phone,
                   p.started_on, p.ended_on, gettext(p.get_source_display()), p.end_reason]

    return export_response(request, object_type="cadre_pair_list", detail={"filters": query.filter_params()},
                           filename="包户结对-pairs", title=gettext("包户结对"), headers=headers, rows=rows())


def _assistance_cadres(user, village_code: str):
    """Active assistance cadres of the household's county the user may see, those serving
    its village first, then its town, then the county (grid.md's distance)."""
    county = county_of(village_code)
    rows = _under(_cadres(user).filter(active=True, kind=CadreKind.ASSISTANCE), "division_code", county)
    return rows.order_by("division_code", "name", "cadre_id")


@editors
@require_http_methods(["GET", "HEAD", "POST"])
def household_pair(request, household_id: str):
    """Pair a household with a cadre, or change its cadre (the old pair ends with a reason)."""
    user = request.user
    household = get_object_or_404(scope.visible_to(user, Household.objects.select_related("village")),
                                  pk=household_id)
    current = CadrePair.objects.filter(household=household, ended_on__isnull=True).select_related("cadre").first()
    cadres = _assistance_cadres(user, household.village_id)
    if current is not None:
        cadres = cadres.exclude(pk=current.cadre_id)
    form = HouseholdPairForm(request.POST or None, cadres=cadres, changing=current is not None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if current is None:
                services.cadre_pair_start(user=user, cadre=data["cadre"], household=household, started_on=data["on"])
            else:
                services.cadre_pair_change(user=user, household=household, cadre=data["cadre"], on=data["on"],
                                           reason=data["reason"])
        except GridRefused as error:
            form.add_error(None, _refusal_text(error))
        else:
            messages.success(request, gettext("已保存帮扶责任人"))
            return redirect("registry:household_detail", household_id=household.pk)
    back = reverse("registry:household_detail", args=[household.pk])
    return _form_page(request, form, title=gettext("更换帮扶责任人") if current else gettext("结对帮扶责任人"),
                      subject=household.pk, back_url=back, back_label=gettext("返回农户"),
                      template="grid/household_pair.html", current=current)


def _end_page(request, *, pair, end, title: str, back_url: str, subject: str):
    form = EndForm(request.POST or None)
    if pair.ended_on is None and request.method == "POST" and form.is_valid():
        try:
            end(user=request.user, pair=pair, ended_on=form.cleaned_data["on"], reason=form.cleaned_data["reason"])
        except GridRefused as error:
            form.add_error(None, _refusal_text(error))
        else:
            messages.success(request, gettext("已解除结对"))
            return redirect(back_url)
    return _form_page(request, form, title=title, subject=subject, back_url=back_url, submit_label=gettext("解除结对"),
                      template="grid/pair_end.html", pair=pair)


@editors
@require_http_methods(["GET", "HEAD", "POST"])
def pair_end(request, pk: int):
    pair = get_object_or_404(scope.visible_to(request.user, CadrePair.objects.select_related("cadre")), pk=pk)
    return _end_page(request, pair=pair, end=services.cadre_pair_end, title=gettext("解除包户结对"),
                     back_url=reverse("registry:household_detail", args=[pair.household_id]),
                     subject=pair.household_id)


# --------------------------------------------------------------------------- villages: 包村 and 包片

VILLAGE_COLUMNS = [
    Column("code", gettext_lazy("村代码"), order_by=("code",)),
    Column("name", gettext_lazy("村"), order_by=("name", "code"), css="primary"),
    Column("leader", gettext_lazy("包村领导"), css="primary"),
    Column("areas", gettext_lazy("包片村干部"), numeric=True),
    Column("pairs", gettext_lazy("包户结对"), numeric=True),
]


def _villages(user):
    return scope.visible_to(user, Division.objects.filter(level=5))


@readers
def village_list(request):
    """Per village its leader, how many areas have a village cadre and how many
    households a cadre."""
    user = request.user
    query = ListQuery(request.GET, columns=VILLAGE_COLUMNS, path=reverse("grid:village_list"),
                      filters=[_division_filter(user, request.GET)], search_label=gettext_lazy("村名"))
    rows = _villages(user)
    if query.values.get("division"):
        rows = _under(rows, "code", query.values["division"])
    if query.q:
        rows = rows.filter(name__contains=query.q)
    counts = counts_cached(user=user, name="grid-villages", key=query.filter_params(), compute=lambda: [rows.count()])
    page = list_page([rows.order_by(*query.order_by(tiebreak=["code"]))], query=query, counts=counts,
                     rows=_village_rows)
    return render(request, "grid/village_list.html", list_context(
        query, page, labels={c.name: gettext(str(c.label)) for c in VILLAGE_COLUMNS}))


def _village_rows(villages: list[Division]) -> list[dict]:
    codes = [v.code for v in villages]
    leaders = {p.village_id: p.leader for p in LeaderPair.objects.filter(village_id__in=codes, ended_on__isnull=True)
               .select_related("leader")}
    areas = dict(AreaPair.objects.filter(village_id__in=codes, ended_on__isnull=True).values("village_id")
                 .annotate(n=Count("pk")).values_list("village_id", "n"))
    pairs = dict(CadrePair.objects.filter(division_code__in=codes, ended_on__isnull=True).values("division_code")
                 .annotate(n=Count("pk")).values_list("division_code", "n"))
    return [{"village": v, "leader": leaders.get(v.code), "areas": areas.get(v.code, 0), "pairs": pairs.get(v.code, 0)}
            for v in villages]


def _village_for(request, code: str) -> Division:
    return get_object_or_404(_villages(request.user), code=code)


def _serving(user, village: Division, kind: str):
    """Active cadres of `kind` the user may see whose place contains the village."""
    places = {village.code, village.parent_id or "", county_of(village.code)}
    return _cadres(user).filter(active=True, kind=kind, division_code__in=places).order_by("division_code", "name")


@readers
def village_detail(request, code: str):
    user = request.user
    village = _village_for(request, code)
    leaders = list(LeaderPair.objects.filter(village=village).select_related("leader", "started_by", "ended_by"))
    areas = list(AreaPair.objects.filter(village=village).select_related("cadre", "started_by", "ended_by"))
    return render(request, "grid/village_detail.html", {
        "village": village, "town": village.parent,
        "leader": next((p for p in leaders if p.is_active), None),
        "past_leaders": [p for p in leaders if not p.is_active],
        "areas": [p for p in areas if p.is_active], "past_areas": [p for p in areas if not p.is_active],
        "pairs": CadrePair.objects.filter(division_code=village.code, ended_on__isnull=True).count(),
        "may_edit": user_may(user, GRID_EDIT),
    })


@editors
@require_http_methods(["GET", "HEAD", "POST"])
def leader_start(request, code: str):
    village = _village_for(request, code)
    form = LeaderPairForm(request.POST or None, cadres=_serving(request.user, village, CadreKind.LEADER))
    if request.method == "POST" and form.is_valid():
        try:
            services.leader_pair_start(user=request.user, leader=form.cleaned_data["leader"], village=village,
                                       started_on=form.cleaned_data["on"])
        except GridRefused as error:
            form.add_error(None, _refusal_text(error))
        else:
            messages.success(request, gettext("已保存包村领导"))
            return redirect("grid:village_detail", code=village.code)
    return _form_page(request, form, title=gettext("确定包村领导"), subject=village.name,
                      back_url=reverse("grid:village_detail", args=[village.code]), back_label=gettext("返回村"))


@editors
@require_http_methods(["GET", "HEAD", "POST"])
def area_start(request, code: str):
    village = _village_for(request, code)
    form = AreaPairForm(request.POST or None, cadres=_serving(request.user, village, CadreKind.VILLAGE))
    if request.method == "POST" and form.is_valid():
        try:
            services.area_pair_start(user=request.user, cadre=form.cleaned_data["cadre"], village=village,
                                     area=form.cleaned_data["area"], started_on=form.cleaned_data["on"])
        except GridRefused as error:
            form.add_error(None, _refusal_text(error))
        else:
            messages.success(request, gettext("已保存包片村干部"))
            return redirect("grid:village_detail", code=village.code)
    return _form_page(request, form, title=gettext("确定包片村干部"), subject=village.name,
                      back_url=reverse("grid:village_detail", args=[village.code]), back_label=gettext("返回村"))


@editors
@require_http_methods(["GET", "HEAD", "POST"])
def leader_end(request, pk: int):
    pair = get_object_or_404(scope.visible_to(request.user, LeaderPair.objects.select_related("leader", "village")),
                             pk=pk)
    return _end_page(request, pair=pair, end=services.leader_pair_end, title=gettext("解除包村结对"),
                     back_url=reverse("grid:village_detail", args=[pair.village_id]), subject=pair.village.name)


@editors
@require_http_methods(["GET", "HEAD", "POST"])
def area_end(request, pk: int):
    pair = get_object_or_404(scope.visible_to(request.user, AreaPair.objects.select_related("cadre", "village")), pk=pk)
    return _end_page(request, pair=pair, end=services.area_pair_end, title=gettext("解除包片结对"),
                     back_url=reverse("grid:village_detail", args=[pair.village_id]), subject=pair.village.name)


# --------------------------------------------------------------------------- import

TOKEN = re.compile(r"(\d+)-([0-9a-f]{32})")


def _import_dir() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "grid" / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _token_path(user, token: str) -> Path | None:
    """The uploaded workbook a preview named, only if it is this user's."""
    match = TOKEN.fullmatch(token or "")
    if match is None or int(match.group(1)) != user.pk:
        return None
    path = _import_dir() / f"{token}.xlsx"
    return path if path.exists() else None


@editors
@require_http_methods(["GET", "HEAD", "POST"])
def import_upload(request):
    """Upload a workbook: the preview lists every bad row, or what applying will do."""
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if getattr(request, REFUSED_ATTRIBUTE, False):
            form = ImportForm(request.POST)
            form.is_valid()
            form.add_error("workbook", too_large_message())
        elif form.is_valid():
            token = f"{request.user.pk}-{uuid.uuid4().hex}"
            path = _import_dir() / f"{token}.xlsx"
            with open(path, "wb") as out:
                out.writelines(form.cleaned_data["workbook"].chunks())
            try:
                preview = imports.import_check(user=request.user, path=path)
            except imports.WorkbookUnreadable as error:
                path.unlink(missing_ok=True)
                form.add_error("workbook", GridRefused(str(error)).localized(get_language()))
            else:
                if not preview.ok:
                    path.unlink(missing_ok=True)
                return render(request, "grid/import_upload.html", {
                    "title": gettext("导入预览"), "preview": preview, "token": token if preview.ok else "",
                    "file_name": form.cleaned_data["workbook"].name,
                    "problems": [{"p": p, "reason": p.reason(get_language())} for p in preview.problems[:500]],
                }, status=200 if preview.ok else 400)
    return _form_page(request, form, title=gettext("导入干部和结对"), submit_label=gettext("上传并预览"),
                      template="grid/import_upload.html")


@editors
@require_POST
def import_apply(request):
    path = _token_path(request.user, request.POST.get("token", ""))
    if path is None:
        # Not this user's preview, or applied already: the upload page again, saying so.
        form = ImportForm()
        return render(request, "grid/import_upload.html", {
            "form": form, "title": gettext("导入干部和结对"), "submit_label": gettext("上传并预览"),
            "problem": gettext("预览已失效，请重新上传工作簿")})
    try:
        preview = imports.import_apply(user=request.user, path=path, name=request.POST.get("file_name", ""))
    except (GridRefused, imports.WorkbookUnreadable) as error:
        messages.error(request, GridRefused(str(error)).localized(get_language()))
        return redirect("grid:import")
    finally:
        path.unlink(missing_ok=True)
    messages.success(request, gettext("已导入：新增干部 %(new)s 人，更新 %(updated)s 人，包户 %(pairs)s 对，"
                                      "包村 %(leaders)s 对，包片 %(areas)s 对") % {
        "new": preview.cadres_new, "updated": preview.cadres_updated, "pairs": preview.pairs,
        "leaders": preview.leader_pairs, "areas": preview.area_pairs})
    return redirect("grid:cadre_list")


@editors
def import_template(request):
    english = _english()
    response = HttpResponse(imports.template_workbook(english=english), content_type=XLSX)
    name = "grid-template.xlsx" if english else "grid-template-zh.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response

