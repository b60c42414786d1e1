"""The one write path of industry participation (产业帮扶): a household joins a project or
a cooperative, which carries out its industry-support measure and gives the registry
`industry_linked` (and `cooperative_member` for a cooperative).

Leaving records the date and changes nothing in the registry: the flags say the household
has been linked to an industry, which the survey checks again each year, and a household
often stays linked through another project the platform does not know of. An officer who
knows better edits the household (its one write path, with history).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from neisheng.accounts.access import ACTIVITIES_RECORD
from neisheng.accounts.services import audit_record
from neisheng.assistance.models import IndustryParticipation
from neisheng.assistance.services.work import activity_reason
from neisheng.platform import scope
from neisheng.platform.access import require
from neisheng.registry.models import Household
from neisheng.registry.services import household_update_many

# The registry's history shows it as the operation (a msgid of context "change").
INDUSTRY_REASON = "产业帮扶"


def _household(user, household: Household | str) -> Household:
    household_id = household.household_id if isinstance(household, Household) else household
    found = scope.visible_to(user, Household).filter(pk=household_id).first()
    if found is None:
        raise Http404
    return found


def registry_values(kind: str) -> dict:
    values = {"industry_linked": True}
    if kind == IndustryParticipation.Kind.COOPERATIVE:
        values["cooperative_member"] = True
    return values


@transaction.atomic
def industry_join(*, user, household: Household | str, name: str, kind: str, joined_on: dt.date, note: str = "",
                  request=None) -> IndustryParticipation:
    """The household joined `name` (a project or cooperative) by `kind`: recorded, its
    industry-support measure carried out (done), `industry_linked` (and
    `cooperative_member`) set in the registry with this participation as the reason.
    Refused: no activities.record (403), a household outside the division (404), bad
    values (ValidationError by field)."""
    from neisheng.measures import services as measure_services

    require(user, ACTIVITIES_RECORD)
    household = _household(user, household)
    name = (name or "").strip()
    problems: dict[str, list] = {}
    if not name:
        problems["name"] = [_("请填写项目或合作社。")]
    if kind not in IndustryParticipation.Kind.values:
        problems["kind"] = [_("请选择联结方式。")]
    if joined_on is None:
        problems["joined_on"] = [_("请填写加入日期。")]
    elif joined_on > timezone.localdate():
        problems["joined_on"] = [_("加入日期不能晚于今天。")]
    if problems:
        raise ValidationError(problems)
    record = IndustryParticipation.objects.create(household=household, name=name, kind=kind, joined_on=joined_on,
                                                  note=(note or "").strip(), recorded_by=user)
    why = activity_reason(INDUSTRY_REASON, record.pk)
    record.measure = measure_services.measure_carried_out(
        user=user, household=household, person_id="", measure="industry_support", on=joined_on, responsible=name,
        done=True, outcome=f"{name}({IndustryParticipation.Kind(kind).label})", why=why)
    record.save(update_fields=["measure"])
    household_update_many(user=user, changes=[(household.household_id, registry_values(kind))], change_reason=why)
    audit_record(user=user, action="create", division_code=household.village_id, object_type="industry_participation",
                 object_id=str(record.pk),
                 detail={"household": household.household_id, "name": name, "kind": kind,
                         "joined_on": joined_on.isoformat()}, request=request)
    return record


@transaction.atomic
def industry_leave(*, user, participation: IndustryParticipation, left_on: dt.date,
                   request=None) -> IndustryParticipation:
    """The household left on `left_on` (not before it joined, not after today)."""
    require(user, ACTIVITIES_RECORD)
    household = _household(user, participation.household_id)
    participation = IndustryParticipation.objects.select_for_update().get(pk=participation.pk)
    if participation.left_on is not None:
        raise ValidationError({"left_on": [_("已登记退出。")]})
    if left_on is None:
        raise ValidationError({"left_on": [_("请填写退出日期。")]})
    if left_on < participation.joined_on:
        raise ValidationError({"left_on": [_("退出日期不能早于加入日期。")]})
    if left_on > timezone.localdate():
        raise ValidationError({"left_on": [_("退出日期不能晚于今天。")]})
    participation.left_on = left_on
    participation.save(update_fields=["left_on"])
    audit_record(user=user, action="update", division_code=household.village_id, object_type="industry_participation",
                 object_id=str(participation.pk),
                 detail={"household": household.household_id, "left_on": left_on.isoformat()}, request=request)
    return participation
