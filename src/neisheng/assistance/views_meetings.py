"""Lectures' and village meetings' pages (宣讲, 议事): the list (with its Excel export), a
new meeting, and one meeting with the households that attended, the form adding one and
the import of an attendance sheet. Seen as trainings are (views_trainings)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from neisheng.accounts.access import ACTIVITIES_RECORD, PERSONS_READ, user_may
from neisheng.assistance.forms_trainings import MeetingAttendanceForm, MeetingForm
from neisheng.assistance.imports import ActivityImportForm
from neisheng.assistance.models import Meeting, MeetingAttendance
from neisheng.assistance.services.meetings import (
    ATTENDANCE_COLUMNS,
    meeting_attendance_import,
    meeting_attendance_record,
    meeting_create,
    meeting_visible_or_404,
)
from neisheng.assistance.views_imports import (
    columns_described,
    import_handle,
    import_template_response,
)
from neisheng.assistance.views_trainings import errors_onto
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
    Column("topic", gettext_lazy("主题"), order_by=("topic",), css="primary"),
    Column("kind", gettext_lazy("类型"), order_by=("kind",)),
    Column("division", gettext_lazy("举办区划")),
    Column("held_on", gettext_lazy("日期"), order_by=("held_on",), css="primary"),
    Column("host", gettext_lazy("主持人或宣讲人")),
    Column("households", gettext_lazy("参加户数"), numeric=True),
]


def _filters() -> list[Filter]:
    years = Meeting.objects.dates("held_on", "year", order="DESC")
    return [Filter("kind", gettext_lazy("类型"), choices=list(Meeting.Kind.choices)),
            Filter("year", gettext_lazy("年度"), choices=[(str(d.year), str(d.year)) for d in years], translate=False)]


def _matching(user, query: ListQuery):
    meetings = scope.visible_to(user, Meeting, ancestors=True)
    if query.values.get("kind"):
        meetings = meetings.filter(kind=query.values["kind"])
    if query.values.get("year"):
        meetings = meetings.filter(held_on__year=int(query.values["year"]))
    if query.q:
        meetings = meetings.filter(Q(topic__contains=query.q) | Q(host__contains=query.q))
    return meetings


def _counted(user, meetings):
    return meetings.annotate(households=Count("attendance", filter=scope.within(user, "attendance__household__village_id")))


def _division_names(codes) -> dict[str, str]:
    return dict(Division.objects.filter(code__in=set(codes)).values_list("code", "name"))


@readers
@require_http_methods(["GET", "HEAD", "POST"])
def meeting_list(request):
    user = request.user
    query = ListQuery(request.GET, columns=COLUMNS, filters=_filters(), path=reverse("assistance:meetings"),
                      search_label=gettext_lazy("主题或主持人"))
    matching = _matching(user, query)
    if request.method == "POST":
        return _export(request, matching, query)
    counts = counts_cached(user=user, name="assistance-meetings", key=query.filter_params(),
                           compute=lambda: [matching.count()])

    def rows(meetings):
        counted = {m.pk: m for m in _counted(user, Meeting.objects.filter(pk__in=[m.pk for m in meetings]))}
        names = _division_names(m.division_code for m in meetings)
        return [{"meeting": counted[m.pk], "division": names.get(m.division_code, m.division_code)}
                for m in meetings]

    page = list_page([matching.order_by(*query.order_by(tiebreak=["-held_on", "-pk"]))], query=query,
                     counts=counts, rows=rows)
    return render(request, "assistance/meetings_list.html", {
        **list_context(query, page, labels={c.name: gettext(str(c.label)) for c in COLUMNS}),
        "may_record": user_may(user, ACTIVITIES_RECORD),
    })


def _export(request, matching, query: ListQuery):
    user = request.user
    headers = [gettext("编号"), gettext("主题"), gettext("类型"), gettext("举办区划"), gettext("区划代码"), gettext("日期"),
               gettext("主持人或宣讲人"), gettext("参加户数")]

    def rows():
        meetings = list(_counted(user, matching).order_by("-held_on", "-pk"))
        names = _division_names(m.division_code for m in meetings)
        for m in meetings:
            yield [m.pk, m.topic, gettext(m.get_kind_display()), names.get(m.division_code, ""), m.division_code,
                   m.held_on, m.host, m.households]

    return export_response(request, object_type="meeting_list", detail={"filters": query.filter_params()},
                           filename="宣讲和议事-meetings", title=gettext("宣讲和议事"), headers=headers, rows=rows())


@recorders
@require_http_methods(["GET", "HEAD", "POST"])
def meeting_new(request):
    form = MeetingForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                meeting = meeting_create(user=request.user, request=request, **form.cleaned_data)
            except ValidationError as refused:
                errors_onto(form, refused)
            else:
                return redirect("assistance:meeting", pk=meeting.pk)
        status = 400
    return render(request, "patterns/form.html", {
        "form": form, "title": gettext("新增会议"), "back_url": reverse("assistance:meetings"),
        "back_label": gettext("宣讲和议事"), "cancel_url": reverse("assistance:meetings"),
    }, status=status)


def _detail(request, meeting: Meeting, *, attendance_form=None, upload_form=None, status=200):
    user = request.user
    attendance = list(scope.visible_to(user, MeetingAttendance).filter(meeting=meeting)
                      .select_related("person", "household", "household__village").order_by("pk"))
    head_names = _heads([a.household_id for a in attendance])
    return render(request, "assistance/meetings_detail.html", {
        "meeting": meeting, "attendance": [{"a": a, "head": head_names.get(a.household_id, "")} for a in attendance],
        "division": Division.objects.filter(code=meeting.division_code).first(),
        "may_record": user_may(user, ACTIVITIES_RECORD),
        "attendance_form": attendance_form or MeetingAttendanceForm(user=user),
        "import_form": upload_form or ActivityImportForm(),
        "import_action": reverse("assistance:meeting_import", args=[meeting.pk]),
        "template_url": reverse("assistance:meeting_template"),
        "import_columns": columns_described(ATTENDANCE_COLUMNS),
    }, status=status)


def _heads(household_ids) -> dict[str, str]:
    from neisheng.registry.models import Person

    return dict(Person.objects.filter(household_id__in=household_ids, relation="head")
                .values_list("household_id", "name"))


@readers
@require_http_methods(["GET", "HEAD", "POST"])
def meeting_detail(request, pk):
    """One meeting; a POST exports the households that attended (within the reader's scope)."""
    meeting = meeting_visible_or_404(request.user, pk)
    if request.method == "POST":
        return _attendance_export(request, meeting)
    return _detail(request, meeting)


def _attendance_export(request, meeting: Meeting):
    user = request.user
    attendance = list(scope.visible_to(user, MeetingAttendance).filter(meeting=meeting)
                      .select_related("person", "household__village").order_by("pk"))
    heads = _heads([a.household_id for a in attendance])
    headers = [gettext("户编号"), gettext("户主"), gettext("村"), gettext("参加成员")]
    rows = ([a.household_id, heads.get(a.household_id, ""), a.household.village.name,
             a.person.name if a.person else ""] for a in attendance)
    return export_response(request, object_type="meeting_attendance", detail={"meeting": meeting.pk},
                           filename=f"参会农户-meeting-{meeting.pk}", title=gettext("参加农户"), headers=headers,
                           rows=rows)


@recorders
@require_POST
def meeting_attendance_add(request, pk):
    meeting = meeting_visible_or_404(request.user, pk)
    form = MeetingAttendanceForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            meeting_attendance_record(user=request.user, meeting=meeting, household=form.household,
                                      person=form.person, note=form.cleaned_data["note"], request=request)
        except ValidationError as refused:
            errors_onto(form, refused)
        else:
            return redirect(reverse("assistance:meeting", args=[meeting.pk]) + "#attendance")
    return _detail(request, meeting, attendance_form=form, status=400)


@recorders
@require_POST
def meeting_import(request, pk):
    meeting = meeting_visible_or_404(request.user, pk)
    answer = import_handle(request, run=lambda file: meeting_attendance_import(
        user=request.user, meeting=meeting, file=file, request=request))
    if hasattr(answer, "status_code"):
        return answer
    return _detail(request, meeting, upload_form=answer, status=400)


@recorders
@require_http_methods(["GET", "HEAD"])
def meeting_template(request):
    return import_template_response(ATTENDANCE_COLUMNS, "会议参加-meeting-attendance")
