"""The household page's "帮扶活动" card (platform.extensions.household_section_add): every
part the household (or one of its members) took in an activity — trainings, meetings, job
placements, welfare posts, industry, microcredit, education aid, insurance — newest
first, each linking to the activity. Shown only when there is one."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Value
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy

from neisheng.accounts.access import PERSONS_READ, user_may
from neisheng.assistance import models
from neisheng.platform import scope

SHOWN = 20


@dataclass(frozen=True)
class Kind:
    """How one activity model shows on the card: its label, the day it happened, what it
    was (data), and the page it links to (the first route of `routes` that exists, so an
    area's page joins once its route does)."""

    model: type
    label: object
    day: str  # attribute path of the date the rows are ordered by
    related: tuple[str, ...]
    routes: tuple[str, ...]
    link_pk: str = "pk"  # attribute path of the pk the route takes


KINDS = (
    Kind(models.TrainingAttendance, gettext_lazy("技能培训"), "training.starts_on", ("training", "person"),
         ("assistance:training",), "training_id"),
    Kind(models.MeetingAttendance, gettext_lazy("宣讲和议事"), "meeting.held_on", ("meeting", "person"),
         ("assistance:meeting",), "meeting_id"),
    Kind(models.JobPlacement, gettext_lazy("就业帮扶"), "starts_on", ("person",), ("assistance:placement",)),
    Kind(models.WelfarePost, gettext_lazy("公益岗位"), "starts_on", ("person", "village"), ("assistance:post",)),
    Kind(models.IndustryParticipation, gettext_lazy("产业帮扶"), "joined_on", ("person",),
         ("assistance:industry_detail",)),
    Kind(models.Microcredit, gettext_lazy("小额信贷"), "lent_on", ("person",),
         ("assistance:credit_detail", "assistance:loan", "assistance:credit")),
    Kind(models.EducationAid, gettext_lazy("教育资助"), "paid_on", ("person",),
         ("assistance:aid_detail", "assistance:aid")),
    Kind(models.InsuranceEnrolment, gettext_lazy("参保资助"), "enrolled_on", ("person",),
         ("assistance:insurance_detail", "assistance:insurance")),
)


def _path(obj, path: str):
    for part in path.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def _link(kind: Kind, record) -> str | None:
    pk = _path(record, kind.link_pk)
    for route in kind.routes:
        try:
            return reverse(route, args=[pk])
        except NoReverseMatch:
            continue
    return None


def _what(record) -> dict:
    """What the participation was, in data (translate="no") and in words (translated)."""
    if isinstance(record, models.TrainingAttendance):
        words = []
        if record.completed:
            words.append(gettext_lazy("结业"))
        if record.certificate_no:
            words.append(gettext_lazy("取得证书"))
        return {"data": record.training.course, "words": words}
    if isinstance(record, models.MeetingAttendance):
        return {"data": record.meeting.topic, "words": [record.meeting.get_kind_display()]}
    if isinstance(record, models.JobPlacement):
        return {"data": " ".join(x for x in (record.employer, record.job) if x), "words": []}
    if isinstance(record, models.WelfarePost):
        return {"data": record.post, "words": []}
    if isinstance(record, models.IndustryParticipation):
        return {"data": record.name, "words": [record.get_kind_display()]}
    if isinstance(record, models.Microcredit):
        return {"data": record.bank, "words": []}
    if isinstance(record, models.EducationAid):
        return {"data": record.school, "words": [record.get_program_display(), record.get_term_display()]}
    if isinstance(record, models.InsuranceEnrolment):
        return {"data": "", "words": [record.get_scheme_display()]}
    return {"data": "", "words": []}


def household_activities(user, household) -> tuple[list[dict], int]:
    """The household's participations the user may see, newest first (at most SHOWN),
    and how many there are."""
    items: list[dict] = []
    rows_of = [scope.visible_to(user, kind.model).filter(household=household) for kind in KINDS]
    # Every kind counted in one query (a household takes part in few kinds), then rows
    # read only of the kinds it has.
    counted = [rows.order_by().values("household").annotate(kind=Value(i), n=Count("pk")).values_list("kind", "n")
               for i, rows in enumerate(rows_of)]
    counts = dict(counted[0].union(*counted[1:], all=True))
    total = sum(counts.values())
    for i, (kind, rows) in enumerate(zip(KINDS, rows_of)):
        if not counts.get(i):
            continue
        order = kind.day.replace(".", "__")
        # `measure` too: the card names each row's measure.
        for record in rows.select_related(*kind.related, "measure").order_by(f"-{order}", "-pk")[:SHOWN]:
            day = _path(record, kind.day)
            if day is None and isinstance(record, models.EducationAid):
                day = dt.date(record.year, 1, 1)
            items.append({"kind": kind.label, "model": kind.model._meta.model_name, "pk": record.pk,
                          "day": day, "person": record.person, "url": _link(kind, record),
                          "measure": record.measure, **_what(record)})
    items.sort(key=lambda item: (item["day"] or dt.date.min, item["pk"]), reverse=True)
    return items[:SHOWN], total


def activities_section(request, household) -> dict | None:
    user = request.user
    if not user_may(user, PERSONS_READ):
        return None
    items, total = household_activities(user, household)
    if not total:
        return None
    return {"household": household, "items": items, "total": total, "more": total - len(items)}
