"""The one write path of assigned measures (一户一策): who may assign, where, to whom and
when, each assignment audited."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from neisheng.accounts.access import MEASURES_ASSIGN
from neisheng.accounts.services import audit_record
from neisheng.engine.measures import MEASURE_LABELS
from neisheng.measures.models import AssignedMeasure
from neisheng.platform import scope
from neisheng.platform.access import require
from neisheng.registry.models import Household


@transaction.atomic
def measure_assign(*, user, household: Household, measure: str, assigned_on: dt.date, responsible: str,
                   person_id: str = "", note: str = "", from_recommendation: bool = False,
                   request=None) -> AssignedMeasure:
    """Assign `measure` to the household, or to one of its living members (`person_id`).
    Refused: a role without measures.assign (PermissionDenied, 403), a household outside
    the user's division (Http404, as if it did not exist), an unknown measure, someone
    who is not a living member of the household, a date in the future, no one responsible
    (ValidationError, named by field)."""
    require(user, MEASURES_ASSIGN)
    if not scope.visible_to(user, Household).filter(pk=household.pk).exists():
        raise Http404
    problems: dict[str, list] = {}
    if measure not in MEASURE_LABELS:
        problems["measure"] = [_("没有这项帮扶措施。")]
    if person_id and not household.members.filter(person_id=person_id, alive=True).exists():
        problems["person_id"] = [_("此人不是本户在世成员。")]
    if assigned_on is None:
        problems["assigned_on"] = [_("请填写安排日期。")]
    elif assigned_on > dt.date.today():
        # An assignment records what was decided; a plan for later is decided when it is made.
        problems["assigned_on"] = [_("安排日期不能晚于今天。")]
    responsible = (responsible or "").strip()
    if not responsible:
        problems["responsible"] = [_("请填写责任单位或责任人。")]
    if problems:
        raise ValidationError(problems)
    assigned = AssignedMeasure.objects.create(
        household=household, person_id=person_id or "", measure=measure, assigned_on=assigned_on,
        responsible=responsible, note=(note or "").strip(), from_recommendation=from_recommendation,
        assigned_by=user if getattr(user, "is_authenticated", False) else None,
    )
    audit_record(user=user, action="create", division_code=household.village_id, object_type="assigned_measure",
                 object_id=str(assigned.pk),
                 detail={"household": household.household_id, "measure": measure,
                         "assigned_on": assigned_on.isoformat(), "from_recommendation": from_recommendation},
                 request=request)
    return assigned
