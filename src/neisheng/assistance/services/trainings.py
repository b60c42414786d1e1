"""The one write path of trainings (技能培训) and their attendance.

A trainee who completes a course and gets its certificate has a skill: the person's
`has_skill` is set through the registry's write path with the training named as the
reason of the change ("技能培训 #12" in the history), and the person's `skills_training`
measure is carried out (started on the course's first day, done on the certificate's
date). An activity never takes a skill away: a later correction of the attendance leaves
`has_skill` as it is (the registry's own edit page is where a wrong skill is undone).

Refusals: PermissionDenied for a role without activities.record, Http404 for a training
or person outside the user's division (as if it did not exist), ValidationError named by
field for a bad value. Every write is in the audit log under the household's village (an
attendance) or the training's division (the course).
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
    persons_resolve,
    refusal_problems,
)
from neisheng.assistance.models import ActivityImport, Training, TrainingAttendance
from neisheng.assistance.services.attendance import (
    division_under,
    division_valid,
    person_in_scope_or_404,
    sentence_shown,
)
from neisheng.measures.models import AssignedMeasure
from neisheng.measures.services import measure_carried_out, measure_step
from neisheng.platform import scope
from neisheng.platform.access import require
from neisheng.platform.workflow import TransitionRefused
from neisheng.registry.services import person_update_many

MEASURE = "skills_training"


def training_reason(training: Training) -> str:
    """The change reason the registry's history shows for a write of this training. Data,
    in the platform's data language (the history's reader translates the kind)."""
    return f"技能培训 #{training.pk}"


@transaction.atomic
def training_create(*, user, division_code: str, course: str, starts_on: dt.date, ends_on: dt.date, trainer: str,
                    skill: str = "", venue: str = "", organizer: str = "", fees_waived: bool = True,
                    request=None) -> Training:
    """A course held by a division within the user's (county, town or village). Refused:
    no course or trainer, an end before the start, a division outside the user's."""
    require(user, ACTIVITIES_RECORD)
    problems: dict[str, list] = {}
    division_valid(user, division_code, problems, field="division_code")
    if not (course or "").strip():
        problems.setdefault("course", []).append(_("请填写课程名称"))
    if not (trainer or "").strip():
        problems.setdefault("trainer", []).append(_("请填写培训机构或讲师"))
    if starts_on and ends_on and ends_on < starts_on:
        problems.setdefault("ends_on", []).append(_("结束日期不能早于开始日期"))
    if problems:
        raise ValidationError(problems)
    training = Training.objects.create(
        division_code=division_code, course=course.strip(), skill=(skill or "").strip(), starts_on=starts_on,
        ends_on=ends_on, trainer=trainer.strip(), venue=(venue or "").strip(), organizer=(organizer or "").strip(),
        fees_waived=fees_waived, created_by=user)
    audit_record(user=user, action="create", division_code=division_code, object_type="training",
                 object_id=str(training.pk),
                 detail={"course": training.course, "starts_on": str(starts_on), "ends_on": str(ends_on)},
                 request=request)
    return training


def training_visible_or_404(user, pk) -> Training:
    """A training the user may see: one held by their division, one under it, or one
    held above it (a county's course is open to its villages' people)."""
    training = scope.visible_to(user, Training, ancestors=True).filter(pk=pk).first()
    if training is None:
        raise Http404("未找到该培训 / no such training")
    return training


@transaction.atomic
def training_attendance_record(*, user, training: Training, person, days_attended: int, completed: bool,
                               certificate_no: str = "", certified_on: dt.date | None = None, note: str = "",
                               request=None) -> TrainingAttendance:
    """Record (or correct) one trainee's attendance: days, completed or not, the
    certificate. A certificate gives the person `has_skill` and completes their
    `skills_training` measure. Refused: a course not yet begun, a person outside the
    training's division or not living, more days than the course has, a certificate
    without completing the course, a certificate number without its date (or the
    reverse), a certificate dated before the course or in the future."""
    require(user, ACTIVITIES_RECORD)
    training = training_visible_or_404(user, training.pk)
    person = person_in_scope_or_404(user, person)
    household = person.household
    today = timezone.localdate()
    certificate_no = (certificate_no or "").strip()
    problems: dict[str, list] = {}
    if training.starts_on > today:
        problems.setdefault("__all__", []).append(_("培训尚未开始,不能登记出勤"))
    if not division_under(household.village_id, training.division_code):
        problems.setdefault("person", []).append(_("此人不在举办培训的区划内"))
    if not person.alive:
        problems.setdefault("person", []).append(_("此人已去世"))
    course_days = (training.ends_on - training.starts_on).days + 1
    if days_attended is None or days_attended < 0:
        problems.setdefault("days_attended", []).append(_("出勤天数不能为负数"))
    elif days_attended > course_days:
        problems.setdefault("days_attended", []).append(
            ValidationError(_("出勤天数超过培训天数(%(days)s 天)"), params={"days": course_days}))
    if certificate_no and not certified_on:
        problems.setdefault("certified_on", []).append(_("有证书编号时请填写发证日期"))
    if certified_on and not certificate_no:
        problems.setdefault("certificate_no", []).append(_("有发证日期时请填写证书编号"))
    if (certificate_no or certified_on) and not completed:
        problems.setdefault("completed", []).append(_("未结业的学员不能有结业证书"))
    if certified_on and certified_on < training.starts_on:
        problems.setdefault("certified_on", []).append(_("发证日期不能早于培训开始日期"))
    if certified_on and certified_on > today:
        problems.setdefault("certified_on", []).append(_("发证日期不能晚于今天"))
    if problems:
        raise ValidationError(problems)

    attendance = (TrainingAttendance.objects.select_for_update()
                  .filter(training=training, person=person).first())
    new = attendance is None
    if new:
        attendance = TrainingAttendance(training=training, person=person, household=household, recorded_by=user)
    before = None if new else {"days_attended": attendance.days_attended, "completed": attendance.completed,
                               "certificate_no": attendance.certificate_no,
                               "certified_on": str(attendance.certified_on or "")}
    attendance.days_attended = days_attended
    attendance.completed = completed
    attendance.certificate_no = certificate_no
    attendance.certified_on = certified_on
    if note:
        attendance.note = note
    certified = bool(completed and certificate_no)
    reason = training_reason(training)
    why = f"{reason} {training.course}"
    responsible = training.organizer or training.trainer
    measure = attendance.measure
    try:
        if measure is None or measure.state == AssignedMeasure.State.ABANDONED:
            measure = measure_carried_out(user=user, household=household, person_id=person.person_id,
                                          measure=MEASURE, on=training.starts_on, responsible=responsible,
                                          done=False, why=why)
        if certified and measure.state != AssignedMeasure.State.DONE:
            measure = measure_step(user=user, measure=measure, step="complete", effective_on=certified_on,
                                   reason=why, outcome=f"结业并取得证书 {certificate_no}")
    except TransitionRefused as refused:
        raise ValidationError({"__all__": [sentence_shown(refused)]}) from None
    attendance.measure = measure
    attendance.save()

    skill_given = False
    if certified and not person.has_skill:
        person_update_many(user=user, changes=[(person, {"has_skill": True})], change_reason=reason)
        skill_given = True
    after = {"days_attended": days_attended, "completed": completed, "certificate_no": certificate_no,
             "certified_on": str(certified_on or "")}
    audit_record(user=user, action="create" if new else "update", division_code=household.village_id,
                 object_type="training_attendance", object_id=str(attendance.pk),
                 detail={"training": training.pk, "household": household.household_id, **after,
                         **({"before": before} if before else {}), "has_skill_set": skill_given,
                         "measure": measure.pk},
                 request=request)
    return attendance


# --------------------------------------------------------------------------- attendance sheets

ATTENDANCE_COLUMNS = (
    ImportColumn("person_id", "证件号码", "id_number"),
    ImportColumn("name", "姓名", "text", max_length=64),
    ImportColumn("days_attended", "出勤天数", "int", minimum=0, maximum=366),
    ImportColumn("completed", "是否结业", "bool"),
    ImportColumn("certificate_no", "证书编号", "text", required=False, max_length=60),
    ImportColumn("certified_on", "发证日期", "date", required=False),
    ImportColumn("note", "备注", "text", required=False, max_length=500),
)
_BY_FIELD = {"person": ATTENDANCE_COLUMNS[0], "days_attended": ATTENDANCE_COLUMNS[2],
             "completed": ATTENDANCE_COLUMNS[3], "certificate_no": ATTENDANCE_COLUMNS[4],
             "certified_on": ATTENDANCE_COLUMNS[5]}


def training_attendance_import(*, user, training: Training, file, request=None) -> ActivityImport:
    """A training's attendance sheet (ATTENDANCE_COLUMNS), all or nothing: a person not
    registered within the user's scope, a name that is not the registry's, the same
    person twice, or any row the service refuses, and nothing is written."""
    require(user, ACTIVITIES_RECORD)
    training = training_visible_or_404(user, training.pk)

    def apply_rows(rows: list[dict]) -> list[RowProblem]:
        people, problems = persons_resolve(user=user, rows=rows, id_column=ATTENDANCE_COLUMNS[0],
                                           name_column=ATTENDANCE_COLUMNS[1])
        if problems:
            return problems
        for row in rows:
            try:
                with transaction.atomic():
                    training_attendance_record(
                        user=user, training=training, person=people[row["row"]],
                        days_attended=row["days_attended"], completed=row["completed"],
                        certificate_no=row["certificate_no"] or "", certified_on=row["certified_on"],
                        note=row["note"] or "", request=request)
            except (ValidationError, Http404, PermissionDenied) as refused:
                problems += refusal_problems(row["row"], refused, _BY_FIELD)
        return problems

    # The sheet is the training's: it is kept under the division the user records from.
    return activity_import(user=user, kind=ActivityImport.Kind.TRAINING_ATTENDANCE, file=file,
                           division_code=_import_division(user, training.division_code),
                           columns=ATTENDANCE_COLUMNS, apply_rows=apply_rows, training=training, request=request)


def _import_division(user, division_code: str) -> str:
    """The division an import is kept under: the activity's, or the user's own when the
    activity is held above it (a village cadre's sheet for a county course is theirs)."""
    if scope.code_is_within(user, division_code):
        return division_code
    return user.division_id
