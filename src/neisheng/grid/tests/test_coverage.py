"""Coverage finds every gap (issue 11, item 3): households needing a cadre without one,
cadres over capacity (their own or the policy's), villages without a leader and villages
without an area cadre; per village, rolled up per town and for the division; on the
page, in its lists, in Excel and on the dashboard."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import openpyxl
import pytest
from django.http import Http404

from neisheng.grid import coverage, dashboard
from neisheng.grid.models import AreaPair, Cadre, CadreKind, CadrePair, LeaderPair
from neisheng.grid.selectors import needing_cadre_table
from neisheng.registry.models import Division, Household

pytestmark = pytest.mark.django_db
STARTED = dt.date(2026, 1, 5)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cadre(cadre_id, division, *, kind=CadreKind.ASSISTANCE, capacity=None) -> Cadre:
    return Cadre.objects.create(cadre_id=cadre_id, name=f"干部{cadre_id}", kind=kind, division_code=division,
                                capacity=capacity, phone="13900000000")


def _pair(cadre, household, *, ended=False) -> CadrePair:
    return CadrePair.objects.create(cadre=cadre, household=household, division_code=household.village_id,
                                    started_on=STARTED, ended_on=STARTED if ended else None)


@pytest.fixture
def grid(places):
    """Village A (the county's village): every gap but one household covered, a leader and
    an area cadre; its cadres: one over its own capacity, one over the policy's, one at
    the policy's limit. Village B (new, same town): no leader, an ended area pair."""
    town, village = places["town"], places["village"]
    other = Division.objects.create(code=town.code[:9] + "299", name="新建村", level=5, parent=town)
    needing = needing_cadre_table(division_code=village.code).column("household_id").to_pylist()
    households = Household.objects.in_bulk(needing, field_name="household_id")
    gaps = needing[-2:]  # left without a cadre
    paired = [households[h] for h in needing[:-2]]
    own = _cadre("OWN", village.code, capacity=2)  # 3 households: over its own capacity
    policy = _cadre("POL", town.code)  # 6: over the policy's 5
    full = _cadre("FULL", village.code)  # 5: at the limit, not over
    loads = [(own, 3), (policy, 6), (full, 5)]
    rest = _cadre("REST", village.code, capacity=len(paired))
    start = 0
    for cadre, n in loads:
        for household in paired[start:start + n]:
            _pair(cadre, household)
        start += n
    for household in paired[start:]:
        _pair(rest, household)
    # An ended pair does not cover a household nor load a cadre.
    _pair(full, households[gaps[0]], ended=True)
    leader = _cadre("LEAD", town.code, kind=CadreKind.LEADER)
    LeaderPair.objects.create(leader=leader, village=village, started_on=STARTED)
    area = _cadre("AREA", village.code, kind=CadreKind.VILLAGE)
    AreaPair.objects.create(cadre=area, village=village, area="一组", started_on=STARTED)
    AreaPair.objects.create(cadre=area, village=other, area="一组", started_on=STARTED, ended_on=STARTED)
    return {"town": town, "village": village, "other": other, "gaps": sorted(gaps), "needing": len(needing),
            "over": ["POL", "OWN"]}


def _by_code(rows):
    return {r.code: r for r in rows if not r.total}


def test_every_gap_is_found_per_village(make_user, places, grid):
    rows = coverage.coverage_rows(user=make_user("county", places["county"]), division_code="")
    village, other = _by_code(rows)[grid["village"].code], _by_code(rows)[grid["other"].code]
    assert (village.needing, village.without_cadre) == (grid["needing"], 2)
    assert village.over_capacity == 1  # OWN serves the village; POL serves the town
    assert (village.without_leader, village.without_area) == (0, 0)
    assert (other.needing, other.without_cadre, other.over_capacity) == (0, 0, 0)
    assert (other.without_leader, other.without_area) == (1, 1)  # an ended pair is no pair


def test_towns_and_the_division_roll_up(make_user, places, grid):
    rows = coverage.coverage_rows(user=make_user("county", places["county"]), division_code="")
    town, total = _by_code(rows)[grid["town"].code], rows[-1]
    assert total.total and total.code == places["county"].code
    assert [r.code for r in rows[:3]] == [grid["town"].code, grid["village"].code, grid["other"].code]
    for row in (town, total):
        assert (row.villages, row.needing, row.without_cadre) == (2, grid["needing"], 2)
        assert (row.over_capacity, row.without_leader, row.without_area) == (2, 1, 1)


def test_the_lists_behind_the_gaps(make_user, places, grid):
    user = make_user("town", places["town"])
    missing = coverage.households_without_cadre(user, places["town"])
    assert [h for h, _v in missing] == grid["gaps"]
    over = coverage.cadres_over_capacity(user, places["town"])
    assert [(o.cadre.cadre_id, o.load, o.capacity) for o in over] == [("OWN", 3, 2), ("POL", 6, 5)]


def test_a_village_officer_sees_only_the_village(make_user, places, grid):
    rows = coverage.coverage_rows(user=make_user("village", places["village"]), division_code="")
    assert len(rows) == 1 and rows[0].total and rows[0].code == grid["village"].code
    assert rows[0].without_cadre == 2 and rows[0].over_capacity == 1


def test_a_division_elsewhere_is_no_such_division(make_user, places, grid):
    with pytest.raises(Http404):
        coverage.coverage_rows(user=make_user("county", places["other_county"]), division_code=grid["town"].code)


def test_the_coverage_page_and_its_export(client, make_user, places, grid):
    client.force_login(make_user("county", places["county"]))
    page = client.get("/grid/coverage/").content.decode()
    assert 'data-count="without_cadre"' in page and grid["other"].name in page
    assert 'id="assign-button"' in page  # a county officer may assign
    gaps_only = client.get("/grid/coverage/?gaps=yes").content.decode()
    assert grid["other"].name in gaps_only
    workbook = openpyxl.load_workbook(BytesIO(client.post("/grid/coverage/").content), read_only=True)
    cells = {tuple(row) for row in workbook.active.iter_rows(values_only=True)}
    assert (grid["village"].code, grid["village"].name, grid["needing"], 2, 1, 0, 0) in cells
    assert (grid["other"].code, grid["other"].name, 0, 0, 0, 1, 1) in cells


def test_the_households_without_a_cadre_page_links_to_pairing(client, make_user, places, grid):
    client.force_login(make_user("town", places["town"]))
    page = client.get("/grid/coverage/households/").content.decode()
    for household_id in grid["gaps"]:
        assert f"/grid/households/{household_id}/cadre/" in page
    response = client.post("/grid/coverage/households/")
    assert response["Content-Type"].startswith(XLSX)
    ids = [row[0] for row in openpyxl.load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True)]
    assert ids[1:] == grid["gaps"]


def test_the_cadres_over_capacity_page_and_export(client, make_user, places, grid):
    client.force_login(make_user("county", places["county"]))
    page = client.get("/grid/coverage/cadres/").content.decode()
    assert "干部OWN" in page and "干部POL" in page and "干部FULL" not in page
    rows = list(openpyxl.load_workbook(BytesIO(client.post("/grid/coverage/cadres/").content))
                .active.iter_rows(values_only=True))
    assert [(r[0], r[5], r[6]) for r in rows[1:]] == [("OWN", 3, 2), ("POL", 6, 5)]


def test_the_assign_button_is_for_grid_assign_roles_only(client, make_user, places, grid):
    client.force_login(make_user("village", places["village"]))
    assert 'id="assign-button"' not in client.get("/grid/coverage/").content.decode()


def test_the_dashboard_card_counts_the_gaps_by_division(rf, make_user, places, grid):
    request = rf.get("/monitoring/")
    request.user = make_user("county", places["county"])
    card = dashboard.grid_cards(request, "")[0]
    assert [c.value for c in card.rows[0]] == [grid["town"].name, grid["town"].code, grid["needing"], 2, 2, 1, 1]
    assert [c.value for c in card.total][2:] == [grid["needing"], 2, 2, 1, 1]
    town_card = dashboard.grid_cards(request, grid["town"].code)[0]
    assert [r[0].value for r in town_card.rows] == [grid["village"].name, grid["other"].name]


def test_the_dashboard_card_export(client, make_user, places, grid):
    client.force_login(make_user("county", places["county"]))
    response = client.post(f"/grid/dashboard/{dashboard.GAPS}/export/?division={grid['town'].code}")
    assert response["Content-Type"].startswith(XLSX)
    rows = list(openpyxl.load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][:4] == (grid["village"].name, grid["village"].code, grid["needing"], 2)
    assert client.post(f"/grid/dashboard/{dashboard.GAPS}/export/?division={places['other_county'].code}").status_code == 404


def test_the_card_stands_on_the_monitoring_dashboard(client, make_user, places, grid):
    client.force_login(make_user("town", places["town"]))
    page = client.get("/monitoring/").content.decode()
    assert 'id="grid-coverage"' in page and grid["other"].name in page
