"""The demo county's responsibility grid (issue 11, item 8), checked as a newcomer would
look at it: a full grid with a few gaps to fix, a week of visits with some households
overdue, problems in every state, and the public boards print.

Built on a fresh registry of 1,000 households (three villages of one town: the gaps need
villages other than the demo logins' own) with the demo logins, without the monitoring
workflow (test_demo_workflows.py builds the whole demo, the grid included)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Q
from django.test import Client
from django.utils import timezone

from neisheng.grid.coverage import coverage_rows
from neisheng.grid.models import AreaPair, Cadre, CadrePair, LeaderPair
from neisheng.grid.selectors import cadre_of_user, needing_cadre_table
from neisheng.platform.bulk import delete_all
from neisheng.problems.models import Problem
from neisheng.registry.models import Division, Household, IncomeItem, Person
from neisheng.visits.models import UpdateStatus, Visit
from neisheng.web import demo

pytestmark = pytest.mark.slow


def _built(tmp_path, settings, django_capture_on_commit_callbacks):
    from neisheng.accounts.models import User
    from neisheng.accounts.services import demo_users_create
    from neisheng.registry.services import registry_load_tables
    from neisheng.synth import generate_county
    from neisheng.web.demo_grid import demo_grid_build

    settings.MEDIA_ROOT = tmp_path / "uploads"
    delete_all([IncomeItem, Person, Household, Division])
    registry_load_tables(tables=generate_county(households=1000, seed=5, year=demo.DEMO_YEAR,
                                                county_code=demo.DEMO_COUNTY))
    logins = demo_users_create(county_code=demo.DEMO_COUNTY, password="demo-grid-test-2026")
    said = []
    with django_capture_on_commit_callbacks(execute=True):
        made = demo_grid_build(home=tmp_path, logins=logins, year=demo.DEMO_YEAR, say=said.append)
    users = {u["role"]: User.objects.get(username=u["username"]) for u in logins}
    return made, users, said


def test_the_demo_county_has_a_grid_visits_and_problems_to_show(db, tmp_path, settings,
                                                               django_capture_on_commit_callbacks):
    # One build for every check: each is what a newcomer looks for.
    built = _built(tmp_path, settings, django_capture_on_commit_callbacks)
    _the_grid_is_full_but_for_a_few_gaps_to_fix(built)
    _the_assistance_login_is_a_cadre_with_a_week_of_visits_some_overdue(built)
    _problems_are_in_every_state_and_the_public_board_prints(built)


def _the_grid_is_full_but_for_a_few_gaps_to_fix(built):
    made, users, said = built
    county = users["county"].division
    villages = Division.objects.filter(level=5, code__startswith=county.prefix)

    assert {"leader", "village", "assistance"} <= set(Cadre.objects.values_list("kind", flat=True))
    assert all(c.phone for c in Cadre.objects.all())
    # Every cadre on the demo village's board has a photo.
    village = users["village"].division
    on_board = Cadre.objects.filter(
        Q(household_pairs__division_code=village.code, household_pairs__ended_on=None)
        | Q(village_pairs__village=village, village_pairs__ended_on=None)
        | Q(area_pairs__village=village, area_pairs__ended_on=None)).distinct()
    assert on_board.count() >= 10 and all(c.photo for c in on_board) and made.photos == on_board.count()
    # One village without a leader, one without a village cadre, neither the demo village.
    without_leader = villages.exclude(code__in=LeaderPair.objects.filter(ended_on__isnull=True)
                                      .values("village_id"))
    without_area = villages.exclude(code__in=AreaPair.objects.filter(ended_on__isnull=True).values("village_id"))
    assert without_leader.count() == 1 and without_area.count() == 1
    assert users["village"].division not in {*without_leader, *without_area}
    # Most households paired by the import, the rest by the engine; a handful left without.
    sources = set(CadrePair.objects.values_list("source", flat=True))
    assert sources == {"import", "auto"}
    assert made.pairs_imported > made.pairs_assigned > 0
    needing = set(needing_cadre_table(division_code=county.code)["household_id"].to_pylist())
    paired = set(CadrePair.objects.filter(ended_on__isnull=True).values_list("household_id", flat=True))
    assert 1 <= len(needing - paired) <= 5
    assert CadrePair.objects.exclude(ended_on=None).exclude(end_reason="").exists()
    # The coverage page finds each gap.
    total = next(row for row in coverage_rows(user=users["county"], division_code=county.code) if row.total)
    assert (total.without_cadre, total.over_capacity, total.without_leader, total.without_area) == (
        len(needing - paired), 1, 1, 1)
    summary = "\n".join(said)
    assert "the grid is in place" in summary


def _the_assistance_login_is_a_cadre_with_a_week_of_visits_some_overdue(built):
    from neisheng.visits.selectors import week_for

    made, users, _ = built
    cadre = cadre_of_user(users["assistance"])
    today = timezone.localdate()

    assert cadre is not None and made.cadre_name == cadre.name
    mine = set(CadrePair.objects.filter(cadre=cadre, ended_on__isnull=True).values_list("household_id", flat=True))
    week = week_for(user=users["assistance"], today=today)
    assert len(mine) == 5 and {row.household.pk for row in week} <= mine
    # Never visited, and visited just too long ago: both overdue, at the top of the week.
    assert [row.overdue for row in week[:2]] == [True, True]
    visits = Visit.objects.filter(division_code=users["village"].division_id)
    assert visits.filter(visited_on__gte=today - dt.timedelta(days=7)).count() >= 10
    assert visits.filter(recorded_offline=True).exists()
    assert made.overdue_households >= 2
    # One visit's update met an edit made meanwhile: kept, not applied, shown.
    conflict = visits.get(update_status=UpdateStatus.CONFLICT)
    assert conflict.household.housing == "c_class" and conflict.updates == {"housing": "d_class"}
    # One raised a risk: a cadre_screening case, reported on the visit's day.
    risk = visits.get(case__isnull=False)
    assert risk.case.channel == "cadre_screening" and risk.case.reported_on == risk.visited_on
    assert visits.filter(problems__isnull=False).count() == 2


def _problems_are_in_every_state_and_the_public_board_prints(built):
    from neisheng.engine.grid import problem_overdue

    made, users, _ = built
    today = timezone.localdate()
    problems = Problem.objects.all()

    assert set(problems.values_list("state", flat=True)) == {"open", "resolved", "closed"}
    overdue = [p for p in problems if problem_overdue(p.state, p.deadline, today=today)]
    assert {p.state for p in overdue} == {"open", "resolved"}
    assert problems.filter(state="open", reopened_times=1).count() == 1
    assert all(p.closed_by != p.resolved_by for p in problems.filter(state="closed"))
    assert all(p.evidence.exists() for p in problems.exclude(resolved_on=None))
    assert made.problems_by_state == {"open": 6, "resolved": 2, "closed": 2}

    client = Client()
    client.force_login(users["county"])
    village = users["village"].division
    page = client.get(f"/grid/board/{village.code}/")
    cadre = cadre_of_user(users["assistance"])
    assert page.status_code == 200 and cadre.name in page.content.decode()
    pdf = client.get(f"/grid/board/{village.code}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content if pdf.streaming else [pdf.content]).startswith(b"%PDF")
