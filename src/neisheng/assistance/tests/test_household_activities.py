"""The household page's "帮扶活动" card: every participation of the household across the
activities, newest first, each linking to its activity; none of another county's."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import lxml.html
import pytest
from django.utils import timezone

from neisheng.assistance.models import JobPlacement
from neisheng.assistance.services.meetings import meeting_attendance_record, meeting_create
from neisheng.assistance.services.trainings import training_attendance_record, training_create
from neisheng.registry.models import Household

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def test_the_card_lists_every_activity_newest_first_with_links(client, make_user, places):
    officer = make_user("county", places["county"])
    household = Household.objects.filter(village=places["village"]).order_by("pk").first()
    member = household.members.filter(alive=True).order_by("pk").first()
    training = training_create(user=officer, division_code=places["county"].code, course="电工培训",
                               starts_on=TODAY - dt.timedelta(days=30), ends_on=TODAY - dt.timedelta(days=25),
                               trainer="县职校")
    training_attendance_record(user=officer, training=training, person=member, days_attended=6, completed=True,
                               certificate_no="DG-1", certified_on=TODAY - dt.timedelta(days=25))
    lecture = meeting_create(user=officer, division_code=places["village"].code, kind="lecture",
                             held_on=TODAY - dt.timedelta(days=2), topic="防返贫政策宣讲")
    meeting_attendance_record(user=officer, meeting=lecture, household=household)
    # Another area's record (written directly here: its service is helper F's).
    JobPlacement.objects.create(household=household, person=member, employer="蔬菜大棚基地", starts_on=TODAY - dt.timedelta(days=10),
                                year=TODAY.year, months=6, monthly_wage=Decimal(2000))

    client.force_login(make_user("village", places["village"]))
    html = client.get(f"/households/{household.household_id}/").content.decode()
    card = lxml.html.fromstring(html).get_element_by_id("household-activities")
    items = card.find_class("household-activity")
    assert [i.get("data-activity") for i in items] == ["meetingattendance", "jobplacement", "trainingattendance"]
    links = [a.get("href") for a in card.iter("a")]
    assert f"/assistance/meetings/{lecture.pk}/" in links and f"/assistance/trainings/{training.pk}/" in links
    text = card.text_content()
    assert "电工培训" in text and "取得证书" in text and member.name in text and "蔬菜大棚基地" in text

    # Someone of the other county opens no page of it; a household without activities has no card.
    client.force_login(make_user("county", places["other_county"], username="far"))
    assert client.get(f"/households/{household.household_id}/").status_code == 404
    client.force_login(officer)
    quiet = Household.objects.filter(village=places["village"]).exclude(pk=household.pk).order_by("pk").first()
    assert 'id="household-activities"' not in client.get(f"/households/{quiet.household_id}/").content.decode()
