"""Fixtures of the model households' tests: the cadres of the test village and its town,
lifted households of the village, and a nomination taken as far as a test needs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

TODAY = timezone.localdate()
# Far enough back for a nomination, its review and the publicity of the default policy (5 days).
START = TODAY - dt.timedelta(days=30)


@pytest.fixture
def cadre(make_user, places):
    return make_user("village", places["village"])


@pytest.fixture
def helper(make_user, places):
    return make_user("assistance", places["village"])


@pytest.fixture
def town(make_user, places):
    return make_user("town", places["town"])


@pytest.fixture
def lifted(places):
    from neisheng.registry.models import Household

    found = list(Household.objects.filter(village=places["village"], status="lifted").order_by("household_id")[:6])
    assert len(found) >= 5
    return found


def nominate(user, household, *, source="cadre", on=START, story="外出务工带动邻里,主动归还帮扶资金。"):
    from neisheng.honours.services import nomination_create

    return nomination_create(user=user, household=household, source=source, nominated_by_name="村两委",
                             nominated_on=on, story=story)


def reviewed(nomination, cadre, *, score=True, publicise_on=None):
    """Scored, submitted, agreed by the council and publicised (from `publicise_on`)."""
    from neisheng.honours import services

    if score:
        services.nomination_score(user=cadre, nomination=nomination, scored_on=START)
    services.nomination_submit(user=cadre, nomination=nomination, submitted_on=START + dt.timedelta(days=1))
    services.nomination_review_decide(user=cadre, nomination=nomination, decision="agreed",
                                      council_on=START + dt.timedelta(days=2), note="全体同意")
    services.nomination_review_publicise(user=cadre, nomination=nomination,
                                         start_on=publicise_on or START + dt.timedelta(days=3))
    return nomination


@pytest.fixture
def passing(monkeypatch):
    """A pass score every household reaches, so the review's steps can be tested on any."""
    from neisheng.honours import services

    real = services.honours_policy

    def policy():
        import dataclasses

        return dataclasses.replace(real(), honours_pass_score=0)

    monkeypatch.setattr(services, "honours_policy", policy)
    return policy
