"""A household's assistance plan (帮扶计划, 一户一策) as one page and one A4 PDF: the
household's facts and members (ID numbers masked, whoever prints it), the latest
monitoring result's recommended measures with their reasons, the measures assigned
(dates, cost, funding, who is responsible, where each stands), the household's cadre
(its active 包户 pair), the activities it took part in, and lines for the household's
and the cadre's signatures.

The PDF is drawn by WeasyPrint from an HTML template with its own print stylesheet, as
grid's public board is (grid/board.py): the same fonts (WenQuanYi Micro Hei, else any CJK
sans-serif fontconfig finds), no fetching of anything but data: URLs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources

from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from neisheng.accounts.masking import mask_id_number
from neisheng.assistance.models import (
    EducationAid,
    IndustryParticipation,
    InsuranceEnrolment,
    JobPlacement,
    MeetingAttendance,
    Microcredit,
    TrainingAttendance,
    WelfarePost,
)
from neisheng.grid.selectors import active_cadre_pair
from neisheng.measures import selectors as measures
from neisheng.monitoring import selectors as monitoring
from neisheng.platform import scope
from neisheng.registry.models import Household


@dataclass
class Activity:
    """One activity the household (or a member) took part in. `what` is data (a course,
    an employer: shown untranslated); `what_label` a label of ours (a scheme)."""

    kind: Promise
    on: object
    person: str = ""
    what: str = ""
    what_label: Promise | None = None
    amount: Decimal | None = None
    result: Promise | None = None


@dataclass
class Plan:
    household: Household
    members: list = field(default_factory=list)
    recommendation: dict | None = None
    measures: list = field(default_factory=list)
    cadre: object = None
    activities: list = field(default_factory=list)
    printed_on: object = None

    @property
    def total_cost(self) -> Decimal:
        return sum((m.cost for m in self.measures if m.cost is not None and m.state != "abandoned"), Decimal(0))


def plan_household(user, household_id: str) -> Household:
    """The household, read through the user's scope (404 elsewhere)."""
    return get_object_or_404(scope.visible_to(user, Household.objects.select_related("village", "village__parent")),
                             pk=household_id)


def _activities(household: Household, names: dict[str, str]) -> list[Activity]:
    def name(row) -> str:
        return names.get(row.person_id, "") if row.person_id else ""

    found: list[Activity] = []
    for a in TrainingAttendance.objects.filter(household=household).select_related("training"):
        found.append(Activity(gettext_lazy("技能培训"), a.training.starts_on, name(a), a.training.course,
                              result=gettext_lazy("结业") if a.completed else None))
    for a in MeetingAttendance.objects.filter(household=household).select_related("meeting"):
        found.append(Activity(gettext_lazy("宣讲议事"), a.meeting.held_on, name(a), a.meeting.topic))
    for a in JobPlacement.objects.filter(household=household):
        found.append(Activity(gettext_lazy("就业帮扶"), a.starts_on, name(a), a.employer,
                              amount=a.monthly_wage * a.months))
    for a in WelfarePost.objects.filter(household=household):
        found.append(Activity(gettext_lazy("公益岗位"), a.starts_on, name(a), a.post, amount=a.monthly_pay * a.months))
    for a in IndustryParticipation.objects.filter(household=household):
        found.append(Activity(gettext_lazy("产业帮扶"), a.joined_on, name(a), a.name, what_label=a.get_kind_display()))
    for a in Microcredit.objects.filter(household=household):
        found.append(Activity(gettext_lazy("小额信贷"), a.lent_on, name(a), a.bank, amount=a.amount))
    for a in EducationAid.objects.filter(household=household):
        found.append(Activity(gettext_lazy("教育资助"), a.paid_on or dt.date(a.year, 1, 1), name(a), a.school,
                              what_label=a.get_program_display(), amount=a.amount))
    for a in InsuranceEnrolment.objects.filter(household=household):
        found.append(Activity(gettext_lazy("参保资助"), a.enrolled_on, name(a), "", what_label=a.get_scheme_display(),
                              amount=a.subsidy or None))
    found.sort(key=lambda x: (x.on, str(x.kind)), reverse=True)
    return found


def plan_of(household: Household) -> Plan:
    """The plan of a household the caller has already read through the user's scope."""
    members = list(household.members.order_by("-alive", "birth_date", "person_id"))
    names = {p.person_id: p.name for p in members}
    for p in members:
        p.id_masked = mask_id_number(p.person_id)
    assigned = list(measures.measures_of(household).order_by("assigned_on", "pk"))
    for m in assigned:
        m.person_name = names.get(m.person_id, "") if m.person_id else ""
    pair = active_cadre_pair(household)
    return Plan(
        household=household, members=members, recommendation=monitoring.household_card(household),
        measures=assigned, cadre=pair.cadre if pair is not None else None,
        activities=_activities(household, names), printed_on=timezone.localdate(),
    )


def plan_pdf(plan: Plan) -> bytes:
    """The plan as an A4 PDF."""
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    html = render_to_string("assistance/plan_pdf.html", {"plan": plan, "household": plan.household})
    css = CSS(string=resources.files("neisheng.assistance").joinpath("static/assistance/plan-print.css")
              .read_text("utf-8"))
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=["data"])).write_pdf(stylesheets=[css])
