"""The one write path of monitoring cases (cases.md): opening a case and making its steps.

Each step goes through the platform's `transition_perform` (the row locked, the role, the
state, cases.md's requirements and the step's date checked, the Transition logged), then
its fields are kept in a CaseStep and the change is in the audit log. A refusal is one
sentence "中文 / English": StepForbidden when the role may not make the step at all
(403), TransitionRefused when a rule refuses it now (400), Http404 outside the user's
division. Approval and risk elimination change the household's registry `status`
through registry.services, so its history and audit record the change too.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone, translation

from neisheng.accounts.access import CASES_REPORT, user_may
from neisheng.accounts.services import audit_record
from neisheng.cases.elimination import current_monitor_type
from neisheng.cases.errors import StepForbidden
from neisheng.cases.models import CLOSED_STATES, CaseStep, Channel, MonitoringCase, State
from neisheng.cases.workflow import (
    CASE_WORKFLOW,
    REPORT_STEP,
    StepInput,
    step_input,
    step_to,
    steps_to,
)
from neisheng.engine.cases import deadline_after
from neisheng.monitoring.policies import policy_current
from neisheng.platform import scope
from neisheng.platform.models import Transition
from neisheng.platform.workflow import TransitionRefused, division_code_of, transition_perform
from neisheng.registry.models import Household
from neisheng.registry.services import household_update
from neisheng.warninglists.services import warning_row_case_opened

# Who the public self-report form records as the reporter (it has no user).
SELF_REPORT_BY = "农户自主申报"


def _zh(label) -> str:
    with translation.override("zh-hans"):
        return str(label)


def _en(label) -> str:
    with translation.override("en"):
        return str(label)


def _refused(zh: str, en: str) -> TransitionRefused:
    return TransitionRefused(f"{zh} / {en}")


def _open_case(household) -> MonitoringCase | None:
    return MonitoringCase.objects.filter(household=household).exclude(state__in=CLOSED_STATES).first()


@transaction.atomic
def case_report(*, user, household: Household, channel: str, reported_on: dt.date, reason: str,
                warning_row=None, finding_ref: str = "", self_report=None) -> MonitoringCase:
    """Open a case (cases.md: — → reported). `user` is None only for the public
    self-report form, recorded as "农户自主申报"."""
    if user is not None:
        if not scope.code_is_within(user, household.village_id):
            raise Http404("未找到该户 / no such household")
        if not user_may(user, CASES_REPORT):
            raise StepForbidden("您的角色不能登记监测对象线索 / your role may not report a household")
    if channel not in Channel.values:
        raise _refused(f"渠道应为 {'、'.join(Channel.values)} 之一", f"the channel must be one of "
                       f"{', '.join(Channel.values)}")
    if user is None and channel != Channel.SELF_REPORT:
        raise _refused("公开申报只能是农户自主申报", "the public form reports through self_report only")
    if not isinstance(reported_on, dt.date) or isinstance(reported_on, dt.datetime):
        raise _refused("请填写登记日期", "give the date it was reported")
    if reported_on > timezone.localdate():
        raise _refused(f"登记日期 {reported_on} 晚于今天", f"the report date {reported_on} is in the future")
    if not (reason or "").strip():
        raise _refused("请写明申报或发现的理由", "give the reason in words")
    if warning_row is not None:
        if channel != Channel.MONITORING_RUN:
            raise _refused("来自预警清单的案件,渠道应为监测预警清单",
                           "a case from a warning-list row has the channel monitoring_run")
        if warning_row.household_id != household.pk:
            raise _refused("预警清单行不是该户的", "the warning-list row is not this household's")
    household = Household.objects.select_for_update().get(pk=household.pk)
    existing = _open_case(household)
    if existing is not None:
        raise _refused(f"该户已有未结案的监测案件 #{existing.pk}",
                       f"the household already has an open case #{existing.pk}")
    policy = policy_current().policy
    case = MonitoringCase(
        household=household, channel=channel, state=CASE_WORKFLOW.initial, reported_on=reported_on,
        reason=reason.strip(), deadline=deadline_after(reported_on, policy.cases_identification_days,
                                                       working_days=policy.cases_working_days),
        monitor_type=current_monitor_type(household), warning_row=warning_row,
        finding_ref=(finding_ref or "").strip(), reported_by=user,
    )
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError:
        # Two reports of the same household at once: the unique constraint keeps one.
        raise _refused("该户已有未结案的监测案件", "the household already has an open case") from None
    transition = _record(case=case, user=user, name=REPORT_STEP, from_state="", on=reported_on,
                         note=case.reason)
    CaseStep.objects.create(case=case, transition=transition, to_state=case.state,
                            data={"channel": channel, "finding_ref": case.finding_ref,
                                  "warning_row": getattr(warning_row, "pk", None),
                                  "self_report": getattr(self_report, "pk", None)})
    if warning_row is not None:
        warning_row_case_opened(row=warning_row, case=case, user=user)
    audit_record(user=user, action="create", division_code=household.village_id, object_type="monitoring_case",
                 object_id=str(case.pk), detail={"household": household.pk, "channel": channel,
                                                 "reported_on": str(reported_on)})
    return case


def _record(*, case, user, name: str, from_state: str, on: dt.date, note: str) -> Transition:
    # platform.workflow.transition_record needs a user; the public form has none and is
    # recorded under SELF_REPORT_BY, otherwise the same row.
    return Transition.objects.create(
        object_type=CASE_WORKFLOW.object_type, object_id=str(case.pk), division_code=division_code_of(case),
        name=name, from_state=from_state, to_state=case.state, by=user,
        username=user.get_username() if user is not None else SELF_REPORT_BY, effective_on=on,
        reason=(note or "").strip(),
    )


def _forbidden_or_missing(user, case: MonitoringCase, to: str):
    """The refusals that come before any rule: outside the division (404), an unknown
    state, a role that may make no step to `to` (403)."""
    if not scope.code_is_within(user, case.household.village_id):
        raise Http404("未找到该案件 / no such case")
    if to not in State.values:
        raise _refused(f"没有状态 {to}", f"there is no state {to!r}")
    candidates = steps_to(to)
    if not candidates:
        raise _refused(f"不能转为“{_zh(State(to).label)}”", f"no step leads to “{_en(State(to).label)}”")
    step = step_to(case.state, to)
    allowed = [s for s in candidates if user_may(user, s.capability)]
    if not allowed or (step is not None and step not in allowed):
        label = (step or candidates[0]).label
        raise StepForbidden(f"您的角色不能执行“{_zh(label)}” / your role may not do “{_en(label)}”")
    if step is None:
        raise _refused(f"当前状态为“{_zh(State(case.state).label)}”,不能转为“{_zh(State(to).label)}”",
                       f"a case in state “{_en(State(case.state).label)}” cannot move to “{_en(State(to).label)}”")
    return step


def _step_data(to: str, given: StepInput) -> dict:
    """The fields the step recorded (CaseStep.data), as JSON."""
    data: dict = {}
    if to in (State.VERIFIED, State.ELIMINATION_PROPOSED):
        data["checkers"] = [str(n).strip() for n in given.checkers or [] if str(n).strip()]
        data["consent"] = given.consent is True
    if to == State.COMPARED:
        data["findings"] = (given.findings or "").strip()
    if to in (State.VILLAGE_REVIEWED, State.ELIMINATION_PUBLICIZED):
        data["participants"] = given.participants
        data["agreed"] = given.agreed
    if to in (State.PUBLICIZED, State.ELIMINATION_PUBLICIZED):
        data["notice_start"] = str(given.on)
    if to in (State.TOWN_REVIEWED, State.RISK_ELIMINATED):
        data["notice_end"] = str(given.notice_end)
        data["objections"] = [o.strip() for o in given.objections or []]
    if to == State.RISK_ELIMINATED:
        data["town_reviewed_on"] = str(given.town_reviewed_on)
    if given.monitor_type and to == State.MONITORING:
        data["monitor_type"] = given.monitor_type
    return data


def _changes(case: MonitoringCase, step_name: str, given: StepInput) -> dict:
    """The case's own fields the step sets, saved with its new state."""
    household = case.household
    if step_name in ("publicize", "publicize_elimination"):
        return {"notice_start": given.on}
    if step_name == "approve":
        return {"monitor_type": given.monitor_type, "monitoring_since": given.on, "status_before": household.status}
    if step_name == "reject":
        return {"closed_on": given.on}
    if step_name == "eliminate":
        # The notice's start stays: the requirements read it on the row being changed.
        return {"closed_on": given.on}
    if step_name == "back_to_monitoring":
        return {"notice_start": None}
    if step_name == "risk_returned":
        return {"closed_on": None, "monitoring_since": given.on, "status_before": household.status}
    return {}


def _household_status(*, user, household: Household, status: str) -> None:
    if household.status != status:
        household_update(user=user, household=household, values={"status": status})


@transaction.atomic
def case_transition(*, user, case: MonitoringCase, to: str, on: dt.date, note: str = "", checkers=None,
                    consent=None, consent_scan=None, findings: str = "", participants=None, agreed=None,
                    notice_end=None, objections=None, town_reviewed_on=None,
                    monitor_type: str = "") -> MonitoringCase:
    """Make the step of cases.md's table that moves `case` to `to`."""
    step = _forbidden_or_missing(user, case, to)
    given = StepInput(on=on, note=note or "", checkers=checkers, consent=consent, consent_scan=consent_scan,
                      findings=findings or "", participants=participants, agreed=agreed, notice_end=notice_end,
                      objections=objections, town_reviewed_on=town_reviewed_on, monitor_type=monitor_type or "",
                      policy=policy_current().policy)
    if not isinstance(on, dt.date) or isinstance(on, dt.datetime):
        raise _refused("请填写日期", "give the date of the step")
    household = case.household
    with step_input(given):
        transition = transition_perform(obj=case, step=step.name, user=user, effective_on=on, reason=note or "",
                                        changes=_changes(case, step.name, given), workflow=CASE_WORKFLOW)
    case_step = CaseStep(case=case, transition=transition, to_state=to, data=_step_data(to, given))
    if consent_scan:
        case_step.consent_scan = consent_scan
    case_step.save()
    # The registry keeps `lifted` (cases.md): a lifted household's case carries the type.
    if step.name in ("approve", "risk_returned") and household.status != "lifted":
        _household_status(user=user, household=household, status="monitored")
    if step.name == "eliminate" and case.status_before and case.status_before != household.status:
        _household_status(user=user, household=household, status=case.status_before)
    audit_record(user=user, action="update", division_code=household.village_id, object_type="monitoring_case",
                 object_id=str(case.pk), detail={"step": step.name, "from": transition.from_state, "to": to,
                                                 "on": str(on)})
    return case
