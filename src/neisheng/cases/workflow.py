"""The monitoring case's states and steps, cases.md's table as data: one Step per row
(source states → target), its capability (accounts.access, who may) and its
requirements (what it records and requires).

A step's own fields (checkers, consent, the notice's end…) are not columns of the case:
`case_transition` puts them in `step_input` for the duration of the step, and the
requirements below read them there, so that the platform's `transition_perform` checks
them with everything else, on the row it has locked. Without pending input (a page
asking which buttons to show) only what the case itself holds is checked.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy

from neisheng.accounts.access import (
    CASES_APPROVE,
    CASES_COMPARE,
    CASES_PROPOSE_ELIMINATION,
    CASES_REJECT,
    CASES_TOWN_REVIEW,
    CASES_VERIFY,
    CASES_VILLAGE_REVIEW,
)
from neisheng.cases.elimination import elimination_facts
from neisheng.cases.models import CaseStep, MonitoringCase, State
from neisheng.engine import schema
from neisheng.engine.cases import elimination_problems, notice_problem
from neisheng.platform.workflow import Step, Workflow

S = State


@dataclass(frozen=True)
class StepInput:
    """What the person gave for a step (cases.md's "the step's fields")."""

    on: dt.date
    note: str = ""
    checkers: list[str] | None = None
    consent: Any = None
    consent_scan: Any = None
    findings: str = ""
    participants: Any = None
    agreed: Any = None
    notice_end: Any = None
    objections: Any = None
    town_reviewed_on: Any = None
    monitor_type: str = ""
    policy: Any = field(default=None, compare=False)


_pending: ContextVar[StepInput | None] = ContextVar("case_step_input", default=None)


@contextmanager
def step_input(value: StepInput):
    token = _pending.set(value)
    try:
        yield value
    finally:
        _pending.reset(token)


def _given(check):
    """A requirement that judges the step's fields; met when none are pending."""

    def requirement(case):
        pending = _pending.get()
        if pending is None:
            return None
        problem = check(case, pending)
        return None if problem is None else f"{problem[0]} / {problem[1]}"

    return requirement


# --- the step's fields ------------------------------------------------------------------


def _checkers(case, given: StepInput):
    names = {str(n).strip() for n in (given.checkers or []) if str(n).strip()}
    if len(names) < 2:
        return ("入户核实需要两名或以上核实人", "a home check needs two or more named checkers")
    return None


def _consent(case, given: StepInput):
    if given.consent is not True:
        return ("需要农户签字的承诺授权书", "the household's signed authorisation is required")
    return None


def _consent_scan(case, given: StepInput):
    if not given.consent_scan:
        return ("请上传承诺授权书扫描件", "upload the scan of the signed authorisation")
    return None


def _participants(case, given: StepInput):
    value = given.participants
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return ("参加民主评议的人数应为正整数", "the number of participants must be a whole number above 0")
    if not isinstance(given.agreed, bool):
        return ("请说明民主评议是否同意", "say whether the democratic review agreed")
    return None


def _agreed(case, given: StepInput):
    if given.agreed is not True:
        return ("民主评议未同意,不能公示", "the village review did not agree: nothing to publicize")
    return None


def _is_date(value) -> bool:
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


def _notice(days_of):
    def check(case, given: StepInput):
        if case.notice_start is None:
            return ("尚未公示", "no notice has been posted")
        if not _is_date(given.notice_end):
            return ("请填写公示结束日期", "give the date the notice ended")
        problem = notice_problem(case.notice_start, given.notice_end, days=days_of(given.policy),
                                 today=timezone.localdate())
        if problem is None and given.on < given.notice_end:
            return (f"审核日期 {given.on} 早于公示结束日期 {given.notice_end}",
                    f"the review date {given.on} is before the notice ended ({given.notice_end})")
        return problem

    return check


def _objections(case, given: StepInput):
    if given.objections is None:
        return None
    if not isinstance(given.objections, list) or not all(isinstance(o, str) and o.strip()
                                                         for o in given.objections):
        return ("异议应为文字列表,每条写明如何处理", "objections must be a list of texts, each saying how it was settled")
    return None


def _town_reviewed_on(case, given: StepInput):
    value = given.town_reviewed_on
    if not _is_date(value):
        return ("请填写乡镇审核日期", "give the date of the town review")
    if value > given.on or (case.notice_start is not None and value < case.notice_start):
        return (f"乡镇审核日期 {value} 应在公示开始 {case.notice_start} 与本步骤日期 {given.on} 之间",
                (f"the town review date {value} must fall between the notice start {case.notice_start} "
                 f"and this step's date {given.on}"))
    return None


def _monitor_type(case, given: StepInput):
    if given.monitor_type not in schema.MONITOR_TYPE:
        return (f"监测对象类型应为 {'、'.join(schema.MONITOR_TYPE)} 之一",
                f"the monitoring type must be one of {', '.join(schema.MONITOR_TYPE)}")
    return None


def _conditions(case, given: StepInput):
    problems = elimination_problems(elimination_facts(case, on=given.on, policy=given.policy),
                                    min_months=given.policy.cases_min_monitoring_months)
    if not problems:
        return None
    return ("不符合风险消除条件:" + ";".join(zh for zh, _ in problems),
            "the elimination conditions are not met: " + "; ".join(en for _, en in problems))


# --- what the case itself holds ------------------------------------------------------------


def _village_review_agreed(case):
    review = CaseStep.objects.filter(case=case, to_state=S.VILLAGE_REVIEWED).last()
    if review is not None and review.data.get("agreed") is True:
        return None
    return ("民主评议未同意,不能公示,可由乡镇或县级不予纳入 / the village review did not agree: it cannot be "
            "publicized (the town or county may reject the case)")


def _no_other_open_case(case):
    other = (MonitoringCase.objects.filter(household_id=case.household_id)
             .exclude(state__in=(S.REJECTED, S.RISK_ELIMINATED)).exclude(pk=case.pk).first())
    if other is None:
        return None
    return f"该户已有未结案的监测案件 #{other.pk} / the household already has an open case #{other.pk}"


IDENTIFYING = [S.REPORTED, S.VERIFIED, S.COMPARED, S.VILLAGE_REVIEWED, S.PUBLICIZED, S.TOWN_REVIEWED]

CASE_WORKFLOW = Workflow(
    object_type="monitoring_case",
    states=dict(S.choices),
    initial=S.REPORTED,
    steps=[
        Step("verify", gettext_lazy("入户核实"), source=[S.REPORTED], target=S.VERIFIED, capability=CASES_VERIFY,
             requires=[_given(_checkers), _given(_consent), _given(_consent_scan)]),
        Step("compare", gettext_lazy("县级信息比对"), source=[S.VERIFIED], target=S.COMPARED,
             capability=CASES_COMPARE),
        Step("village_review", gettext_lazy("村级民主评议"), source=[S.COMPARED], target=S.VILLAGE_REVIEWED,
             capability=CASES_VILLAGE_REVIEW, requires=[_given(_participants)]),
        Step("publicize", gettext_lazy("村级公示"), source=[S.VILLAGE_REVIEWED], target=S.PUBLICIZED,
             capability=CASES_VILLAGE_REVIEW, requires=[_village_review_agreed]),
        Step("town_review", gettext_lazy("乡镇审核"), source=[S.PUBLICIZED], target=S.TOWN_REVIEWED,
             capability=CASES_TOWN_REVIEW,
             requires=[_given(_notice(lambda p: p.cases_publicity_days)), _given(_objections)]),
        Step("approve", gettext_lazy("县级审批纳入监测"), source=[S.TOWN_REVIEWED], target=S.MONITORING,
             capability=CASES_APPROVE, requires=[_given(_monitor_type)]),
        Step("reject", gettext_lazy("不予纳入"), source=IDENTIFYING, target=S.REJECTED, capability=CASES_REJECT,
             reason_required=True),
        Step("propose_elimination", gettext_lazy("提出风险消除"), source=[S.MONITORING],
             target=S.ELIMINATION_PROPOSED, capability=CASES_PROPOSE_ELIMINATION,
             requires=[_given(_checkers), _given(_consent), _given(_conditions)]),
        Step("publicize_elimination", gettext_lazy("风险消除评议和公示"), source=[S.ELIMINATION_PROPOSED],
             target=S.ELIMINATION_PUBLICIZED, capability=CASES_VILLAGE_REVIEW,
             requires=[_given(_participants), _given(_agreed)]),
        Step("eliminate", gettext_lazy("县级审批风险消除"), source=[S.ELIMINATION_PUBLICIZED],
             target=S.RISK_ELIMINATED, capability=CASES_APPROVE,
             requires=[_given(_notice(lambda p: p.cases_elimination_publicity_days)), _given(_objections),
                       _given(_town_reviewed_on), _given(_conditions)]),
        Step("back_to_monitoring", gettext_lazy("退回继续监测"),
             source=[S.ELIMINATION_PROPOSED, S.ELIMINATION_PUBLICIZED], target=S.MONITORING,
             capability=CASES_REJECT, reason_required=True),
        Step("risk_returned", gettext_lazy("返贫恢复监测"), source=[S.RISK_ELIMINATED], target=S.MONITORING,
             capability=CASES_REJECT, reason_required=True, requires=[_no_other_open_case]),
    ],
)

# The record of a case's opening (from "" to reported); not a step anyone chooses.
REPORT_STEP = "report"
REPORT_LABEL = gettext_lazy("登记")

# The fields each target takes (cases.md's API section), for forms and the API.
FIELDS_FOR = {
    S.VERIFIED: ["on", "checkers", "consent", "consent_scan", "note"],
    S.COMPARED: ["on", "findings", "note"],
    S.VILLAGE_REVIEWED: ["on", "participants", "agreed", "note"],
    S.PUBLICIZED: ["on", "note"],
    S.TOWN_REVIEWED: ["on", "notice_end", "objections", "note"],
    S.MONITORING: ["on", "monitor_type", "note"],
    S.REJECTED: ["on", "note"],
    S.ELIMINATION_PROPOSED: ["on", "checkers", "consent", "consent_scan", "note"],
    S.ELIMINATION_PUBLICIZED: ["on", "participants", "agreed", "note"],
    S.RISK_ELIMINATED: ["on", "notice_end", "objections", "town_reviewed_on", "note"],
}


def step_to(state: str, to: str) -> Step | None:
    """The step from `state` to `to`, if cases.md has one."""
    for step in CASE_WORKFLOW.steps:
        if step.target == to and state in step.source:
            return step
    return None


def steps_to(to: str) -> list[Step]:
    return [step for step in CASE_WORKFLOW.steps if step.target == to]
