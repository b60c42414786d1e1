"""Fixtures of the councils' tests: a village officer, the village's council with a
president from the registry and a named outsider as supervisor."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

TODAY = timezone.localdate()
FOUNDED = dt.date(TODAY.year - 2, 1, 1)  # before last year, whose figures some tests read


@pytest.fixture
def officer(make_user, places):
    return make_user("village", places["village"])


@pytest.fixture
def council(officer, places):
    from neisheng.councils.services import council_create

    return council_create(user=officer, division_code=places["village"].code, name="示范村扶贫理事会",
                          founded_on=FOUNDED, purpose="宣传政策、结对帮扶、监督项目和分红、收集群众意见")


@pytest.fixture
def villagers(places):
    """Households of the village that do not yet take part in village affairs."""
    from neisheng.registry.models import Household

    return list(Household.objects.filter(village=places["village"], participates_village_affairs=False)
                .order_by("household_id")[:4])


@pytest.fixture
def president(officer, council, villagers):
    from neisheng.councils.services import member_add

    person = villagers[0].members.filter(alive=True).order_by("birth_date").first()
    return member_add(user=officer, council=council, role="president", starts_on=FOUNDED, person=person)
