"""The one write path of lectures and village meetings (宣讲, 议事, 示范户分享) and who
attended them.

A household that attends takes part in village affairs: its `participates_village_affairs`
is set through the registry's write path with the meeting named as the reason of the
change ("会议参加 #3" in the history), and its `morale_support` measure is carried out
(done on the day of its first meeting: attending is what the measure asks; later meetings
belong to the same measure). An activity never
takes the flag away.

Refusals as in `trainings`: PermissionDenied, Http404 outside the user's division,
ValidationError named by field.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from neisheng.accounts.access import ACTIVITIES_RECORD
from neisheng.accounts.services import audit_record
from neisheng.assistance.imports import (
    ImportColumn,
    RowProblem,
    activity_import,
    households_resolve,
    persons_resolve,
    problem,
    refusal_problems,
)
from neisheng.assistance.models import ActivityImport, Meeting, MeetingAttendance
from neisheng.assistance.services.attendance import (
    division_under,
    division_valid,
    household_in_scope_or_404,
    person_in_scope_or_404,
    sentence_shown,
)
from neisheng.measures.models import AssignedMeasure
from neisheng.measures.services import measure_carried_out
from neisheng.platform import scope
from neisheng.platform.access import require
from neisheng.platform.workflow import TransitionRefused
from neisheng.registry.services import household_update_many

MEASURE = "morale_support"
# The history's reason (registry.selectors.history: "<活动名> #<id>", the name a msgid of
# context "change"): data, in the platform's data language.
REASON_NAME = "会议参加"


def meeting_reason(meeting: Meeting) -> str:
    return f"{REASON_NAME} #{meeting.pk}"


@transaction.atomic
def meeting_create(*, user, division_code: str, kind: str, held_on: dt.date, topic: str, host: str = "",
                   minutes: str = "", request=None) -> Meeting:
    """A lecture or meeting held in a division within the user's. Refused: an unknown
    kind, no topic, a date in the future (a meeting is recorded once it was held)."""
    require(user, ACTIVITIES_RECORD)
    problems: dict[str, list] = {}
    division_valid(user, division_code, problems, field="division_code")
    if kind not in Meeting.Kind.values:
        problems.setdefault("kind", []).append(_("请选择会议类型"))
    if not (topic or "").strip():
        problems.setdefault("topic", []).append(_("请填写主题"))
    if held_on is None:
        problems.setdefault("held_on", []).append(_("请填写日期"))
    elif held_on > timezone.localdate():
        problems.setdefault("held_on", []).append(_("日期不能晚于今天"))
    if problems:
        raise ValidationError(problems)
    meeting = Meeting.objects.create(division_code=division_code, kind=kind, held_on=held_on, topic=topic.strip(),
                                     host=(host or "").strip(), minutes=(minutes or "").strip(), created_by=user)
    audit_record(user=user, action="create", division_code=division_code, object_type="meeting",
                 object_id=str(meeting.pk), detail={"kind": kind, "held_on": str(held_on), "topic": meeting.topic},
                 request=request)
    return meeting


def meeting_visible_or_404(user, pk) -> Meeting:
    """A meeting the user may see: held in their division, under it, or above it."""
    meeting = scope.visible_to(user, Meeting, ancestors=True).filter(pk=pk).first()
    if meeting is None:
        raise Http404("未找到该会议 / no such meeting")
    return meeting


@transaction.atomic
def meeting_attendance_record(*, user, meeting: Meeting, household, person=None, note: str = "",
                              request=None) -> MeetingAttendance:
    """Record that `household` (through `person`, its member who came, when known)
    attended. Refused: a household outside the meeting's division, a person not a living
    member of it, a household already recorded for this meeting."""
    require(user, ACTIVITIES_RECORD)
    meeting = meeting_visible_or_404(user, meeting.pk)
    household = household_in_scope_or_404(user, household)
    if person is not None:
        person = person_in_scope_or_404(user, person)
    problems: dict[str, list] = {}
    if not division_under(household.village_id, meeting.division_code):
        problems.setdefault("household", []).append(_("该户不在举办会议的区划内"))
    if person is not None and (person.household_id != household.household_id or not person.alive):
        problems.setdefault("person", []).append(_("此人不是该户在世成员"))
    if MeetingAttendance.objects.filter(meeting=meeting, household=household).exists():
        problems.setdefault("household", []).append(_("该户已登记参加此会议"))
    if problems:
        raise ValidationError(problems)
    reason = meeting_reason(meeting)
    # One morale_support measure per household, carried out by its first meeting: later
    # meetings belong to it, so ten meetings are not ten measures for the evaluation.
    earlier = (MeetingAttendance.objects.filter(household=household, measure__isnull=False)
               .exclude(measure__state=AssignedMeasure.State.ABANDONED).select_related("measure")
               .order_by("pk").first())
    try:
        measure = earlier.measure if earlier is not None else measure_carried_out(user=user, household=household, person_id="", measure=MEASURE,
                                      on=meeting.held_on, responsible=meeting.host or reason, done=True,
                                      outcome=f"参加会议:{meeting.topic}({reason})",
                                      why=f"{reason} {meeting.topic}")
    except TransitionRefused as refused:
        raise ValidationError({"__all__": [sentence_shown(refused)]}) from None
    attendance = MeetingAttendance.objects.create(meeting=meeting, household=household, person=person,
                                                  measure=measure, note=(note or "").strip(), recorded_by=user)
    flag_set = False
    if not household.participates_village_affairs:
        household_update_many(user=user, changes=[(household, {"participates_village_affairs": True})],
                              change_reason=reason)
        flag_set = True
    audit_record(user=user, action="create", division_code=household.village_id, object_type="meeting_attendance",
                 object_id=str(attendance.pk),
                 detail={"meeting": meeting.pk, "household": household.household_id, "person": person is not None,
                         "participates_village_affairs_set": flag_set, "measure": measure.pk},
                 request=request)
    return attendance


# --------------------------------------------------------------------------- attendance sheets

ATTENDANCE_COLUMNS = (
    ImportColumn("person_id", "证件号码", "id_number", required=False),
    ImportColumn("household_id", "户编号", "text", required=False, max_length=32),
    ImportColumn("name", "姓名", "text", required=False, max_length=64),
    ImportColumn("note", "备注", "text", required=False, max_length=500),
)
_PERSON, _HOUSEHOLD, _NAME, _NOTE = ATTENDANCE_COLUMNS
_BY_FIELD = {"household": _HOUSEHOLD, "person": _PERSON}


def meeting_attendance_import(*, user, meeting: Meeting, file, request=None) -> ActivityImport:
    """A meeting's attendance sheet (ATTENDANCE_COLUMNS): each row names the member who
    came (证件号码, with 姓名 checked against the registry) or the household (户编号), or
    both (then the member must be of that household). All or nothing, as every import."""
    require(user, ACTIVITIES_RECORD)
    meeting = meeting_visible_or_404(user, meeting.pk)

    def apply_rows(rows: list[dict]) -> list[RowProblem]:
        problems: list[RowProblem] = []
        for row in rows:
            if not row["person_id"] and not row["household_id"]:
                problems.append(problem(row["row"], _PERSON, "", "请填写证件号码或户编号",
                                        "give the ID number or the household number"))
        people, found = persons_resolve(user=user, rows=rows, id_column=_PERSON, name_column=_NAME, once=False)
        problems += found
        households, found = households_resolve(user=user, rows=rows, column=_HOUSEHOLD, once=False)
        problems += found
        first_row: dict[str, int] = {}
        targets = {}
        for row in rows:
            number = row["row"]
            person, household = people.get(number), households.get(number)
            if person is not None and household is not None and person.household_id != household.household_id:
                problems.append(problem(number, _PERSON, row["person_id"], "此人不是该户成员",
                                        "this person is not a member of that household"))
                continue
            household = household or (person.household if person is not None else None)
            if household is None:
                continue
            if household.household_id in first_row:
                problems.append(problem(number, _HOUSEHOLD if row["household_id"] else _PERSON,
                                        row["household_id"] or row["person_id"],
                                        f"与第 {first_row[household.household_id]} 行是同一户",
                                        f"the same household as row {first_row[household.household_id]}"))
                continue
            first_row[household.household_id] = number
            targets[number] = (household, person)
        if problems:
            return problems
        for row in rows:
            household, person = targets[row["row"]]
            try:
                with transaction.atomic():
                    meeting_attendance_record(user=user, meeting=meeting, household=household, person=person,
                                              note=row["note"] or "", request=request)
            except (ValidationError, Http404, PermissionDenied) as refused:
                problems += refusal_problems(row["row"], refused, _BY_FIELD)
        return problems

    division = meeting.division_code if scope.code_is_within(user, meeting.division_code) else user.division_id
    return activity_import(user=user, kind=ActivityImport.Kind.MEETING_ATTENDANCE, file=file, division_code=division,
                           columns=ATTENDANCE_COLUMNS, apply_rows=apply_rows, meeting=meeting, request=request)
