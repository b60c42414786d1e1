"""Reads of household files, always through platform.scope.

- Documents, versions and students' files name households and persons: ARCHIVES_READ
  and PERSONS_READ (PermissionDenied otherwise), rows of the user's division and below.
- `provided_documents`: the documents other apps already hold for a household, listed in
  its file without being copied (a case's steps and notice, the assistance plan, visits
  and their photos, a problem's evidence), each under a category and a type.
- `completeness_for`: the engine's check over the households in scope, counting both
  the uploaded and the provided documents. Figures (ARCHIVES_FIGURES) name no one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy, pgettext_lazy

from neisheng.accounts.access import ARCHIVES_READ, PERSONS_READ
from neisheng.archives.models import Document, DocumentVersion, StudentAid, StudentFile, StudentPlan
from neisheng.engine import archives as engine
from neisheng.platform import scope
from neisheng.platform.access import require
from neisheng.registry.models import Division, Household


def _readable(user) -> None:
    for capability in (ARCHIVES_READ, PERSONS_READ):
        require(user, capability)


def documents_visible(user):
    _readable(user)
    return scope.visible_to(user, Document)


def versions_visible(user):
    _readable(user)
    return scope.visible_to(user, DocumentVersion)


def student_files_visible(user):
    _readable(user)
    return scope.visible_to(user, StudentFile)


def households_visible(user):
    return scope.visible_to(user, Household)


def households_under(households, division: Division):
    """`households` in the villages under `division` (one indexed range on the village code)."""
    return households.filter(village_id__gte=division.prefix.ljust(12, "0"),
                             village_id__lte=division.prefix.ljust(12, "9"))


# --------------------------------------------------------------------------- what other apps hold


@dataclass(frozen=True)
class Provided:
    """A document another app holds for the household: shown in its file, linked where
    it lives, counted by the completeness check; never copied."""

    household_id: str
    category: str
    doc_type: str
    title: Promise | str
    dated_on: dt.date | None
    url: str
    source: Promise

    @property
    def doc_type_label(self):
        from neisheng.archives.models import DOCUMENT_TYPE_LABELS

        return DOCUMENT_TYPE_LABELS[self.doc_type]


CASE_STEP_DOCUMENTS = {
    # a case's step -> what it leaves in the file (cases.md's steps)
    "verified": ("identification", "verification", gettext_lazy("入户核实记录")),
    "village_reviewed": ("identification", "review_record", gettext_lazy("民主评议记录")),
    "publicized": ("identification", "publicity", gettext_lazy("公示记录")),
    "monitoring": ("identification", "approval_form", gettext_lazy("县级审批记录")),
    "risk_eliminated": ("exit", "exit_confirmation", gettext_lazy("风险消除审批记录")),
}
SOURCE_CASE = gettext_lazy("监测对象识别")
SOURCE_PLAN = gettext_lazy("帮扶计划")
SOURCE_VISIT = pgettext_lazy("navigation", "走访")
SOURCE_PROBLEM = gettext_lazy("问题整改")


def provided_documents(households) -> list[Provided]:
    """What the cases, measures, visits and problems apps hold for `households` (a
    queryset of households, already in the reader's scope)."""
    from neisheng.cases.models import CaseStep, Channel, MonitoringCase
    from neisheng.measures.models import AssignedMeasure
    from neisheng.problems.models import Evidence
    from neisheng.visits.models import Photo, Visit

    ids = households.values("pk")
    found: list[Provided] = []
    for case_id, household_id, reported_on in (MonitoringCase.objects.filter(
            household__in=ids, channel=Channel.SELF_REPORT).values_list("pk", "household_id", "reported_on")):
        found.append(Provided(household_id, "identification", "application", gettext_lazy("农户自主申报"),
                              reported_on, reverse("cases:detail", args=[case_id]), SOURCE_CASE))
    steps = (CaseStep.objects.filter(case__household__in=ids)
             .values_list("pk", "case_id", "case__household_id", "to_state", "transition__effective_on",
                          "consent_scan", "case__notice_start").order_by("pk"))
    for step_id, case_id, household_id, to_state, on, scan, notice_start in steps:
        case_url = reverse("cases:detail", args=[case_id])
        if scan:
            found.append(Provided(household_id, "identification", "consent", gettext_lazy("承诺授权书扫描件"), on,
                                  reverse("cases:consent_scan", args=[case_id, step_id]), SOURCE_CASE))
        if to_state in CASE_STEP_DOCUMENTS:
            category, doc_type, title = CASE_STEP_DOCUMENTS[to_state]
            url = reverse("cases:notice", args=[case_id]) if to_state == "publicized" and notice_start else case_url
            found.append(Provided(household_id, category, doc_type, title, on, url, SOURCE_CASE))
    # The plan (一户一策) is drawn from the measures assigned: with none there is no plan yet.
    for household_id, first in _first_dates(AssignedMeasure.objects.filter(household__in=ids), "assigned_on"):
        found.append(Provided(household_id, "measures", "assistance_plan", gettext_lazy("帮扶计划(一户一策)"), first,
                              reverse("assistance:plan", args=[household_id]), SOURCE_PLAN))
    for visit_id, household_id, on in Visit.objects.filter(household__in=ids).values_list(
            "pk", "household_id", "visited_on"):
        found.append(Provided(household_id, "general", "visit_record", gettext_lazy("走访记录"), on,
                              reverse("visits:detail", args=[visit_id]), SOURCE_VISIT))
    for photo_id, visit_id, household_id, on in Photo.objects.filter(visit__household__in=ids).values_list(
            "pk", "visit_id", "visit__household_id", "visit__visited_on"):
        found.append(Provided(household_id, "general", "photo", gettext_lazy("走访照片"), on,
                              reverse("visits:photo", args=[visit_id, photo_id]), SOURCE_VISIT))
    for evidence_id, problem_id, household_id, content_type, uploaded_at in Evidence.objects.filter(
            problem__household__in=ids).values_list("pk", "problem_id", "problem__household_id", "content_type",
                                                     "uploaded_at"):
        found.append(Provided(household_id, "measures", "photo" if content_type.startswith("image/") else "other",
                              gettext_lazy("整改佐证"), uploaded_at.date(),
                              reverse("problems:evidence", args=[problem_id, evidence_id]), SOURCE_PROBLEM))
    return found


def _first_dates(rows, field: str):
    from django.db.models import Min

    return rows.values("household_id").annotate(first=Min(field)).values_list("household_id", "first")


# --------------------------------------------------------------------------- completeness


def _required_statuses(policy) -> list[str]:
    return [status for status, categories in policy.archives_required if categories]


def completeness_of(households, policy=None) -> engine.Completeness:
    """The engine's check over `households` (a queryset in the reader's scope) of the
    statuses the policy lists."""
    from neisheng.archives.services import archives_policy

    policy = policy or archives_policy()
    checked = households.filter(status__in=_required_statuses(policy))
    rows = list(checked.order_by("household_id").values_list("household_id", "village_id", "status"))
    uploaded = Document.objects.filter(household__in=checked.values("pk")).values_list(
        "household_id", "category", "doc_type")
    provided = ((p.household_id, p.category, p.doc_type) for p in provided_documents(checked))
    return engine.completeness(rows, [*uploaded, *provided], policy.archives_required_for)


def household_completeness(household: Household, policy=None) -> tuple[engine.Completeness, int]:
    """`completeness_of` one household the page has read already, and how many documents
    were uploaded for it: its status says whether it is checked (no query, and nothing
    else is read when it is not), and its documents are read once for both."""
    from neisheng.archives.services import archives_policy

    policy = policy or archives_policy()
    uploaded = list(Document.objects.filter(household=household).values_list("household_id", "category", "doc_type"))
    if household.status not in _required_statuses(policy):
        return engine.completeness([], [], policy.archives_required_for), len(uploaded)
    provided = ((p.household_id, p.category, p.doc_type)
                for p in provided_documents(Household.objects.filter(pk=household.pk)))
    return engine.completeness([(household.pk, household.village_id, household.status)], [*uploaded, *provided],
                               policy.archives_required_for), len(uploaded)


def completeness_for(user, division_code: str = "", policy=None) -> engine.Completeness:
    """The check over the households under the user's division (and under
    `division_code`, when given and in scope)."""
    households = households_visible(user)
    if division_code:
        division = Division.objects.filter(code=division_code).first()
        if division is None or not scope.code_is_within(user, division.code) and not _above(user, division):
            households = households.none()
        else:
            households = households_under(households, division)
    return completeness_of(households, policy)


def _above(user, division) -> bool:
    """A town officer may filter by their county's code: the county is above, the rows
    are still theirs."""
    return user.division_id is not None and user.division.code.startswith(division.prefix)


def household_file(household: Household, policy=None) -> dict:
    """A household's whole file: per category its uploaded documents (with their versions)
    and the provided ones, what is missing, and the students' files."""
    from neisheng.archives.models import CATEGORY_LABELS, DOCUMENT_TYPE_LABELS
    from neisheng.archives.services import archives_policy

    policy = policy or archives_policy()
    documents = list(Document.objects.filter(household=household).select_related("person")
                     .prefetch_related("versions__uploaded_by").order_by("category", "doc_type", "-dated_on", "pk"))
    provided = provided_documents(Household.objects.filter(pk=household.pk))
    gaps = engine.completeness([(household.pk, household.village_id, household.status)],
                               [*((d.household_id, d.category, d.doc_type) for d in documents),
                                *((p.household_id, p.category, p.doc_type) for p in provided)],
                               policy.archives_required_for)
    missing = gaps.households[0].missing if gaps.households else ()
    required = policy.archives_required_for(household.status)
    categories = []
    for code, label in CATEGORY_LABELS.items():
        own = [d for d in documents if d.category == code]
        for document in own:
            document.version_list = sorted(document.versions.all(), key=lambda v: -v.number)
        categories.append({
            "code": code, "label": label, "documents": own,
            "provided": sorted((p for p in provided if p.category == code),
                               key=lambda p: (p.doc_type, p.dated_on or dt.date.min)),
            "missing": [{"code": t, "label": DOCUMENT_TYPE_LABELS[t]} for c, t in missing if c == code],
            "required": [DOCUMENT_TYPE_LABELS[t] for t in required.get(code, ())],
        })
    students = list(StudentFile.objects.filter(household=household).select_related("person")
                    .prefetch_related("aid", "plans").order_by("pk"))
    return {"categories": categories, "missing_count": len(missing), "checked": bool(gaps.households),
            "required_count": gaps.households[0].required if gaps.households else 0,
            "documents": documents, "provided": provided, "students": students}


# --------------------------------------------------------------------------- students


def aid_recorded_elsewhere(student: StudentFile) -> list:
    """Education aid the assistance app recorded for the student (雨露计划 and others),
    listed beside the rows of the file."""
    from neisheng.assistance.models import EducationAid

    return list(EducationAid.objects.filter(person_id=student.person_id).order_by("-year", "term", "pk"))


def student_file_rows(student: StudentFile) -> dict:
    return {"aid": list(StudentAid.objects.filter(student=student).order_by("-year", "pk")),
            "plans": list(StudentPlan.objects.filter(student=student).select_related("recorded_by")
                          .order_by("-number")),
            "aid_elsewhere": aid_recorded_elsewhere(student)}
