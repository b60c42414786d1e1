"""The demo county's councils (issue 16) on the test county with the demo logins: two
councils of the demo town, a year of meetings with who came, the registry following the
attendance, suggestions and demands mostly answered on time, some late, some open, one
overdue, supervision notes on the village's photovoltaic station and its plan, and the
figures the pages show agreeing with what was made."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

pytestmark = pytest.mark.slow

YEAR = 2026


def _station(village_code: str, town_code: str, today: dt.date):
    """The town's station serving the village, with this year's plan (as demo_projects
    would have made it)."""
    from neisheng.projects.models import DistributionPlan, Project, ProjectDivision, Revenue

    station = Project.objects.create(division_code=town_code, name="镇光伏扶贫电站", kind="photovoltaic")
    ProjectDivision.objects.create(project=station, division_code=village_code)
    revenue = Revenue.objects.create(project=station, year=today.year, kind="electricity",
                                     amount=Decimal("131205.60"), received_on=today - dt.timedelta(days=60))
    DistributionPlan.objects.create(project=station, revenue=revenue, division_code=town_code, title="电费收益分配",
                                    plan_on=today - dt.timedelta(days=50), total=Decimal("131205.60"),
                                    collective_share=Decimal("0.3"), method="per_household")
    return station


def _second_village(village_code: str) -> str:
    """The test county's town has one village: a neighbour made of its last 60 households
    (the test's transaction rolls it back), as the demo county's towns have several."""
    from neisheng.registry.models import Division, Household

    village = Division.objects.get(code=village_code)
    neighbour = Division.objects.create(code=village_code[:-3] + "299", name="石门村", level=village.level,
                                        parent=village.parent)
    moved = list(Household.objects.filter(village=village).order_by("-household_id")
                 .values_list("household_id", flat=True)[:60])
    Household.objects.filter(household_id__in=moved).update(village=neighbour)
    return neighbour.code


def test_the_demo_has_two_councils_with_a_year_of_work(county, tmp_path, client):
    from neisheng.accounts.models import User
    from neisheng.accounts.services import demo_users_create
    from neisheng.councils import selectors
    from neisheng.councils.models import Attendance, Council, CouncilMember, Item, SupervisionNote
    from neisheng.councils.services import REASON_NAME
    from neisheng.registry.selectors.history import change_history
    from neisheng.web.demo_councils import _today, demo_councils_build

    logins = demo_users_create(county_code="500237", password="demo-councils-test-2026")
    town = User.objects.get(username=next(u["username"] for u in logins if u["role"] == "town"))
    village_code = next(u["division_code"] for u in logins if u["role"] == "village")
    today = _today(YEAR)
    neighbour = _second_village(village_code)
    _station(village_code, town.division_id, today)
    said = []
    made = demo_councils_build(home=tmp_path, logins=logins, year=YEAR, say=said.append)

    assert len(made.councils) == 2 and village_code in made.councils
    councils = {c.division_code: c for c in Council.objects.all()}
    assert set(councils) == set(made.councils)
    main = councils[village_code]
    # The demo village's council: six members in office, one who left with the reason.
    assert CouncilMember.objects.filter(council=main, ends_on__isnull=True).count() == 6
    left = CouncilMember.objects.get(council=main, ends_on__isnull=False)
    assert left.end_reason.startswith("外出务工") and left.person_id is not None
    # A year of meetings: more than the policy asks of the main council, one short of the other.
    figures = selectors.figures_for(list(councils.values()), year=today.year, today=today)
    policy = selectors.policy_of(today.year)
    assert figures[village_code].meetings >= policy.councils_meetings_per_year
    assert figures[village_code].meetings_gap == 0
    other = neighbour
    assert made.meetings[other] == 3 and figures[other].meetings == 2 and figures[other].meetings_gap >= 1
    # Who came took part in village affairs, the household's history naming the meeting.
    assert made.affairs_set > 0
    attended = Attendance.objects.filter(affairs_set=True).select_related("household", "meeting").first()
    attended.household.refresh_from_db()
    assert attended.household.participates_village_affairs
    assert any((c.kind, c.activity) == (REASON_NAME, attended.meeting_id) for c in change_history(attended.household))
    # Suggestions and demands: most on time, some late, the newest open, one overdue.
    items = Item.objects.filter(council__in=councils.values())
    assert items.count() == sum(made.items.values()) and set(made.items) == {"suggestion", "demand"}
    assert made.closed_on_time > made.closed_late >= 1 and made.open >= 2 and made.open_overdue >= 1
    assert made.closed_on_time + made.closed_late + made.open == items.count()
    late = Item.objects.get(pk=made.item_late)
    assert (late.closed_on - late.raised_on).days > policy.councils_answer_days
    assert [r.closes for r in late.responses.order_by("responded_on", "pk")] == [False, True]
    total = selectors.total_for(list(councils.values()), year=today.year, today=today)
    assert total.answered_on_time <= made.closed_on_time and total.answered <= items.count()
    # Supervision: the station and its plan, one concern.
    notes = SupervisionNote.objects.filter(council=main)
    assert notes.filter(plan__isnull=False, concern=True).count() == 1 and notes.filter(plan__isnull=True).exists()
    assert made.notes == SupervisionNote.objects.count() and made.concerns >= 1
    # The pages show it.
    client.force_login(town)
    page = client.get(f"/councils/{main.pk}/").content.decode()
    assert 'id="council-figures"' in page and left.name in page
    assert len(made.lines()) == 3 and said
