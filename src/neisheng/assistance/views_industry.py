"""Pages of industry participation (产业帮扶): the list with its export, a household joining
a project or cooperative, its page with leaving, and the import of results."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods

from neisheng.accounts.access import ACTIVITIES_RECORD, PERSONS_READ, user_may
from neisheng.assistance import imports
from neisheng.assistance.models import ActivityImport, IndustryParticipation
from neisheng.assistance.services import industry
from neisheng.assistance.views_imports import import_template_response
from neisheng.assistance.views_work import (
    division_filter,
    end_page,
    errors_onto,
    export_batches,
    household_from,
    import_page,
    record_in_scope,
    rows_refused,
    scoped_list,
    under_division,
)
from neisheng.platform import scope
from neisheng.platform.access import requires
from neisheng.platform.exports import export_response
from neisheng.platform.listing import Column, Filter, ListQuery
from neisheng.platform.widgets import DateInput, blank_choices_named
from neisheng.registry.models import Household

COLUMNS = [
    Column("household", gettext_lazy("户编号"), order_by=("household_id",), css="primary"),
    Column("village", gettext_lazy("村")),
    Column("name", gettext_lazy("项目或合作社"), order_by=("name",), css="primary"),
    Column("kind", gettext_lazy("联结方式"), order_by=("kind",)),
    Column("joined_on", gettext_lazy("加入日期"), order_by=("joined_on",)),
    Column("state", gettext_lazy("状态")),
]
STATE_CHOICES = [("active", gettext_lazy("参与中")), ("ended", gettext_lazy("已退出"))]
HEADERS = ("户编号", "村", "项目或合作社", "联结方式", "加入日期", "退出日期")


def _rows(user, query: ListQuery):
    rows = scope.visible_to(user, IndustryParticipation).select_related("household__village")
    values = query.values
    rows = under_division(rows, values.get("division"))
    if "kind" in values:
        rows = rows.filter(kind=values["kind"])
    if values.get("state") == "active":
        rows = rows.filter(left_on__isnull=True)
    elif values.get("state") == "ended":
        rows = rows.filter(left_on__isnull=False)
    if query.q:
        rows = rows.filter(Q(household__household_id__contains=query.q) | Q(name__contains=query.q))
    return rows


@requires(PERSONS_READ)
@require_http_methods(["GET", "HEAD", "POST"])
def industry_list(request):
    user = request.user
    filters = [Filter("kind", gettext_lazy("联结方式"), choices=list(IndustryParticipation.Kind.choices)),
               Filter("state", gettext_lazy("状态"), choices=STATE_CHOICES), division_filter(user, request.GET)]

    def export(request, rows, query):
        def cells(p: IndustryParticipation):
            return [p.household_id, p.household.village.name, p.name, gettext(p.get_kind_display()), p.joined_on,
                    p.left_on or ""]

        return export_response(request, object_type="industry_participation",
                               detail={"filters": query.filter_params()}, filename="产业帮扶-industry",
                               title=gettext("产业帮扶"), headers=[gettext(h) for h in HEADERS],
                               rows=export_batches(rows.order_by("household_id", "pk"), cells))

    return scoped_list(request, model=IndustryParticipation, name="industry", columns=COLUMNS, filters=filters,
                       matching=lambda query: _rows(user, query), template="assistance/industry_list.html",
                       path=reverse("assistance:industry"), export=export,
                       search_label=gettext_lazy("户编号或项目"))


class IndustryForm(forms.Form):
    household = forms.CharField(label=gettext_lazy("户编号"), max_length=20)
    name = forms.CharField(label=gettext_lazy("项目或合作社"), max_length=100)
    kind = forms.ChoiceField(label=gettext_lazy("联结方式"), choices=[("", "")] + list(IndustryParticipation.Kind.choices))
    joined_on = forms.DateField(label=gettext_lazy("加入日期"), widget=DateInput())
    note = forms.CharField(label=gettext_lazy("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


@requires(PERSONS_READ, ACTIVITIES_RECORD)
@require_http_methods(["GET", "HEAD", "POST"])
def industry_new(request):
    household = household_from(request)
    if request.GET.get("household") and household is None:
        raise Http404
    form = IndustryForm(request.POST or None, initial={"household": household.pk if household else ""})
    form.fields["kind"].choices = [("", gettext("请选择"))] + list(IndustryParticipation.Kind.choices)
    blank_choices_named(form)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        found = scope.visible_to(request.user, Household).filter(pk=data.pop("household").strip()).first()
        if found is None:
            form.add_error("household", gettext("在您管辖范围内的登记中没有这个户编号"))
        else:
            try:
                record = industry.industry_join(user=request.user, household=found, request=request, **data)
            except ValidationError as error:
                errors_onto(form, error)
            else:
                return redirect(reverse("assistance:industry_detail", args=[record.pk]))
    back = (reverse("registry:household_detail", args=[household.pk]) if household is not None
            else reverse("assistance:industry"))
    return render(request, "patterns/form.html", {
        "form": form, "title": gettext("登记产业帮扶"), "subject": household.pk if household else "",
        "back_url": back, "cancel_url": back})


@requires(PERSONS_READ)
def industry_detail(request, pk: int):
    record = record_in_scope(request, IndustryParticipation.objects.select_related("household__village", "measure"),
                             pk)
    return render(request, "assistance/industry_detail.html", {
        "record": record, "may_record": user_may(request.user, ACTIVITIES_RECORD)})


class LeaveForm(forms.Form):
    left_on = forms.DateField(label=gettext_lazy("退出日期"), widget=DateInput())


@requires(PERSONS_READ, ACTIVITIES_RECORD)
@require_http_methods(["GET", "HEAD", "POST"])
def industry_leave(request, pk: int):
    record = record_in_scope(request, IndustryParticipation, pk)
    detail_url = reverse("assistance:industry_detail", args=[record.pk])
    return end_page(request, record, title=gettext("登记退出"), detail_url=detail_url, form_class=LeaveForm,
                    field="left_on",
                    end=lambda on: industry.industry_leave(user=request.user, participation=record, left_on=on,
                                                           request=request))


IMPORT_COLUMNS = [
    imports.ImportColumn("household_id", "户编号", "text", max_length=20),
    imports.ImportColumn("name", "项目或合作社", "text", max_length=100),
    imports.ImportColumn("kind", "联结方式", "choice", choices=list(IndustryParticipation.Kind.choices)),
    imports.ImportColumn("joined_on", "加入日期", "date"),
]


def industry_rows_apply(user, request=None) -> Callable:
    columns = {c.name: c for c in IMPORT_COLUMNS}

    def apply_rows(rows: list[dict]) -> list:
        households, problems = imports.households_resolve(user=user, rows=rows, column=columns["household_id"],
                                                          once=False)
        # Every row is tried, so one upload names every bad row (all is rolled back if any).
        for row in (r for r in rows if r["row"] in households):
            try:
                industry.industry_join(user=user, household=households[row["row"]], name=row["name"],
                                       kind=row["kind"], joined_on=row["joined_on"], request=request)
            except ValidationError as error:
                problems += rows_refused(row, error, columns)
        return problems

    return apply_rows


@requires(PERSONS_READ, ACTIVITIES_RECORD)
@require_http_methods(["GET", "HEAD", "POST"])
def industry_import(request):
    return import_page(request, kind=ActivityImport.Kind.INDUSTRY, columns=IMPORT_COLUMNS,
                       apply_rows=industry_rows_apply(request.user, request), title=gettext("导入产业帮扶"),
                       list_url=reverse("assistance:industry"),
                       template_url=reverse("assistance:industry_import_template"))


@requires(PERSONS_READ, ACTIVITIES_RECORD)
@require_http_methods(["GET", "HEAD"])
def industry_import_template(request):
    return import_template_response(IMPORT_COLUMNS, "产业帮扶-industry")
