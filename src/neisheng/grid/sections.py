"""The household page's "帮扶责任人" card (platform.extensions.household_section_add): the
active cadre with their phone, the earlier cadres, and the link to pair or change for
those who may. Whether the household needs a cadre is engine.grid.needs_cadre's answer."""

from __future__ import annotations

import pyarrow as pa
from django.urls import reverse

from neisheng.accounts.access import GRID_EDIT, PERSONS_READ, user_may
from neisheng.cases.models import CLOSED_STATES, MonitoringCase
from neisheng.engine.grid import needs_cadre
from neisheng.grid.models import CadrePair
from neisheng.platform.extensions import HouseholdSection, household_section_add


def household_needs_cadre(household) -> bool:
    facts = pa.table({
        "status": pa.array([household.status], pa.string()),
        "open_case": pa.array([MonitoringCase.objects.filter(household=household).exclude(
            state__in=CLOSED_STATES).exists()], pa.bool_()),
        "alive_members": pa.array([int(household.members.filter(alive=True).exists())], pa.int32()),
    })
    return bool(needs_cadre(facts)[0].as_py())


def cadre_section(request, household) -> dict | None:
    user = request.user
    if not user_may(user, PERSONS_READ):
        return None
    pairs = list(CadrePair.objects.filter(household=household).select_related("cadre"))
    current = next((p for p in pairs if p.is_active), None)
    return {
        "household": household, "current": current, "past": [p for p in pairs if not p.is_active],
        "needs": current is None and household_needs_cadre(household),
        "change_url": reverse("grid:household_pair", args=[household.household_id])
        if user_may(user, GRID_EDIT) else "",
    }


def register() -> None:
    household_section_add(HouseholdSection(name="cadre", template="grid/household_section.html",
                                           context=cadre_section, order=20))
