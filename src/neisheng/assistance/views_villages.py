"""`/assistance/villages/`: the villages of the user's division, whether each is on the
county's list of former poor villages and its specialty industries (一村一品), with the
forms that keep both (activities.record). Villages name no one: every signed-in role may
read the list, as the coverage counts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods

from neisheng.accounts.access import ACTIVITIES_RECORD, user_may
from neisheng.assistance.coverage import industry_active_in
from neisheng.assistance.forms_villages import IndustryEndForm, PoorVillageForm, VillageIndustryForm
from neisheng.assistance.models import PoorVillage, VillageIndustry
from neisheng.assistance.services import villages as services
from neisheng.engine.schema import VILLAGE_LEVEL
from neisheng.monitoring.policies import policy_current
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
from neisheng.registry.models import Division
from neisheng.registry.selectors.tree import division_filter_choices

COLUMNS = [
    Column("village", gettext_lazy("村"), order_by=("code",), css="primary"),
    Column("town", gettext_lazy("乡镇")),
    Column("poor", gettext_lazy("原贫困村"), css="primary"),
    Column("industries", gettext_lazy("特色产业")),
]
YES_NO = [("yes", gettext_lazy("是")), ("no", gettext_lazy("否"))]


def _year() -> int:
    return policy_current().policy.year


def _filters(user, asked: str) -> list[Filter]:
    towns = [d for d in division_filter_choices(user, asked) if d.level < VILLAGE_LEVEL]
    return [
        Filter("division", gettext_lazy("乡镇"), choices=[(d.code, d.name) for d in towns], translate=False),
        Filter("poor", gettext_lazy("原贫困村"), choices=YES_NO),
        Filter("industry", gettext_lazy("本年度有特色产业"), choices=YES_NO),
    ]


@login_required
@require_http_methods(["GET", "HEAD"])
def village_list(request):
    user = request.user
    year = _year()
    asked = (request.GET.get("division") or "").strip()
    query = ListQuery(request.GET, columns=COLUMNS, filters=_filters(user, asked), default_sort="village",
                      path=reverse("assistance:villages"), search_label=gettext_lazy("村名或代码"))
    villages = (scope.visible_to(user, Division).filter(level=VILLAGE_LEVEL)
                .annotate(listed=Exists(PoorVillage.objects.filter(village=OuterRef("pk"))),
                          with_industry=Exists(VillageIndustry.objects.filter(industry_active_in(year),
                                                                              village=OuterRef("pk")))))
    if query.values.get("division"):
        town = Division.objects.get(pk=query.values["division"])
        villages = villages.filter(code__gte=town.prefix.ljust(12, "0"), code__lte=town.prefix.ljust(12, "9"))
    if query.values.get("poor"):
        villages = villages.filter(listed=query.values["poor"] == "yes")
    if query.values.get("industry"):
        villages = villages.filter(with_industry=query.values["industry"] == "yes")
    if query.q:
        villages = villages.filter(Q(name__contains=query.q) | Q(code__startswith=query.q))
    counts = counts_cached(user=user, name="assistance-villages", key={**query.filter_params(), "year": year},
                           compute=lambda: [villages.count()])
    ordered = villages.order_by(*query.order_by(tiebreak=["code"]))
    page = list_page([ordered], query=query, counts=counts, rows=lambda items: _rows(items, year))
    return render(request, "assistance/villages_list.html", list_context(
        query, page, labels={c.name: gettext(str(c.label)) for c in COLUMNS}, year=year,
        may_record=user_may(user, ACTIVITIES_RECORD)))


def _rows(villages: list[Division], year: int) -> list[dict]:
    codes = [v.code for v in villages]
    listed = dict(PoorVillage.objects.filter(village_id__in=codes).values_list("village_id", "listed_year"))
    industries: dict[str, list[dict]] = {}
    for industry in VillageIndustry.objects.filter(village_id__in=codes).order_by("village_id", "since", "pk"):
        active = industry.since <= year and (industry.ended is None or industry.ended > year)
        industries.setdefault(industry.village_id, []).append({"industry": industry, "active": active})
    towns = dict(Division.objects.filter(code__in={v.parent_id for v in villages}).values_list("code", "name"))
    return [{"village": v, "town": towns.get(v.parent_id, ""), "listed_year": listed.get(v.code),
             "industries": industries.get(v.code, [])} for v in villages]


def _back(request) -> str:
    return reverse("assistance:villages")


def _form_page(request, form, *, title: str, submit_label: str = ""):
    return render(request, "patterns/form.html", {
        "form": form, "title": title, "cancel_url": _back(request), "back_url": _back(request),
        "back_label": gettext("原贫困村和特色产业"), "submit_label": submit_label or None,
    })


def _errors_to_form(form, error: ValidationError) -> None:
    for field, problems in error.message_dict.items():
        for problem in problems:
            form.add_error(field if field in form.fields else None, problem)


@requires(ACTIVITIES_RECORD)
@require_http_methods(["GET", "HEAD", "POST"])
def poor_village_new(request):
    user, year = request.user, _year()
    if request.method == "POST":
        form = PoorVillageForm(request.POST, user=user, year=year)
        if form.is_valid():
            try:
                services.poor_village_create(user=user, village=form.cleaned_data["village"],
                                                      listed_year=form.cleaned_data["listed_year"], request=request)
            except ValidationError as error:
                _errors_to_form(form, error)
            else:
                messages.success(request, gettext("已列入原贫困村名单。"))
                return redirect(_back(request))
    else:
        form = PoorVillageForm(user=user, year=year, initial={"village": request.GET.get("village", "")})
    return _form_page(request, form, title=gettext("列入原贫困村名单"))


@requires(ACTIVITIES_RECORD)
@require_http_methods(["GET", "HEAD", "POST"])
def poor_village_delete(request, code: str):
    user = request.user
    listed = (scope.visible_to(user, PoorVillage.objects.select_related("village")).filter(pk=code).first()
              if code.isdigit() else None)
    if listed is None:
        raise Http404
    if request.method == "POST":
        services.poor_village_delete(user=user, village=listed.village, request=request)
        messages.success(request, gettext("已移出原贫困村名单。"))
        return redirect(_back(request))
    return render(request, "assistance/villages_confirm_delete.html", {
        "title": gettext("移出原贫困村名单"), "subject": listed.village.name,
        "rows": [(gettext("村"), listed.village.name), (gettext("区划代码"), listed.village.code),
                 (gettext("列入年度"), str(listed.listed_year))],
        "cancel_url": _back(request),
    })


@requires(ACTIVITIES_RECORD)
@require_http_methods(["GET", "HEAD", "POST"])
def village_industry_new(request):
    user, year = request.user, _year()
    if request.method == "POST":
        form = VillageIndustryForm(request.POST, user=user, year=year)
        if form.is_valid():
            try:
                services.village_industry_create(
                    user=user, village=form.cleaned_data["village"], name=form.cleaned_data["name"],
                    since=form.cleaned_data["since"], request=request)
            except ValidationError as error:
                _errors_to_form(form, error)
            else:
                messages.success(request, gettext("已登记特色产业。"))
                return redirect(_back(request))
    else:
        form = VillageIndustryForm(user=user, year=year, initial={"village": request.GET.get("village", "")})
    return _form_page(request, form, title=gettext("登记特色产业"))


@requires(ACTIVITIES_RECORD)
@require_http_methods(["GET", "HEAD", "POST"])
def village_industry_end(request, pk: int):
    user, year = request.user, _year()
    industry = scope.visible_to(user, VillageIndustry.objects.select_related("village")).filter(pk=pk).first()
    if industry is None:
        raise Http404
    if request.method == "POST":
        form = IndustryEndForm(request.POST, year=year)
        if form.is_valid():
            try:
                services.village_industry_end(user=user, industry=industry, ended=form.cleaned_data["ended"],
                                              request=request)
            except ValidationError as error:
                _errors_to_form(form, error)
            else:
                messages.success(request, gettext("已停止特色产业。"))
                return redirect(_back(request))
    else:
        form = IndustryEndForm(year=year)
    return render(request, "patterns/form.html", {
        "form": form, "title": gettext("停止特色产业"), "subject": f"{industry.village.name} · {industry.name}",
        "cancel_url": _back(request), "back_url": _back(request), "back_label": gettext("原贫困村和特色产业"),
        "submit_label": gettext("停止"),
    })
