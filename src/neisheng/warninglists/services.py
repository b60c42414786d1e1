"""Writes of the warning lists: handing rows to a town or a cadre with a deadline, and
following a row up (a case opened from it, or dismissed with a reason). Every change is
a platform Transition of the row (object_type "warning_row", its history) and an audit
event (which also tells the lists' cached counts that the data changed).

A dismissal is final: a row dismissed by mistake is not reopened; the household is
reported as a case directly (any channel), and the next run lists it again while it is
red or yellow. Handing a row again (to another town or cadre, or with a new deadline)
is how a list is corrected: the row points to its latest handover, every handover stays
in its history."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext, gettext_lazy

from neisheng.accounts.access import (
    CASES_REPORT,
    WARNINGS_FOLLOW_UP,
    WARNINGS_HAND_OVER,
    Role,
    user_may,
)
from neisheng.accounts.services import audit_record
from neisheng.platform import scope
from neisheng.platform.access import refusal
from neisheng.platform.models import Transition
from neisheng.platform.workflow import Step, TransitionRefused, Workflow, transition_perform
from neisheng.registry.models import Division
from neisheng.warninglists.models import WarningHandover, WarningRow
from neisheng.warninglists.selectors import today

WARNING_ROW_WORKFLOW = Workflow(
    object_type="warning_row",
    state_field="status",
    states={"open": gettext_lazy("待跟进"), "case_opened": gettext_lazy("已立案"),
            "dismissed": gettext_lazy("已排除")},
    initial="open",
    steps=[
        Step("case_opened", gettext_lazy("立案"), source=["open"], target="case_opened", capability=CASES_REPORT),
        Step("dismiss", gettext_lazy("排除"), source=["open"], target="dismissed", capability=WARNINGS_FOLLOW_UP,
             reason_required=True),
    ],
)
# The event of a handover in a row's history: "hand_over:<handover id>" (from and to the
# same state), so the history names who it went to and the deadline in the page's language.
HAND_OVER = "hand_over"
# Roles a list may be handed to, as cadres (cases.md: a town or a cadre).
CADRE_ROLES = (Role.TOWN, Role.VILLAGE, Role.ASSISTANCE)
# What a dismissal most often says; "other" asks for the words.
DISMISS_REASONS = {
    "monitored": gettext_lazy("已纳入监测"),
    "corrected": gettext_lazy("数据错误已更正"),
    "resolved": gettext_lazy("风险已化解"),
    "other": gettext_lazy("其他"),
}


def cadres_for(user):
    """The cadres `user` may hand rows to: active town officers, village cadres and
    assistance cadres working in the user's division."""
    from neisheng.accounts.models import User

    return (scope.visible_to(user, User.objects.filter(is_active=True, role__in=CADRE_ROLES,
                                                       division__isnull=False))
            .select_related("division").order_by("division_id", "username"))


def towns_for(user):
    """The towns `user` may hand rows to: the towns under the user's division."""
    return scope.visible_to(user, Division.objects.filter(level=4)).exclude(code=user.division_id).order_by("code")


def _prefix(division: Division) -> str:
    from neisheng.divisions import PREFIX_LENGTH

    return division.code[: PREFIX_LENGTH[division.level]]


@transaction.atomic
def warning_rows_hand_over(*, user, rows: QuerySet[WarningRow], deadline: dt.date, to_division: Division | None = None,
                           to_user=None, note: str = "", request=None) -> WarningHandover:
    """Hand the open rows among `rows` (one run's, in the user's scope) to a town or to a
    cadre with a deadline. Rows already followed up (case opened, dismissed) are left as
    they are. Raises ValidationError naming the field at fault."""
    if not user_may(user, WARNINGS_HAND_OVER):
        raise PermissionDenied(refusal(WARNINGS_HAND_OVER))
    if (to_division is None) == (to_user is None):
        raise ValidationError({"to": gettext("请选择交办的乡镇或干部。")})
    if to_division is not None and not towns_for(user).filter(pk=to_division.pk).exists():
        raise ValidationError({"to": gettext("只能交办给辖区内的乡镇。")})
    if to_user is not None and not cadres_for(user).filter(pk=to_user.pk).exists():
        raise ValidationError({"to": gettext("只能交办给辖区内的乡镇干部、村干部或帮扶干部。")})
    handed_on = today()
    if deadline < handed_on:
        raise ValidationError({"deadline": gettext("办结期限不能早于今天。")})
    rows = scope.visible_to(user, rows).filter(status=WarningRow.Status.OPEN)
    runs = list(rows.order_by().values_list("run_id", flat=True).distinct()[:2])
    if not runs:
        raise ValidationError({"to": gettext("所选预警户中没有待跟进的。")})
    if len(runs) > 1:
        raise ValidationError({"to": gettext("一次只能交办同一次监测运行的清单。")})
    division = to_division if to_division is not None else to_user.division
    outside = rows.exclude(village_code__startswith=_prefix(division)).count()
    if outside:
        raise ValidationError({"to": gettext("所选预警户中有 %(n)s 户不在交办对象的辖区内。") % {"n": outside}})
    handover = WarningHandover.objects.create(
        run_id=runs[0], division_code=division.code, to_division=to_division, to_user=to_user,
        handed_on=handed_on, deadline=deadline, note=note.strip(), handed_by=user)
    handed = list(rows.values_list("pk", "village_code", "status"))
    WarningRow.objects.filter(pk__in=[pk for pk, *_ in handed]).update(handover=handover)
    Transition.objects.bulk_create(
        [Transition(object_type=WARNING_ROW_WORKFLOW.object_type, object_id=str(pk), division_code=village,
                    name=f"{HAND_OVER}:{handover.pk}", from_state=status, to_state=status, by=user,
                    username=user.get_username(), effective_on=handed_on, reason=handover.note)
         for pk, village, status in handed],
        batch_size=2_000)
    audit_record(user=user, action="hand_over", division_code=division.code, object_type="warning_handover",
                 object_id=handover.pk, detail={"rows": len(handed), "run": runs[0],
                                                "deadline": deadline.isoformat()}, request=request)
    return handover


@transaction.atomic
def warning_row_dismiss(*, user, row: WarningRow, reason: str, request=None) -> WarningRow:
    """Dismiss an open row with a reason (required). Final: see the module's note."""
    if not user_may(user, WARNINGS_FOLLOW_UP):
        raise PermissionDenied(refusal(WARNINGS_FOLLOW_UP))
    on = today()
    transition_perform(obj=row, step="dismiss", user=user, effective_on=on, reason=reason,
                       changes={"dismissed_reason": reason.strip(), "followed_up_on": on, "followed_up_by": user},
                       workflow=WARNING_ROW_WORKFLOW)
    audit_record(user=user, action="dismiss", division_code=row.village_code, object_type="warning_row",
                 object_id=row.pk, detail={"reason": reason.strip()}, request=request)
    return row


@transaction.atomic
def warning_row_case_opened(*, row: WarningRow, case, user) -> WarningRow:
    """A case was opened from this row (cases.services.case_report calls it in the same
    transaction): the row's status becomes case_opened. A row already followed up, of
    another household or outside the user's division is refused (TransitionRefused)."""
    if case.household_id != row.household_id:
        raise TransitionRefused("立案的农户与预警户不一致 / the case is for another household than the warning row")
    on = min(case.reported_on, today()) if isinstance(case.reported_on, dt.date) else today()
    transition_perform(obj=row, step="case_opened", user=user, effective_on=on,
                       reason=f"#{case.pk}" if case.pk else "",
                       changes={"followed_up_on": on, "followed_up_by": user}, workflow=WARNING_ROW_WORKFLOW)
    audit_record(user=user, action="case_opened", division_code=row.village_code, object_type="warning_row",
                 object_id=row.pk, detail={"case": case.pk})
    return row
