"""Issue 13, item 2: industry participation sets `industry_linked` (and
`cooperative_member`) through the registry's write path, with the activity as reason."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from neisheng.assistance.models import IndustryParticipation
from neisheng.assistance.services import industry
from neisheng.measures.models import AssignedMeasure
from neisheng.registry.models import Household

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(places, make_user):
    return make_user("village", places["village"])


@pytest.fixture
def household(places) -> Household:
    household = Household.objects.filter(village=places["village"]).order_by("household_id").first()
    Household.objects.filter(pk=household.pk).update(industry_linked=False, cooperative_member=False)
    household.refresh_from_db()
    return household


def test_joining_a_cooperative_links_the_household_with_the_activity_as_reason(officer, household):
    record = industry.industry_join(user=officer, household=household, name="脆李种植合作社", kind="cooperative",
                                    joined_on=dt.date(2026, 2, 1))

    household.refresh_from_db()
    assert household.industry_linked and household.cooperative_member
    last = household.history.order_by("history_date").last()
    assert last.history_change_reason == f"产业帮扶 #{record.pk}" and last.history_user == officer
    measure = AssignedMeasure.objects.get(pk=record.measure_id)
    assert (measure.household_id, measure.person_id, measure.measure, measure.state) == \
        (household.pk, "", "industry_support", AssignedMeasure.State.DONE)


def test_other_links_set_industry_linked_only(officer, household):
    industry.industry_join(user=officer, household=household, name="县茶叶公司", kind="order",
                           joined_on=dt.date(2026, 2, 1))
    household.refresh_from_db()
    assert household.industry_linked and not household.cooperative_member


def test_leaving_records_the_date_and_leaves_the_registry_as_it_is(officer, household):
    record = industry.industry_join(user=officer, household=household, name="脆李种植合作社", kind="cooperative",
                                    joined_on=dt.date(2026, 2, 1))
    left = industry.industry_leave(user=officer, participation=record, left_on=dt.date(2026, 5, 1))
    assert left.left_on == dt.date(2026, 5, 1)
    household.refresh_from_db()
    assert household.industry_linked and household.cooperative_member
    with pytest.raises(ValidationError):
        industry.industry_leave(user=officer, participation=left, left_on=dt.date(2026, 6, 1))


def test_refusals(places, make_user, officer, household):
    with pytest.raises(Http404):
        industry.industry_join(user=make_user("town", places["other_town"]), household=household, name="x",
                               kind="order", joined_on=dt.date(2026, 2, 1))
    with pytest.raises(PermissionDenied):
        industry.industry_join(user=make_user("department", places["county"]), household=household, name="x",
                               kind="order", joined_on=dt.date(2026, 2, 1))
    with pytest.raises(ValidationError) as refused:
        industry.industry_join(user=officer, household=household, name="", kind="nonsense",
                               joined_on=dt.date.today() + dt.timedelta(days=1))
    assert set(refused.value.message_dict) == {"name", "kind", "joined_on"}
    assert not IndustryParticipation.objects.exists()
    household.refresh_from_db()
    assert not household.industry_linked
