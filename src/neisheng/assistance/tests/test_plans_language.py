"""The measure pages, the overdue list and the plan, with every part drawn (a cost, an
abandoned step, a cadre, an overdue case), in one language at a time."""

import datetime as dt

import pytest
from django.utils import timezone

from neisheng.cases.models import MonitoringCase
from neisheng.grid.models import Cadre, CadrePair
from neisheng.measures.services import measure_assign, measure_step
from neisheng.registry.models import Household
from neisheng.web.tests.test_one_language import violations

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_measure_overdue_and_plan_pages_are_in_one_language(client, make_user, places, language):
    today = timezone.localdate()
    hs = list(Household.objects.filter(village=places["village"]).order_by("household_id")[:3])
    user = make_user("village", places["village"])
    member = hs[0].members.filter(alive=True).first()
    m = measure_assign(user=user, household=hs[0], measure="skills_training", assigned_on=today, responsible="县职校",
                       person_id=member.person_id, cost=100, funding_source="own", ends_on=today, note="备注")
    m2 = measure_assign(user=user, household=hs[0], measure="microcredit", assigned_on=today, responsible="银行")
    measure_step(user=user, measure=m2, step="abandon", effective_on=today, reason="不需要")
    c = Cadre.objects.create(cadre_id="C1", name="王五", kind="assistance", division_code=hs[0].village_id)
    CadrePair.objects.create(cadre=c, household=hs[0], division_code=hs[0].village_id, started_on=today)
    MonitoringCase.objects.create(household=hs[1], channel="cadre_screening", state="monitoring",
                                  reported_on=today - dt.timedelta(days=90), reason="x",
                                  deadline=today, monitoring_since=today - dt.timedelta(days=60))
    client.force_login(user)
    client.cookies["django_language"] = language
    found = {}
    for url in [f"/measures/{m.pk}/", f"/measures/{m.pk}/complete/", f"/measures/{m.pk}/abandon/",
                f"/measures/{m2.pk}/start/", "/measures/", f"/measures/new/?household={hs[0].household_id}",
                "/assistance/overdue/", f"/assistance/plan/{hs[0].household_id}/", "/",
                f"/households/{hs[0].household_id}/"]:
        html = client.get(url).content.decode()
        assert f"<html lang=\"{language}\">" in html, url
        for text in violations(html, language):
            found.setdefault(text, []).append(url)
    assert not found, found
