"""The household assistance plan (帮扶计划): the page and its A4 PDF read back with pypdf
(the measures, the cadre's name, no full ID number), in scope, audited."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import lxml.html
import pytest
from django.utils import timezone
from pypdf import PdfReader

from neisheng.accounts.models import AuditEvent
from neisheng.grid.models import Cadre, CadrePair
from neisheng.measures.services import measure_assign, measure_step
from neisheng.registry.models import Household

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def household(places) -> Household:
    return Household.objects.filter(village=places["village"]).order_by("household_id").first()


@pytest.fixture
def officer(make_user, places):
    return make_user("village", places["village"])


@pytest.fixture
def planned(officer, household):
    member = household.members.filter(alive=True).order_by("birth_date").last()
    training = measure_assign(user=officer, household=household, measure="skills_training", person_id=member.person_id,
                              assigned_on=TODAY - dt.timedelta(days=10), responsible="县职业技术学校",
                              starts_on=TODAY, ends_on=TODAY + dt.timedelta(days=30), cost=1500,
                              funding_source="linkage_fund")
    credit = measure_assign(user=officer, household=household, measure="microcredit", assigned_on=TODAY,
                            responsible="农商银行", cost=50000, funding_source="credit")
    measure_step(user=officer, measure=credit, step="start", effective_on=TODAY)
    cadre = Cadre.objects.create(cadre_id="C-PLAN-1", name="王帮扶", kind="assistance",
                                 division_code=household.village_id)
    CadrePair.objects.create(cadre=cadre, household=household, division_code=household.village_id,
                             started_on=TODAY - dt.timedelta(days=100))
    return training, credit


def test_the_page_shows_the_plan(client, officer, household, planned):
    client.force_login(officer)
    response = client.get(f"/assistance/plan/{household.household_id}/")
    assert response.status_code == 200
    page = lxml.html.document_fromstring(response.content.decode())
    rows = page.find_class("plan-measure")
    assert [(r.get("data-measure"), r.get("data-state")) for r in rows] == [
        ("skills_training", "planned"), ("microcredit", "in_progress")]
    assert page.get_element_by_id("plan-total-cost").text_content().strip() == "51,500.00"
    assert "王帮扶" in page.get_element_by_id("plan-cadre").text_content()
    ids = [td.text_content() for td in page.find_class("plan-id")]
    assert ids and all("*" in i for i in ids)
    for member in household.members.all():
        assert member.person_id not in response.content.decode()


def test_the_pdf_names_the_measures_and_the_cadre_and_masks_every_id(client, officer, household, planned):
    client.force_login(officer)
    response = client.get(f"/assistance/plan/{household.household_id}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    compact = text.replace(" ", "").replace("\n", "")
    for words in ("帮扶计划", "技能培训", "小额信贷", "王帮扶", "县职业技术学校", "户主签字", household.household_id):
        assert words in compact, words
    for member in household.members.all():
        assert member.person_id not in compact
    assert household.members.first().person_id[:4] + "**********" in compact
    assert AuditEvent.objects.filter(action="export", object_type="assistance_plan",
                                     object_id=household.household_id).exists()


def test_a_household_elsewhere_has_no_plan(client, make_user, places, household):
    client.force_login(make_user("town", places["other_town"]))
    assert client.get(f"/assistance/plan/{household.household_id}/").status_code == 404
    assert client.get(f"/assistance/plan/{household.household_id}/pdf/").status_code == 404
    client.force_login(make_user("researcher", places["county"]))
    assert client.get(f"/assistance/plan/{household.household_id}/").status_code == 403
