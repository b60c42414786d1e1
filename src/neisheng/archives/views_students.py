"""Students' files (一人一档案、一人一专案, archives.md): the list per village, a student's
file with the aid received (and the education aid the assistance app recorded), the aid
plan with its versions, and the forms that open a file, add aid and write a new plan."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods

from neisheng.accounts.access import ARCHIVES_UPLOAD, user_may
from neisheng.accounts.masking import mask_id_number
from neisheng.archives import selectors, services
from neisheng.archives.forms import AidForm, PlanForm, StudentForm
from neisheng.archives.models import StudentFile
from neisheng.archives.views import READ, errors_onto, form_page, household_for
from neisheng.engine.schema import SCHOOLING
from neisheng.platform.access import requires
from neisheng.platform.listing import Column, Filter, ListQuery, list_context, list_page
from neisheng.registry.models import Division
from neisheng.registry.selectors.tree import division_filter_choices

COLUMNS = [
    Column("name", gettext_lazy("学生"), css="primary"),
    Column("household", gettext_lazy("户编号"), order_by=("household_id",)),
    Column("school", gettext_lazy("学校"), order_by=("school",), css="primary"),
    Column("stage", gettext_lazy("学段"), order_by=("stage",)),
    Column("enrolled_year", gettext_lazy("入学年份"), order_by=("enrolled_year",), numeric=True),
    Column("plan", gettext_lazy("帮扶方案")),
]


def student_for(user, pk: int) -> StudentFile:
    student = (selectors.student_files_visible(user).select_related("person", "household", "household__village")
               .filter(pk=pk).first())
    if student is None:
        raise Http404("no such student file")
    return student


def _filters(user, params) -> list[Filter]:
    divisions = division_filter_choices(user, (params.get("division") or "").strip())
    return [Filter("division", gettext_lazy("区划"), choices=[(d.code, d.name) for d in divisions], translate=False,
                   indent=frozenset(d.code for d in divisions if d.level == 5)),
            Filter("stage", gettext_lazy("学段"), choices=[(k, v) for k, v in SCHOOLING.items() if k != "not_in_school"])]


def _decorated(students: list) -> list:
    for student in students:
        student.stage_label = SCHOOLING.get(student.stage, student.stage)
        student.plan = student.current_plan
    return students


@requires(*READ)
@require_http_methods(["GET", "HEAD"])
def student_list(request):
    user = request.user
    query = ListQuery(request.GET, columns=COLUMNS, filters=_filters(user, request.GET),
                      path=reverse("archives:students"), search_label=gettext_lazy("户编号或学校"))
    rows = selectors.student_files_visible(user).select_related("person")
    values = query.values
    if values.get("division"):
        rows = rows.filter(division_code__startswith=Division.objects.get(code=values["division"]).prefix)
    if values.get("stage"):
        rows = rows.filter(stage=values["stage"])
    if query.q:
        rows = rows.filter(household_id__startswith=query.q) | rows.filter(school__contains=query.q)
    page = list_page([rows.order_by(*query.order_by(tiebreak=["division_code", "household_id", "pk"]))],
                     query=query, counts=[rows.count()], rows=_decorated)
    return render(request, "archives/student_list.html", list_context(
        query, page, labels={c.name: gettext(str(c.label)) for c in COLUMNS}))


@requires(*READ)
@require_http_methods(["GET", "HEAD"])
def student_detail(request, pk: int):
    user = request.user
    student = student_for(user, pk)
    student.stage_label = SCHOOLING.get(student.stage, student.stage)
    return render(request, "archives/student_detail.html", {
        "student": student, "id_masked": mask_id_number(student.person_id), **selectors.student_file_rows(student),
        "documents": list(selectors.documents_visible(user).filter(person_id=student.person_id)
                          .order_by("-dated_on", "pk")),
        "may_upload": user_may(user, ARCHIVES_UPLOAD)})


@requires(*READ, ARCHIVES_UPLOAD)
@require_http_methods(["GET", "HEAD", "POST"])
def student_new(request, household_id: str):
    user = request.user
    household = household_for(user, household_id)
    candidates = list(services.student_candidates(household))
    chosen = next((p for p in candidates if p.key == request.GET.get("person")), None)
    initial = {"person": chosen.key, "stage": chosen.schooling} if chosen else {}
    form = StudentForm(request.POST or None, candidates=candidates, initial=initial)
    back = reverse("archives:household", args=[household.pk])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = next(p for p in candidates if p.key == data["person"])
        try:
            student = services.student_file_open(user=user, person=person, school=data["school"], stage=data["stage"],
                                                 grade=data["grade"], enrolled_year=data["enrolled_year"],
                                                 opened_on=data["opened_on"], request=request)
        except ValidationError as refused:
            errors_onto(form, refused)
        else:
            messages.success(request, gettext("已建立学生档案"))
            return redirect("archives:student", pk=student.pk)
    return form_page(request, form, title=gettext("建立学生档案"), subject=household.pk, back_url=back,
                     back_label=gettext("返回农户档案"), status=400 if form.errors else 200)


@requires(*READ, ARCHIVES_UPLOAD)
@require_http_methods(["GET", "HEAD", "POST"])
def aid_new(request, pk: int):
    user = request.user
    student = student_for(user, pk)
    form = AidForm(request.POST or None)
    back = reverse("archives:student", args=[student.pk])
    if request.method == "POST" and form.is_valid():
        try:
            services.student_aid_add(user=user, student=student, request=request, **form.cleaned_data)
        except ValidationError as refused:
            errors_onto(form, refused)
        else:
            messages.success(request, gettext("已登记资助"))
            return redirect(back)
    return form_page(request, form, title=gettext("登记资助"), subject=student.person.name, back_url=back,
                     back_label=gettext("返回学生档案"), status=400 if form.errors else 200)


@requires(*READ, ARCHIVES_UPLOAD)
@require_http_methods(["GET", "HEAD", "POST"])
def plan_new(request, pk: int):
    user = request.user
    student = student_for(user, pk)
    current = student.current_plan
    form = PlanForm(request.POST or None, initial={"text": current.text} if current else None)
    back = reverse("archives:student", args=[student.pk])
    if request.method == "POST" and form.is_valid():
        try:
            services.student_plan_save(user=user, student=student, request=request, **form.cleaned_data)
        except ValidationError as refused:
            errors_onto(form, refused)
        else:
            messages.success(request, gettext("帮扶方案已保存,原方案保留在历史中"))
            return redirect(back)
    return form_page(request, form, title=gettext("制定帮扶方案"), subject=student.person.name, back_url=back,
                     back_label=gettext("返回学生档案"), status=400 if form.errors else 200)
