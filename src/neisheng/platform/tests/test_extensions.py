"""Extension points: an app shows its own card on the household page and its own value
in the household API (field, filter, summary counts) without the registry importing it."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from django.db.models import Case, CharField, Value, When
from rest_framework.test import APIClient

from neisheng.platform import extensions
from neisheng.platform.extensions import HouseholdAttribute, HouseholdSection
from neisheng.registry.models import Household


@pytest.fixture
def registered(monkeypatch):
    """A pretend app's card and attribute, removed again after the test."""
    monkeypatch.setattr(extensions, "_sections", dict(extensions._sections))
    monkeypatch.setattr(extensions, "_attributes", dict(extensions._attributes))
    return extensions


@pytest.fixture
def test_templates(settings):
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [*templates[0]["DIRS"], Path(__file__).parent / "templates"]
    settings.TEMPLATES = templates


def _first_in(village) -> Household:
    return Household.objects.filter(village=village).order_by("household_id").first()


def test_a_registered_section_is_a_card_of_the_household_page(places, make_user, client, registered,
                                                              test_templates):
    household = _first_in(places["village"])
    registered.household_section_add(HouseholdSection(
        name="example-visits", template="visits_card.html", order=5,
        context=lambda request, h: {"who": h.household_id} if h.pk == household.pk else None,
    ))
    client.force_login(make_user("village", places["village"]))
    page = client.get(f"/households/{household.household_id}/").content.decode()
    assert f'<section class="card" id="example-visits">走访 {household.household_id}</section>' in page
    other = Household.objects.filter(village=places["village"]).exclude(pk=household.pk).first()
    assert 'id="example-visits"' not in client.get(f"/households/{other.household_id}/").content.decode()


def test_a_registered_attribute_is_a_field_a_filter_and_a_summary_of_the_household_api(
        places, make_user, registered):
    household = _first_in(places["village"])

    def annotate(households):
        return households.annotate(grid=Case(When(pk=household.pk, then=Value("north")),
                                             default=Value(None), output_field=CharField()))

    registered.household_attribute_add(HouseholdAttribute(
        name="grid", label="网格", choices={"north": "北片", "south": "南片"}, annotate=annotate,
        summary="by_grid",
    ))
    client = APIClient()
    client.force_authenticate(make_user("village", places["village"]))
    assert client.get(f"/api/households/{household.household_id}/").json()["grid"] == "north"
    listed = client.get("/api/households/", {"grid": "north"}).json()
    assert [h["household_id"] for h in listed["results"]] == [household.household_id]
    assert client.get("/api/households/", {"grid": "east"}).status_code == 400
    summary = client.get("/api/summary/").json()
    assert summary["by_grid"]["north"] == 1 and summary["by_grid"]["south"] == 0


def test_two_apps_cannot_take_the_same_name(registered):
    registered.household_section_add(HouseholdSection(name="x", template="a.html", context=lambda r, h: {}))
    with pytest.raises(ValueError, match="already registered"):
        registered.household_section_add(HouseholdSection(name="x", template="b.html", context=lambda r, h: {}))


@pytest.fixture
def listening(monkeypatch):
    """Only a recording listener, so no app re-evaluates anything in these tests."""
    calls: list[list[str]] = []
    monkeypatch.setattr(extensions, "_household_listeners", {"record": calls.append})
    return calls


@pytest.mark.django_db(transaction=True)
def test_the_changes_of_one_transaction_reach_the_listeners_once_after_it_commits(listening):
    from django.db import transaction

    with transaction.atomic():
        extensions.households_changed(["2"])
        extensions.households_changed(["1", "2"])
        with transaction.atomic():
            extensions.households_changed(["3"])
        assert listening == []
    assert listening == [["1", "2", "3"]]
    with transaction.atomic():
        extensions.households_changed(["4"])
    assert listening == [["1", "2", "3"], ["4"]]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_reaches_no_listener_and_does_not_leak_into_the_next(listening):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        extensions.households_changed(["9"])
        raise RuntimeError("the write failed")
    with transaction.atomic():
        extensions.households_changed(["5"])
    assert listening == [["5"]]


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_listeners_run_at_once(listening):
    extensions.households_changed(["7", "", None])
    assert listening == [["7"]]
