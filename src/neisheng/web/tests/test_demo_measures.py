"""The demo county's measures and activities (issue 13, item 6), checked as a newcomer would
look at them: last year's measures as planted, this year's in every state, trainings with
certificates, meetings, placements, welfare posts, industry, loans with one overdue, aid,
insurance, poor villages with gaps, one import refused with its bad rows named, and an
evaluation page with figures. Built on the test county (300 households) with the demo
logins, without the rest of the demo."""

from __future__ import annotations

import datetime as dt

import pyarrow.compute as pc
import pytest

from neisheng.assistance import models
from neisheng.measures.models import AssignedMeasure

pytestmark = pytest.mark.slow


def test_the_demo_county_has_measures_in_every_state_and_every_activity(client, county, tmp_path, settings,
                                                                         django_capture_on_commit_callbacks):
    from neisheng.accounts.models import User
    from neisheng.accounts.services import demo_users_create
    from neisheng.synth.effects import plant_effects
    from neisheng.web.demo_measures import DEMO_EFFECTS, demo_measures_build

    settings.MEDIA_ROOT = tmp_path / "uploads"
    ours = {name: table.filter(pc.starts_with(table["household_id"], "500237"))
            for name, table in county.items() if name != "divisions"}
    _, planted = plant_effects({**ours, "divisions": county["divisions"]}, effects=DEMO_EFFECTS, seed=3, year=2026)
    logins = demo_users_create(county_code="500237", password="demo-measures-test-2026")
    said = []
    with django_capture_on_commit_callbacks(execute=True):
        made = demo_measures_build(home=tmp_path, logins=logins, year=2026, say=said.append, planted=planted)
    users = {u["role"]: User.objects.get(username=u["username"]) for u in logins}
    assert made.skipped == [] and said

    # Last year's measures: one done measure per planted receipt, started on its date.
    last_year = AssignedMeasure.objects.filter(starts_on__year=2025, state=AssignedMeasure.State.DONE)
    assert last_year.count() == planted.num_rows == sum(made.planted.values())
    assert set(made.planted) == set(DEMO_EFFECTS)
    # This year's, in every state, with a reason for the abandoned ones.
    assert all(made.by_state[state] >= 1 for state in AssignedMeasure.State.values), made.by_state
    plan = AssignedMeasure.objects.filter(household_id=made.plan_household)
    assert plan.exclude(cost=None).count() >= 2 and plan.filter(state="abandoned").exists()

    # Trainings with certificates (their trainees now have a skill), one trainee left early.
    attended = models.TrainingAttendance.objects.all()
    assert made.trainings == 2 and attended.filter(completed=False).count() == 2
    certified = attended.exclude(certificate_no="")
    assert certified.count() == made.certificates >= 10
    assert all(a.person.has_skill for a in certified.select_related("person"))
    assert models.MeetingAttendance.objects.count() == made.meeting_attendances > 0
    assert made.placements and made.posts and made.industry and made.aid and made.insurance
    assert made.loans >= 2 and made.overdue_loans == 1 and made.repayments >= made.loans
    # Poor villages, the last one or two without a specialty industry this year (the
    # coverage gaps): the test county has one village, whose industry stopped this year.
    assert len(made.poor_without_industry) == min(2, made.poor_villages) >= 1
    assert models.PoorVillage.objects.count() == made.poor_villages
    assert models.VillageIndustry.objects.filter(ended=2026).count() == 1
    # One attendance sheet refused whole, its bad rows named, nothing written from it.
    refused = models.ActivityImport.objects.get(outcome=models.ActivityImport.Outcome.REFUSED)
    assert refused.rows_written == 0 and len(refused.problems) == made.refused_problems >= 3
    assert made.refused_import == refused.file_name

    # Every record of an activity was made this year or before, never after today.
    assert not AssignedMeasure.objects.filter(assigned_on__gt=dt.date.today() + dt.timedelta(days=1)).exists()
    # The researcher's evaluation page has figures for what was planted.
    client.force_login(users["researcher"])
    page = client.get("/assistance/evaluation/").content.decode()
    assert 'id="evaluation-cards"' in page and "技能培训" in page
    lines = "\n".join(made.lines())
    assert "帮扶措施 measures" in lines and "未生成" not in lines
