"""The councils' one write path: a demand's response time (known answer), attendance
setting participates_village_affairs through the registry's write path with the meeting
in the household's history, members' history kept, refusals by field, scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from neisheng.accounts.models import AuditEvent
from neisheng.councils import selectors, services
from neisheng.councils.models import Attendance, CouncilMember, Item
from neisheng.registry.models import Household
from neisheng.registry.selectors.history import change_history

from .conftest import FOUNDED, TODAY

pytestmark = pytest.mark.django_db


def test_attendance_sets_village_affairs_once_with_the_meeting_in_the_history(officer, council, president,
                                                                              villagers):
    outsider = services.member_add(user=officer, council=council, role="supervisor", starts_on=FOUNDED,
                                   name="王老师", affiliation="退休教师")
    already = villagers[3]
    Household.objects.filter(pk=already.pk).update(participates_village_affairs=True)
    meeting = services.meeting_record(
        user=officer, council=council, held_on=TODAY - dt.timedelta(days=5), kind="hearing", topic="听取群众意见",
        members=[president, outsider], households=[villagers[1].pk, villagers[2], already.pk, villagers[1].pk])
    rows = list(Attendance.objects.filter(meeting=meeting).order_by("pk"))
    # The president (with their household), the outsider, three households once each.
    assert len(rows) == 5
    assert {r.household_id for r in rows if r.affairs_set} == {villagers[0].pk, villagers[1].pk, villagers[2].pk}
    for household in villagers[:3]:
        household.refresh_from_db()
        assert household.participates_village_affairs
        change = next(c for c in change_history(household) if (c.kind, c.activity) == ("理事会会议", meeting.pk))
        assert ("参与村集体事务", "否", "是") in [tuple(map(str, f)) for f in change.fields]
    # The household that already took part is left as it was: no change in its history.
    assert not [c for c in change_history(already) if c.activity == meeting.pk]
    # A second meeting changes nothing more.
    again = services.meeting_record(user=officer, council=council, held_on=TODAY, kind="regular", topic="例会",
                                    households=[villagers[1].pk])
    assert not Attendance.objects.filter(meeting=again, affairs_set=True).exists()
    event = AuditEvent.objects.filter(object_type="council_meeting", object_id=str(meeting.pk)).get()
    assert event.division_code == council.division_code and event.detail["participates_village_affairs_set"] == 3


def test_a_meeting_s_refusals_leave_the_registry_alone(officer, council, president, villagers, places):
    from neisheng.registry.models import Household

    elsewhere = Household.objects.exclude(village=places["village"]).order_by("pk").first()
    with pytest.raises(ValidationError) as refused:
        services.meeting_record(user=officer, council=council, held_on=TODAY + dt.timedelta(days=1), kind="x",
                                topic=" ", households=[villagers[1].pk, elsewhere.pk, "nope"], members=[999999])
    assert {"held_on", "kind", "topic", "households", "members"} <= set(refused.value.message_dict)
    assert len(refused.value.message_dict["households"]) == 2
    villagers[1].refresh_from_db()
    assert not villagers[1].participates_village_affairs
    services.member_end(user=officer, member=president, ends_on=TODAY - dt.timedelta(days=10), reason="外出务工")
    with pytest.raises(ValidationError) as refused:
        services.meeting_record(user=officer, council=council, held_on=TODAY, kind="regular", topic="例会",
                                members=[president])
    assert "members" in refused.value.message_dict


def test_a_demand_s_response_time_is_counted(officer, council, villagers):
    # Last year's items, so the year's figures are complete whatever day the test runs.
    year = TODAY.year - 1
    raised = dt.date(year, 3, 3)
    demand = services.item_raise(user=officer, council=council, kind="demand", category="infrastructure",
                                 text="村道破损，雨天难行", raised_on=raised, household=villagers[1].pk, raised_by="张三")
    services.item_respond(user=officer, item=demand, responded_on=dt.date(year, 3, 8), responder="村委会",
                          action="已上报乡镇，列入修路计划")
    demand.refresh_from_db()
    assert demand.closed_on is None
    services.item_respond(user=officer, item=demand, responded_on=dt.date(year, 3, 20), responder="乡镇交通办",
                          action="已修复", closes=True)
    demand.refresh_from_db()
    assert demand.closed_on == dt.date(year, 3, 20)
    event = AuditEvent.objects.filter(object_type="council_response").order_by("pk").last()
    assert event.detail["days"] == 17 and event.detail["closes"]
    with pytest.raises(ValidationError) as refused:
        services.item_respond(user=officer, item=demand, responded_on=TODAY, responder="村委会", action="再次答复")
    assert "__all__" in refused.value.message_dict
    suggestion = services.item_raise(user=officer, council=council, kind="suggestion", category="policy",
                                     text="多宣讲政策", raised_on=raised)
    services.item_respond(user=officer, item=suggestion, responded_on=dt.date(year, 3, 6),
                          responder="驻村工作队", action="已安排宣讲", closes=True)
    services.item_raise(user=officer, council=council, kind="demand", category="livelihood", text="低保申请",
                        raised_on=dt.date(year, 12, 1))
    figures = selectors.figures_for([council], year=year, today=TODAY)[council.division_code]
    # 17 days for the demand (late at the policy's 15), 3 for the suggestion; the demand of
    # 1 December still open at the year's end, 30 days on: overdue.
    assert (figures.demands, figures.suggestions) == (2, 1)
    assert (figures.answered, figures.answered_on_time, figures.median_days, figures.mean_days) == (2, 1, 10, 10)
    assert figures.open_overdue == 1
    assert {k: (n, t) for k, n, t in figures.by_kind} == {"demand": (1, 0), "suggestion": (1, 1)}


def test_item_refusals(officer, council, places):
    from neisheng.registry.models import Household

    elsewhere = Household.objects.exclude(village=places["village"]).order_by("pk").first()
    with pytest.raises(ValidationError) as refused:
        services.item_raise(user=officer, council=council, kind="x", category="y", text="", raised_on=None,
                            household=elsewhere.pk)
    assert {"kind", "category", "text", "raised_on", "household"} <= set(refused.value.message_dict)
    item = services.item_raise(user=officer, council=council, kind="demand", category="other", text="问题",
                               raised_on=TODAY)
    with pytest.raises(ValidationError) as refused:
        services.item_respond(user=officer, item=item, responded_on=TODAY - dt.timedelta(days=1), responder="",
                              action="")
    assert {"responded_on", "responder", "action"} <= set(refused.value.message_dict)
    meeting = services.meeting_record(user=officer, council=council, held_on=TODAY - dt.timedelta(days=2),
                                      kind="regular", topic="例会")
    at_meeting = services.item_raise(user=officer, council=council, kind="suggestion", category="industry",
                                     text="发展养殖", meeting=meeting)
    assert at_meeting.raised_on == meeting.held_on
    assert Item.objects.filter(council=council).count() == 2


def test_members_keep_their_history(officer, council, president, villagers):
    with pytest.raises(ValidationError) as refused:
        services.member_add(user=officer, council=council, role="president", starts_on=TODAY, name="李四")
    assert "role" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.member_add(user=officer, council=council, role="director", starts_on=TODAY,
                            person=president.person)
    assert "person" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.member_add(user=officer, council=council, role="director", starts_on=TODAY)
    assert "name" in refused.value.message_dict
    services.member_end(user=officer, member=president, ends_on=TODAY, reason="换届")
    successor = services.member_add(user=officer, council=council, role="president", starts_on=TODAY,
                                    person=villagers[1].members.order_by("birth_date").first())
    rows = list(CouncilMember.objects.filter(council=council, role="president").order_by("pk"))
    assert [(r.pk, r.ends_on, r.end_reason) for r in rows] == [(president.pk, TODAY, "换届"), (successor.pk, None, "")]
    with pytest.raises(ValidationError):
        services.member_end(user=officer, member=president, ends_on=TODAY, reason="再次")
    event = AuditEvent.objects.filter(object_type="council_member", action="update").get()
    assert event.detail["changes"]["end_reason"] == ["", "换届"]


def test_scope_and_capability(make_user, places, council, villagers):
    from neisheng.councils.models import Council

    elsewhere = make_user("village", places["other_village"])
    with pytest.raises(Http404):
        services.item_raise(user=elsewhere, council=council, kind="demand", category="other", text="x",
                            raised_on=TODAY)
    researcher = make_user("researcher", places["county"])
    with pytest.raises(PermissionDenied):
        services.council_create(user=researcher, division_code=places["village"].code, name="x", founded_on=TODAY)
    with pytest.raises(PermissionDenied):
        selectors.items_visible(researcher)
    town = make_user("town", places["town"])
    with pytest.raises(ValidationError) as refused:
        services.council_create(user=town, division_code=places["village"].code, name="又一个", founded_on=TODAY)
    assert "division_code" in refused.value.message_dict  # one council a village
    with pytest.raises(ValidationError) as refused:
        services.council_create(user=town, division_code=places["other_village"].code, name="x", founded_on=TODAY)
    assert "division_code" in refused.value.message_dict
    assert Council.objects.count() == 1


def test_supervision_notes_are_on_the_village_s_projects(officer, council, places, make_user):
    from decimal import Decimal

    from neisheng.projects.models import DistributionPlan, Project, ProjectDivision, Revenue

    town_project = Project.objects.create(division_code=places["town"].code, name="镇级光伏电站",
                                          kind="photovoltaic")
    ProjectDivision.objects.create(project=town_project, division_code=places["village"].code)
    revenue = Revenue.objects.create(project=town_project, year=TODAY.year, kind="electricity",
                                     amount=Decimal("1000.00"), received_on=TODAY)
    plan = DistributionPlan.objects.create(project=town_project, revenue=revenue, division_code=places["town"].code,
                                           title="电费收益分配", plan_on=TODAY, total=Decimal("1000.00"),
                                           collective_share=Decimal("0.3"), method="per_household")
    far = Project.objects.create(division_code=places["other_village"].code, name="别处的项目", kind="other")
    note = services.note_record(user=officer, council=council, checked_on=TODAY, checked="分配名单和金额",
                                finding="名单与公示一致", plan=plan.pk)
    assert (note.project_id, note.plan_id) == (town_project.pk, plan.pk)
    services.note_record(user=officer, council=council, checked_on=TODAY, checked="电站运行", finding="正常",
                         project=town_project.pk, concern=True)
    with pytest.raises(ValidationError) as refused:
        services.note_record(user=officer, council=council, checked_on=TODAY, checked="x", finding="y",
                             project=far.pk)
    assert "project" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.note_record(user=officer, council=council, checked_on=TODAY, checked="", finding="")
    assert {"project", "checked", "finding"} <= set(refused.value.message_dict)
