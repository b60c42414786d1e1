"""Lectures and village meetings (宣讲, 议事): attending one sets the household's
`participates_village_affairs` through the registry's write path, with the meeting in the
household's history, and carries out its morale_support measure (one measure, however
many meetings). Refusals by field; the pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from neisheng.assistance.models import Meeting, MeetingAttendance
from neisheng.assistance.services.meetings import meeting_attendance_record, meeting_create
from neisheng.measures.models import AssignedMeasure
from neisheng.registry.models import Household
from neisheng.registry.selectors.history import change_history

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def officer(make_user, places):
    return make_user("county", places["county"])


def meeting(user, division, **changes) -> Meeting:
    values = {"division_code": division.code, "kind": "lecture", "held_on": TODAY - dt.timedelta(days=3),
              "topic": "防返贫政策宣讲", "host": "驻村第一书记"}
    values.update(changes)
    return meeting_create(user=user, **values)


def outsider_household(village) -> Household:
    return Household.objects.filter(village=village, participates_village_affairs=False).order_by("pk").first()


def test_attending_sets_village_affairs_with_the_meeting_in_the_history(officer, places):
    lecture = meeting(officer, places["village"])
    household = outsider_household(places["village"])
    attendance = meeting_attendance_record(user=officer, meeting=lecture, household=household)
    household.refresh_from_db()
    assert household.participates_village_affairs
    change = next(c for c in change_history(household) if (c.kind, c.activity) == ("会议参加", lecture.pk))
    assert ("参与村集体事务", "否", "是") in [tuple(map(str, f)) for f in change.fields]
    measure = attendance.measure
    assert (measure.measure, measure.person_id, measure.state) == ("morale_support", "", "done")
    # A second meeting belongs to the same measure, and leaves the flag as it is.
    council = meeting(officer, places["town"], kind="council", topic="村规民约")
    again = meeting_attendance_record(user=officer, meeting=council, household=household)
    assert again.measure_id == measure.pk
    assert AssignedMeasure.objects.filter(household=household, measure="morale_support").count() == 1


def test_refusals(officer, make_user, places):
    household = outsider_household(places["village"])
    with pytest.raises(ValidationError) as refused:
        meeting(officer, places["village"], held_on=TODAY + dt.timedelta(days=1), kind="x", topic=" ")
    assert {"held_on", "kind", "topic"} <= set(refused.value.message_dict)
    lecture = meeting(officer, places["village"])
    meeting_attendance_record(user=officer, meeting=lecture, household=household)
    with pytest.raises(ValidationError) as refused:
        meeting_attendance_record(user=officer, meeting=lecture, household=household)
    assert "household" in refused.value.message_dict
    other = Household.objects.filter(village=places["village"]).exclude(pk=household.pk).order_by("pk").first()
    member = household.members.order_by("pk").first()
    with pytest.raises(ValidationError) as refused:
        meeting_attendance_record(user=officer, meeting=lecture, household=other, person=member)
    assert "person" in refused.value.message_dict
    admin = make_user("admin")
    far = meeting(admin, places["other_village"])
    with pytest.raises(ValidationError) as refused:
        meeting_attendance_record(user=admin, meeting=far, household=other)
    assert "household" in refused.value.message_dict
    with pytest.raises(Http404):
        meeting_attendance_record(user=officer, meeting=far, household=other)
    assert MeetingAttendance.objects.count() == 1


def test_the_pages(client, officer, places):
    client.force_login(officer)
    response = client.post("/assistance/meetings/new/", {
        "division_code": places["village"].code, "kind": "council", "held_on": TODAY.isoformat(),
        "topic": "产业项目议事", "host": "村支书"})
    created = Meeting.objects.get(topic="产业项目议事")
    assert response.status_code == 302 and response["Location"] == f"/assistance/meetings/{created.pk}/"
    household = outsider_household(places["village"])
    member = household.members.filter(alive=True).order_by("pk").first()
    response = client.post(f"/assistance/meetings/{created.pk}/attendance/", {"person_id": member.person_id})
    assert response.status_code == 302
    page = client.get(f"/assistance/meetings/{created.pk}/").content.decode()
    assert household.household_id in page and member.name in page
    assert "产业项目议事" in client.get("/assistance/meetings/?kind=council").content.decode()
    assert "产业项目议事" not in client.get("/assistance/meetings/?kind=lecture").content.decode()
    response = client.post(f"/assistance/meetings/{created.pk}/attendance/", {"household_id": "NO-SUCH"})
    assert response.status_code == 400 and "在您管辖范围内的登记中没有这个户编号" in response.content.decode()
    export = client.post(f"/assistance/meetings/{created.pk}/")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
