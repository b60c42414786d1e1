"""The "assign" button (issue 11, item 2): one AssignmentRun per press, run by the
background worker; what it writes is exactly the engine's assignment of the database's
tables, with the counts on the run; a failure keeps its sentence and writes no pair."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import openpyxl
import pyarrow.compute as pc
import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from neisheng.accounts.models import AuditEvent
from neisheng.engine.assignment import assign_cadres
from neisheng.grid import assign
from neisheng.grid.models import AssignmentRun, Cadre, CadreKind, CadrePair, PairSource
from neisheng.grid.selectors import needing_cadre_table
from neisheng.platform.jobs import worker_run_once
from neisheng.platform.models import Job
from neisheng.registry.models import Household

STARTED = dt.date(2026, 1, 5)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cadres(places) -> dict[str, Cadre]:
    """Near and far cadres of the county, with too little room for every household: some
    stay unassigned; one of them already has households."""
    village, town, county = places["village"], places["town"], places["county"]
    made = {}
    for cadre_id, division, capacity in (("V1", village.code, 3), ("V2", village.code, None),
                                         ("T1", town.code, 4), ("C1", county.code, 2), ("C2", county.code, None)):
        made[cadre_id] = Cadre.objects.create(cadre_id=cadre_id, name=f"干部{cadre_id}", division_code=division,
                                              capacity=capacity, kind=CadreKind.ASSISTANCE)
    # Neither a leader nor another county's cadre is ever assigned.
    Cadre.objects.create(cadre_id="LEAD", name="领导", division_code=town.code, kind=CadreKind.LEADER)
    Cadre.objects.create(cadre_id="FAR", name="外县", division_code=places["other_county"].code)
    needing = needing_cadre_table(division_code=village.code).column("household_id").to_pylist()
    for household_id in needing[:2]:
        CadrePair.objects.create(cadre=made["V1"], household=Household.objects.get(pk=household_id),
                                 division_code=village.code, started_on=STARTED)
    return made


def _expected(division_code: str):
    from neisheng.monitoring.policies import policy_current

    policy = policy_current().policy
    return assign_cadres(*assign.assignment_tables(division_code), max_per_cadre=policy.grid_max_per_cadre,
                         town_cost=policy.grid_town_cost, county_cost=policy.grid_county_cost)


def _new_pairs(result) -> set[tuple[str, str]]:
    new = result.pairs.filter(pc.invert(result.pairs.column("kept")))
    return set(zip(new.column("cadre_id").to_pylist(), new.column("household_id").to_pylist()))


@pytest.mark.django_db(transaction=True)
def test_the_job_writes_the_engine_s_assignment_with_its_counts(make_user, places):
    cadres = _cadres(places)
    officer = make_user("county", places["county"])
    town = places["town"].code
    expected = _expected(town)
    assert expected.assigned > 0 and expected.unassigned.num_rows > 0  # the instance has both

    run = assign.assignment_start(user=officer, division_code=town)
    assert run.finished_at is None and not CadrePair.objects.filter(assignment=run).exists()
    assert worker_run_once() == 1
    run.refresh_from_db()
    assert not run.error and run.finished_at is not None
    assert (run.assigned, run.kept, run.unassigned, run.total_cost) == (
        expected.assigned, expected.kept, expected.unassigned.num_rows, expected.total_cost)
    made = CadrePair.objects.filter(assignment=run)
    assert {(p.cadre.cadre_id, p.household_id) for p in made.select_related("cadre")} == _new_pairs(expected)
    assert set(made.values_list("source", flat=True)) == {PairSource.AUTO}
    assert all(p.started_by == officer and p.ended_on is None for p in made)
    for cadre in cadres.values():  # no cadre gets more than it may have
        assert cadre.household_pairs.filter(ended_on__isnull=True).count() <= (cadre.capacity or 5)
    job = Job.objects.get(pk=run.job_id)
    assert job.status == Job.Status.DONE and job.result["assigned"] == expected.assigned
    assert AuditEvent.objects.filter(object_type="assignment_run", object_id=str(run.pk), action="update",
                                     detail__assigned=expected.assigned).exists()


@pytest.mark.django_db(transaction=True)
def test_a_failure_keeps_its_sentence_and_writes_no_pair(make_user, places):
    _cadres(places)
    # A cadre whose code is not a division code: the engine refuses the table, naming it.
    Cadre.objects.create(cadre_id="BAD", name="错码", division_code=places["county"].code[:6] + "1",
                         kind=CadreKind.ASSISTANCE)
    officer = make_user("county", places["county"])
    before = CadrePair.objects.count()
    run = assign.assignment_start(user=officer, division_code=places["county"].code)
    worker_run_once()
    run.refresh_from_db()
    chinese, english = run.error.split(" / ")
    assert chinese == "数据有误,无法分配:干部 BAD 的服务区划代码“5002371”不对"
    assert english.startswith("the data cannot be assigned: the cadre BAD: division_code '5002371': not a division")
    assert CadrePair.objects.count() == before and not CadrePair.objects.filter(assignment=run).exists()
    assert run.assigned == 0
    job = Job.objects.get(pk=run.job_id)
    assert job.status == Job.Status.FAILED and job.error == run.error[:500]


@pytest.mark.django_db
def test_the_run_s_pages_show_counts_pairs_and_the_still_unpaired(client, make_user, places):
    _cadres(places)
    officer = make_user("county", places["county"])
    client.force_login(officer)
    response = client.post("/grid/assignments/start/", {"division": places["town"].code})
    run = AssignmentRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/grid/assignments/{run.pk}/"
    running = client.get(f"/grid/assignments/{run.pk}/").content.decode()
    assert 'id="assign-progress"' in running
    assert client.get(f"/grid/assignments/{run.pk}/?format=json").json()["run_status"] == "running"
    assign.assignment_execute(run.pk)
    run.refresh_from_db()
    page = client.get(f"/grid/assignments/{run.pk}/").content.decode()
    assert f'data-count="assigned">{run.assigned}<' in page
    assert f'data-count="unassigned">{run.unassigned}<' in page
    first = CadrePair.objects.filter(assignment=run).order_by("household_id").first()
    assert first.household_id in page
    unpaired = needing_cadre_table(division_code=places["town"].code).column("household_id").to_pylist()
    unpaired = [h for h in unpaired if not CadrePair.objects.filter(household_id=h, ended_on__isnull=True).exists()]
    assert len(unpaired) == run.unassigned and unpaired[0] in page
    listed = client.get("/grid/assignments/").content.decode()
    assert f"/grid/assignments/{run.pk}/" in listed
    workbook = openpyxl.load_workbook(BytesIO(client.post(f"/grid/assignments/{run.pk}/pairs/").content))
    exported = {(row[0], row[4]) for row in list(workbook.active.iter_rows(values_only=True))[1:]}
    assert exported == {(p.household_id, p.cadre.cadre_id) for p in CadrePair.objects.filter(assignment=run)}
    assert len(exported) == run.assigned


@pytest.mark.django_db
def test_who_may_press_the_button_and_where(make_user, places):
    with pytest.raises(PermissionDenied):
        assign.assignment_start(user=make_user("village", places["village"]), division_code=places["town"].code)
    with pytest.raises(Http404):
        assign.assignment_start(user=make_user("county", places["other_county"]),
                                division_code=places["town"].code)
    with pytest.raises(PermissionDenied):  # a village: its town's run covers it
        assign.assignment_start(user=make_user("county", places["county"]), division_code=places["village"].code)
    town_officer = make_user("town", places["town"])
    with pytest.raises(Http404):  # above the officer's own division
        assign.assignment_start(user=town_officer, division_code=places["county"].code)
    assert not AssignmentRun.objects.exists()
    run = assign.assignment_start(user=town_officer, division_code=places["town"].code)
    assert run.division_code == places["town"].code and Job.objects.get(pk=run.job_id).division_code == run.division_code


@pytest.mark.django_db
def test_a_second_press_keeps_what_the_first_made(make_user, places):
    _cadres(places)
    officer = make_user("county", places["county"])
    first = assign.assignment_execute(assign.assignment_start(user=officer, division_code=places["county"].code).pk)
    second = assign.assignment_execute(assign.assignment_start(user=officer, division_code=places["county"].code).pk)
    assert first.assigned > 0 and not second.error
    assert second.assigned == 0 and second.kept == first.kept + first.assigned
    assert second.unassigned == first.unassigned


@pytest.mark.django_db
def test_a_town_officer_s_run_may_use_the_county_s_cadres(make_user, places):
    """grid.md: a cadre of the county may serve anywhere in it, also when a town presses
    the button (the cadre is outside the town officer's own scope)."""
    cadres = _cadres(places)
    expected = _expected(places["town"].code)
    assert {c for c, _h in _new_pairs(expected)} & {"C1", "C2"}  # the county's cadres are needed
    run = assign.assignment_start(user=make_user("town", places["town"]), division_code=places["town"].code)
    run = assign.assignment_execute(run.pk)
    assert not run.error, run.error
    made = {(p.cadre.cadre_id, p.household_id) for p in CadrePair.objects.filter(assignment=run)
            .select_related("cadre")}
    assert made == _new_pairs(expected) and cadres["C1"].household_pairs.exists()
