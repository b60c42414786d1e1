"""Pages of education aid (雨露计划 and others; per student and term) and insurance
enrolment (参保资助): each a list with its export, a new one for a member (chosen among a
household's members, or typed by ID number), its page, and the import of a sheet (all or
nothing). An aid's page lists every term of aid the student has had."""

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
from neisheng.accounts.masking import mask_id_number
from neisheng.assistance.models import EducationAid, InsuranceEnrolment
from neisheng.assistance.services import aid as services
from neisheng.assistance.views_credit import import_view
from neisheng.assistance.views_work import (
    division_filter,
    errors_onto,
    export_batches,
    household_from,
    member_field,
    person_chosen,
    record_in_scope,
    under_division,
    year_filter,
)
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
from neisheng.platform.widgets import BLANK_LABEL, DateInput, blank_choices_named


def _list(request, *, rows, name: str, columns, filters, path: str, template: str, search_label, export):
    query = ListQuery(request.GET, columns=columns, filters=filters, path=path, search_label=search_label)
    matching = rows(query)
    if request.method == "POST":
        return export(matching, query)
    counts = counts_cached(user=request.user, name=name, key=query.filter_params(),
                           compute=lambda: [matching.count()])
    page = list_page([matching.order_by(*query.order_by(tiebreak=["-year", "-pk"]))], query=query, counts=counts)
    return render(request, template, list_context(
        query, page, labels={c.name: gettext(str(c.label)) for c in columns},
        may_record=user_may(request.user, ACTIVITIES_RECORD)))


def _scoped(user, model, query: ListQuery, choice_field: str, search_fields: tuple[str, ...]):
    rows = scope.visible_to(user, model).select_related("person", "household__village")
    values = query.values
    rows = under_division(rows, values.get("division"))
    if "year" in values:
        rows = rows.filter(year=int(values["year"]))
    if choice_field in values:
        rows = rows.filter(**{choice_field: values[choice_field]})
    if "term" in values:
        rows = rows.filter(term=values["term"])
    if query.q:
        condition = Q(household__household_id__contains=query.q) | Q(person__name__startswith=query.q)
        for field in search_fields:
            condition |= Q(**{f"{field}__contains": query.q})
        rows = rows.filter(condition)
    return rows


def _new(request, *, form_class, record: Callable, title: str, detail_name: str, list_url: str):
    """A new record for a member: ?household=<number> lists its living members, else the
    ID number is typed."""
    household = household_from(request)
    if request.GET.get("household") and household is None:
        raise Http404
    form = form_class(request.POST or None)
    member_field(request, household, form)
    form.order_fields(["person"])
    blank_choices_named(form)
    if request.method == "POST" and form.is_valid():
        person = person_chosen(request, form.cleaned_data["person"])
        if person is None or (household is not None and person.household_id != household.pk):
            form.add_error("person", gettext("在您管辖范围内的登记中没有这个证件号码"))
        else:
            data = {k: v for k, v in form.cleaned_data.items() if k != "person"}
            try:
                done = record(person=person, data=data)
            except ValidationError as error:
                errors_onto(form, error)
            else:
                return redirect(reverse(detail_name, args=[done.pk]))
    back = reverse("registry:household_detail", args=[household.pk]) if household is not None else list_url
    return render(request, "patterns/form.html", {
        "form": form, "title": title, "subject": household.pk if household is not None else "",
        "back_url": back, "cancel_url": back, "submit_label": gettext("登记")},
        status=400 if request.method == "POST" else 200)


# --------------------------------------------------------------------------- education aid

AID_COLUMNS = [
    Column("household", gettext_lazy("户编号"), order_by=("household_id",), css="primary"),
    Column("person", gettext_lazy("学生"), css="primary"),
    Column("program", gettext_lazy("资助项目"), order_by=("program",)),
    Column("school", gettext_lazy("学校")),
    Column("year", gettext_lazy("年度"), order_by=("year", "term"), numeric=True, css="primary"),
    Column("term", gettext_lazy("学期")),
    Column("amount", gettext_lazy("资助金额(元)"), order_by=("amount",), numeric=True),
    Column("paid_on", gettext_lazy("发放日期"), order_by=("paid_on",)),
]
AID_HEADERS = ("户编号", "村", "学生", "证件号码", "资助项目", "学校", "年度", "学期", "资助金额(元)", "发放日期")


@requires(PERSONS_READ)
@require_http_methods(["GET", "HEAD", "POST"])
def aid_list(request):
    user = request.user

    def export(rows, query):
        def cells(a: EducationAid):
            return [a.household_id, a.household.village.name, a.person.name, mask_id_number(a.person_id),
                    gettext(a.get_program_display()), a.school, a.year, gettext(a.get_term_display()), a.amount,
                    a.paid_on or ""]

        return export_response(request, object_type="education_aid", detail={"filters": query.filter_params()},
                               filename="教育资助-education-aid", title=gettext("教育资助"),
                               headers=[gettext(h) for h in AID_HEADERS],
                               rows=export_batches(rows.order_by("household_id", "person_id", "year", "pk"), cells))

    filters = [Filter("program", gettext_lazy("资助项目"), choices=EducationAid.Program.choices),
               Filter("term", gettext_lazy("学期"), choices=EducationAid.Term.choices),
               year_filter(services.aid_visible_to(user)), division_filter(user, request.GET)]
    return _list(request, rows=lambda query: _scoped(user, EducationAid, query, "program", ("school",)),
                 name="education-aid", columns=AID_COLUMNS, filters=filters, path=reverse("assistance:aid"),
                 template="assistance/aid_list.html", search_label=gettext_lazy("户编号、姓名或学校"), export=export)


class AidForm(forms.Form):
    program = forms.ChoiceField(label=gettext_lazy("资助项目"), choices=[("", BLANK_LABEL), *EducationAid.Program.choices])
    school = forms.CharField(label=gettext_lazy("学校"), max_length=100, required=False)
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2000, max_value=2100)
    term = forms.ChoiceField(label=gettext_lazy("学期"), choices=[("", BLANK_LABEL), *EducationAid.Term.choices])
    amount = forms.DecimalField(label=gettext_lazy("资助金额(元)"), max_digits=10, decimal_places=2)
    paid_on = forms.DateField(label=gettext_lazy("发放日期"), widget=DateInput(), required=False)
    note = forms.CharField(label=gettext_lazy("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


@requires(PERSONS_READ, ACTIVITIES_RECORD)
@require_http_methods(["GET", "HEAD", "POST"])
def aid_new(request):
    def record(*, person, data):
        return services.education_aid_record(user=request.user, person=person, request=request, **data)

    return _new(request, form_class=AidForm, record=record, title=gettext("登记教育资助"),
                detail_name="assistance:aid_detail", list_url=reverse("assistance:aid"))


@requires(PERSONS_READ)
def aid_detail(request, pk: int):
    """One payment of aid, and every term of aid the student has had."""
    aid = record_in_scope(request, EducationAid.objects.select_related("person", "household__village", "measure",
                                                                      "recorded_by"), pk)
    terms = services.aid_visible_to(request.user).filter(person_id=aid.person_id).order_by("-year", "-term", "pk")
    return render(request, "assistance/aid_detail.html", {
        "aid": aid, "terms": list(terms), "total": sum(t.amount for t in terms),
        "may_record": user_may(request.user, ACTIVITIES_RECORD),
    })


@requires(PERSONS_READ, ACTIVITIES_RECORD)
@require_http_methods(["GET", "HEAD", "POST"])
def aid_import(request):
    return import_view(request, kind="education_aid", columns=services.AID_COLUMNS,
                       apply_rows=services.aid_apply(user=request.user, request=request), title=gettext("导入教育资助"),
                       list_url=reverse("assistance:aid"), template_name="education-aid")


# --------------------------------------------------------------------------- insurance

INSURANCE_COLUMNS = [
    Column("household", gettext_lazy("户编号"), order_by=("household_id",), css="primary"),
    Column("person", gettext_lazy("姓名"), css="primary"),
    Column("scheme", gettext_lazy("险种"), order_by=("scheme",), css="primary"),
    Column("year", gettext_lazy("参保年度"), order_by=("year",), numeric=True),
    Column("enrolled_on", gettext_lazy("参保日期"), order_by=("enrolled_on",)),
    Column("subsidy", gettext_lazy("资助金额(元)"), order_by=("subsidy",), numeric=True),
]
INSURANCE_HEADERS = ("户编号", "村", "姓名", "证件号码", "险种", "参保年度", "参保日期", "资助金额(元)")


@requires(PERSONS_READ)
@require_http_methods(["GET", "HEAD", "POST"])
def insurance_list(request):
    user = request.user

    def export(rows, query):
        def cells(e: InsuranceEnrolment):
            return [e.household_id, e.household.village.name, e.person.name, mask_id_number(e.person_id),
                    gettext(e.get_scheme_display()), e.year, e.enrolled_on, e.subsidy]

        return export_response(request, object_type="insurance_enrolment", detail={"filters": query.filter_params()},
                               filename="参保资助-insurance", title=gettext("参保资助"),
                               headers=[gettext(h) for h in INSURANCE_HEADERS],
                               rows=export_batches(rows.order_by("household_id", "person_id", "year", "pk"), cells))

    filters = [Filter("scheme", gettext_lazy("险种"), choices=InsuranceEnrolment.Scheme.choices),
               year_filter(services.enrolments_visible_to(user)), division_filter(user, request.GET)]
    return _list(request, rows=lambda query: _scoped(user, InsuranceEnrolment, query, "scheme", ()),
                 name="insurance", columns=INSURANCE_COLUMNS, filters=filters, path=reverse("assistance:insurance"),
                 template="assistance/insurance_list.html", search_label=gettext_lazy("户编号或姓名"), export=export)


class InsuranceForm(forms.Form):
    scheme = forms.ChoiceField(label=gettext_lazy("险种"), choices=[("", BLANK_LABEL), *InsuranceEnrolment.Scheme.choices])
    year = forms.IntegerField(label=gettext_lazy("参保年度"), min_value=2000, max_value=2100)
    enrolled_on = forms.DateField(label=gettext_lazy("参保日期"), widget=DateInput())
    subsidy = forms.DecimalField(label=gettext_lazy("资助金额(元)"), max_digits=10, decimal_places=2, required=False,
                                 help_text=gettext_lazy("留空:没有资助"))
    note = forms.CharField(label=gettext_lazy("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


@requires(PERSONS_READ, ACTIVITIES_RECORD)
@require_http_methods(["GET", "HEAD", "POST"])
def insurance_new(request):
    def record(*, person, data):
        return services.insurance_enrol(user=request.user, person=person, request=request, **data)

    return _new(request, form_class=InsuranceForm, record=record, title=gettext("登记参保资助"),
                detail_name="assistance:insurance_detail", list_url=reverse("assistance:insurance"))


@requires(PERSONS_READ)
def insurance_detail(request, pk: int):
    enrolment = record_in_scope(request, InsuranceEnrolment.objects.select_related(
        "person", "household__village", "measure", "recorded_by"), pk)
    return render(request, "assistance/insurance_detail.html", {"enrolment": enrolment})


@requires(PERSONS_READ, ACTIVITIES_RECORD)
@require_http_methods(["GET", "HEAD", "POST"])
def insurance_import(request):
    return import_view(request, kind="insurance", columns=services.INSURANCE_COLUMNS,
                       apply_rows=services.insurance_apply(user=request.user, request=request),
                       title=gettext("导入参保资助"), list_url=reverse("assistance:insurance"),
                       template_name="insurance")
