"""Trainings' pages: the list (with its Excel export), a new course, and one course with
its attendance (names, masked ID numbers, certificates), the form adding one trainee and
the import of an attendance sheet.

A course is seen by those of the division holding it, those above, and those below it (a
county's course is open to its villages' people); its attendance only as far as the
reader's scope reaches: a village cadre sees their village's trainees of a county course."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from neisheng.accounts.access import ACTIVITIES_RECORD, PERSONS_READ, user_may
from neisheng.assistance.forms_trainings import AttendanceForm, TrainingForm
from neisheng.assistance.imports import ActivityImportForm
from neisheng.assistance.models import Training, TrainingAttendance
from neisheng.assistance.services.trainings import (
    ATTENDANCE_COLUMNS,
    training_attendance_import,
    training_attendance_record,
    training_create,
    training_visible_or_404,
)
from neisheng.assistance.views_imports import (
    columns_described,
    import_handle,
    import_template_response,
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
from neisheng.registry.models import Division

readers = requires(PERSONS_READ)
recorders = requires(PERSONS_READ, ACTIVITIES_RECORD)

COLUMNS = [
    Column("course", gettext_lazy("课程"), order_by=("course",), css="primary"),
    Column("division", gettext_lazy("举办区划")),
    Column("starts_on", gettext_lazy("开始日期"), order_by=("starts_on",), css="primary"),
    Column("ends_on", gettext_lazy("结束日期"), order_by=("ends_on",)),
    Column("trainer", gettext_lazy("培训机构或讲师")),
    Column("trainees", gettext_lazy("学员"), numeric=True),
    Column("certified", gettext_lazy("取得证书"), numeric=True),
]


def _year_filter() -> Filter:
    years = Training.objects.dates("starts_on", "year", order="DESC")
    return Filter("year", gettext_lazy("年度"), choices=[(str(d.year), str(d.year)) for d in years], translate=False)


def trainings_visible(user):
    return scope.visible_to(user, Training, ancestors=True)


def _matching(user, query: ListQuery):
    trainings = trainings_visible(user)
    if query.values.get("year"):
        trainings = trainings.filter(starts_on__year=int(query.values["year"]))
    if query.q:
        trainings = trainings.filter(Q(course__contains=query.q) | Q(trainer__contains=query.q)
                                     | Q(skill__contains=query.q))
    return trainings


def _counted(user, trainings):
    """The trainings with their trainees and certificates within the reader's scope."""
    seen = scope.within(user, "attendance__household__village_id")
    return trainings.annotate(trainees=Count("attendance", filter=seen),
                              certified=Count("attendance", filter=seen & Q(attendance__completed=True)
                                              & ~Q(attendance__certificate_no="")))


def _division_names(codes) -> dict[str, str]:
    return dict(Division.objects.filter(code__in=set(codes)).values_list("code", "name"))


@readers
@require_http_methods(["GET", "HEAD", "POST"])
def training_list(request):
    """Every course the user may see; a POST to the same address exports the matching ones."""
    user = request.user
    query = ListQuery(request.GET, columns=COLUMNS, filters=[_year_filter()], path=reverse("assistance:trainings"),
                      search_label=gettext_lazy("课程、工种或讲师"))
    matching = _matching(user, query)
    if request.method == "POST":
        return _export(request, matching, query)
    counts = counts_cached(user=user, name="assistance-trainings", key=query.filter_params(),
                           compute=lambda: [matching.count()])

    def rows(trainings):
        counted = {t.pk: t for t in _counted(user, Training.objects.filter(pk__in=[t.pk for t in trainings]))}
        names = _division_names(t.division_code for t in trainings)
        return [{"training": counted[t.pk], "division": names.get(t.division_code, t.division_code)}
                for t in trainings]

    page = list_page([matching.order_by(*query.order_by(tiebreak=["-starts_on", "-pk"]))], query=query,
                     counts=counts, rows=rows)
    return render(request, "assistance/trainings_list.html", {
        **list_context(query, page, labels={c.name: gettext(str(c.label)) for c in COLUMNS}),
        "may_record": user_may(user, ACTIVITIES_RECORD),
    })


def _export(request, matching, query: ListQuery):
    user = request.user
    headers = [gettext("编号"), gettext("课程"), gettext("工种或技能"), gettext("举办区划"), gettext("区划代码"),
               gettext("开始日期"), gettext("结束日期"), gettext("培训机构或讲师"), gettext("地点"), gettext("主办单位"),
               gettext("免除学费"), gettext("学员"), gettext("取得证书")]

    def rows():
        trainings = list(_counted(user, matching).order_by("-starts_on", "-pk"))
        names = _division_names(t.division_code for t in trainings)
        for t in trainings:
            yield [t.pk, t.course, t.skill, names.get(t.division_code, ""), t.division_code, t.starts_on, t.ends_on,
                   t.trainer, t.venue, t.organizer, gettext("是") if t.fees_waived else gettext("否"), t.trainees,
                   t.certified]

    return export_response(request, object_type="training_list", detail={"filters": query.filter_params()},
                           filename="技能培训-trainings", title=gettext("技能培训"), headers=headers, rows=rows())


@recorders
@require_http_methods(["GET", "HEAD", "POST"])
def training_new(request):
    form = TrainingForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                training = training_create(user=request.user, request=request, **form.cleaned_data)
            except ValidationError as refused:
                errors_onto(form, refused)
            else:
                return redirect("assistance:training", pk=training.pk)
        status = 400
    return render(request, "patterns/form.html", {
        "form": form, "title": gettext("新增培训"), "back_url": reverse("assistance:trainings"),
        "back_label": gettext("技能培训"), "cancel_url": reverse("assistance:trainings"),
    }, status=status)


def _detail(request, training: Training, *, attendance_form=None, upload_form=None, status=200):
    user = request.user
    attendance = (scope.visible_to(user, TrainingAttendance).filter(training=training)
                  .select_related("person", "household", "household__village", "measure").order_by("pk"))
    rows = list(attendance)
    may_record = user_may(user, ACTIVITIES_RECORD) and training.starts_on <= _today()
    return render(request, "assistance/trainings_detail.html", {
        "training": training, "attendance": rows,
        "division": Division.objects.filter(code=training.division_code).first(),
        "certified": sum(1 for a in rows if a.completed and a.certificate_no),
        "days": (training.ends_on - training.starts_on).days + 1,
        "may_record": may_record,
        "not_started": user_may(user, ACTIVITIES_RECORD) and training.starts_on > _today(),
        "attendance_form": attendance_form or AttendanceForm(user=user),
        "import_form": upload_form or ActivityImportForm(),
        "import_action": reverse("assistance:training_import", args=[training.pk]),
        "template_url": reverse("assistance:training_template"),
        "import_columns": columns_described(ATTENDANCE_COLUMNS),
    }, status=status)


def _today():
    return timezone.localdate()


@readers
@require_http_methods(["GET", "HEAD", "POST"])
def training_detail(request, pk):
    """One course; a POST exports its attendance (within the reader's scope)."""
    training = training_visible_or_404(request.user, pk)
    if request.method == "POST":
        return _attendance_export(request, training)
    return _detail(request, training)


def _attendance_export(request, training: Training):
    from neisheng.accounts.masking import mask_id_number

    user = request.user
    headers = [gettext("姓名"), gettext("证件号码"), gettext("户编号"), gettext("村"), gettext("出勤天数"),
               gettext("结业"), gettext("证书编号"), gettext("发证日期")]

    def rows():
        for a in (scope.visible_to(user, TrainingAttendance).filter(training=training)
                  .select_related("person", "household__village").order_by("pk")):
            yield [a.person.name, mask_id_number(a.person_id), a.household_id, a.household.village.name,
                   a.days_attended, gettext("是") if a.completed else gettext("否"), a.certificate_no,
                   a.certified_on]

    return export_response(request, object_type="training_attendance", detail={"training": training.pk},
                           filename=f"培训学员-training-{training.pk}", title=gettext("学员"), headers=headers,
                           rows=rows())


@recorders
@require_POST
def training_attendance_add(request, pk):
    training = training_visible_or_404(request.user, pk)
    form = AttendanceForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            training_attendance_record(user=request.user, training=training, person=form.person,
                                       days_attended=data["days_attended"], completed=data["completed"],
                                       certificate_no=data["certificate_no"], certified_on=data["certified_on"],
                                       note=data["note"], request=request)
        except ValidationError as refused:
            errors_onto(form, refused)
        else:
            return redirect(reverse("assistance:training", args=[training.pk]) + "#attendance")
    return _detail(request, training, attendance_form=form, status=400)


def errors_onto(form, refused: ValidationError) -> None:
    """A service's refusal onto the form: by field where the form has it, else on top."""
    if not hasattr(refused, "error_dict"):
        form.add_error(None, refused)
        return
    for field, errors in refused.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@recorders
@require_POST
def training_import(request, pk):
    training = training_visible_or_404(request.user, pk)
    answer = import_handle(request, run=lambda file: training_attendance_import(
        user=request.user, training=training, file=file, request=request))
    if hasattr(answer, "status_code"):
        return answer
    return _detail(request, training, upload_form=answer, status=400)


@recorders
@require_http_methods(["GET", "HEAD"])
def training_template(request):
    return import_template_response(ATTENDANCE_COLUMNS, "培训出勤-training-attendance")
