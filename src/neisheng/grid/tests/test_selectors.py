"""The tables the grid gives the engine: who needs a cadre under a division, the cadres of
its county and the active pairs."""

from __future__ import annotations

import datetime as dt

from neisheng.cases.models import MonitoringCase
from neisheng.grid.models import Cadre, CadreKind, CadrePair
from neisheng.grid.selectors import (
    active_pairs_table,
    cadres_table,
    code_bounds,
    needing_cadre_table,
)
from neisheng.registry.models import Household


def test_code_bounds_cover_the_division():
    assert code_bounds("500237000000") == ("500237000000", "500237999999")
    assert code_bounds("500237101000") == ("500237101000", "500237101999")
    assert code_bounds(None) is None


def test_who_needs_a_cadre_under_a_village(places):
    village = places["village"]
    households = Household.objects.filter(village=village)
    table = needing_cadre_table(division_code=village.code)
    expected = {h.household_id for h in households.filter(status__in=["lifted", "monitored"])
                if h.members.filter(alive=True).exists()}
    assert set(table["household_id"].to_pylist()) == expected
    # An ordinary household with an open case needs one too.
    ordinary = households.exclude(status__in=["lifted", "monitored"]).first()
    MonitoringCase.objects.create(household=ordinary, channel="cadre_screening", reported_on=dt.date(2026, 11, 2),
                                  reason="走访发现", deadline=dt.date(2026, 11, 17))
    again = needing_cadre_table(division_code=village.code)
    assert set(again["household_id"].to_pylist()) == expected | {ordinary.household_id}
    assert set(again["village_code"].to_pylist()) == {village.code}


def test_cadres_of_the_whole_county_and_the_active_pairs(places):
    village, other = places["village"], places["other_village"]
    here = Cadre.objects.create(cadre_id="C1", name="王强", division_code=places["county"].code, capacity=3)
    Cadre.objects.create(cadre_id="C2", name="李明", division_code=other.code)
    Cadre.objects.create(cadre_id="L1", name="张书记", kind=CadreKind.LEADER, division_code=village.code)
    cadres = cadres_table(division_code=village.code)
    assert cadres.to_pylist() == [{"cadre_id": "C1", "division_code": places["county"].code, "capacity": 3}]
    household = Household.objects.filter(village=village).first()
    CadrePair.objects.create(cadre=here, household=household, division_code=village.code,
                             started_on=dt.date(2026, 1, 5))
    CadrePair.objects.create(cadre=here, household=Household.objects.filter(village=village)[1],
                             division_code=village.code, started_on=dt.date(2025, 1, 5), ended_on=dt.date(2025, 6, 1))
    assert active_pairs_table(division_code=village.code).to_pylist() == [
        {"cadre_id": "C1", "household_id": household.household_id}]
    assert active_pairs_table(division_code=other.code).num_rows == 0
