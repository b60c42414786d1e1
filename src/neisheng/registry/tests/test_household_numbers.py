"""Household numbers by the county's scheme: the village's 12-digit code and a 4-digit
sequence within the village, unless the user types a number (then the contract's pattern
applies and a taken number gets the "already registered" answer)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError
from django.urls import reverse

from neisheng.accounts.models import AuditEvent
from neisheng.registry import services
from neisheng.registry.lookups import ALREADY_REGISTERED
from neisheng.registry.models import Household

pytestmark = pytest.mark.django_db

VALUES = {"status": "general", "category": "ordinary", "housing": "safe", "water": "safe", "willingness": 3,
          "sudden_event": "none", "food_clothing_ok": True}


def form_data(village, **extra) -> dict:
    data = {**VALUES, "village": village.code, "food_clothing_ok": "on", "household_id": ""}
    data.update(extra)
    return data


def highest_of_scheme(village) -> int:
    numbers = Household.objects.filter(village=village).values_list("household_id", flat=True)
    return max(int(n[12:]) for n in numbers if len(n) == 16 and n.startswith(village.code))


def test_an_empty_number_gets_the_next_of_the_village_sequence(client, places, make_user):
    village = places["village"]
    client.force_login(make_user("village", village))
    expected = f"{village.code}{highest_of_scheme(village) + 1:04d}"
    form = client.get(reverse("registry:household_create")).content.decode()
    # A cadre of one village sees the number it will get; the number is data.
    assert f'留空则自动编为 <span translate="no">{expected}</span>' in form
    response = client.post(reverse("registry:household_create"), form_data(village))
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:household_detail", args=[expected])
    assert Household.objects.get(pk=expected).village_id == village.code
    event = AuditEvent.objects.get(action="create", object_type="household", object_id=expected)
    assert event.detail["numbered"] == "generated"
    page = client.get(response["Location"]).content.decode()
    assert f"已新增农户 {expected}" in page


def test_two_creates_in_one_village_get_two_consecutive_numbers(places, make_user):
    village = places["village"]
    cadre, colleague = make_user("village", village), make_user("village", village, username="colleague")
    first = services.household_create(user=cadre, values={**VALUES, "village": village})
    second = services.household_create(user=colleague, values={**VALUES, "village": village})
    assert int(second.household_id[12:]) == int(first.household_id[12:]) + 1
    assert first.household_id[:12] == second.household_id[:12] == village.code


def test_a_number_taken_between_reading_and_saving_is_skipped(places, make_user, monkeypatch):
    """Two users creating at the same moment: the other's household lands on the number
    this create read as free, after it read it. The create takes the next number instead."""
    village = places["village"]
    cadre = make_user("village", village)
    real_next = services.household_number_next
    taken = []

    def next_number_raced(village_code):
        number = real_next(village_code)
        if not taken:
            # The colleague's household is saved right after this create read its number.
            Household.objects.bulk_create([Household(household_id=number, village_id=village_code, **VALUES)])
            taken.append(number)
        return number

    monkeypatch.setattr(services, "household_number_next", next_number_raced)
    household = services.household_create(user=cadre, values={**VALUES, "village": village})
    assert int(household.household_id[12:]) == int(taken[0][12:]) + 1
    assert Household.objects.filter(pk__in=[taken[0], household.household_id]).count() == 2


def test_an_insert_refused_by_the_database_is_retried_with_the_next_number(places, make_user, monkeypatch):
    """On PostgreSQL a concurrent insert of the same number fails at the unique index."""
    village = places["village"]
    cadre = make_user("village", village)
    real_save, calls = services._save, []

    def save_once_refused(obj, user, *, new=False):
        calls.append(obj.household_id)
        if len(calls) == 1:
            raise IntegrityError("UNIQUE constraint failed: registry_household.household_id")
        return real_save(obj, user, new=new)

    monkeypatch.setattr(services, "_save", save_once_refused)
    household = services.household_create(user=cadre, values={**VALUES, "village": village})
    assert household.household_id == calls[1] and Household.objects.filter(pk=calls[1]).exists()


def test_numbers_of_another_form_in_the_village_do_not_move_the_sequence(places, make_user):
    village = places["village"]
    cadre = make_user("village", village)
    highest = highest_of_scheme(village)
    for odd in (f"{village.code}{highest + 1:04d}X", f"{village.code}00"):
        services.household_create(user=cadre, values={**VALUES, "village": village, "household_id": odd})
    generated = services.household_create(user=cadre, values={**VALUES, "village": village})
    assert generated.household_id == f"{village.code}{highest + 1:04d}"


def test_the_sequence_width_is_a_setting(places, make_user, settings):
    settings.NEISHENG_HOUSEHOLD_SEQUENCE_DIGITS = 6
    village = places["village"]
    household = services.household_create(user=make_user("village", village), values={**VALUES, "village": village})
    assert household.household_id == f"{village.code}000001"


def test_a_typed_number_is_kept_and_a_taken_one_refused(client, places, make_user):
    village = places["village"]
    client.force_login(make_user("village", village))
    response = client.post(reverse("registry:household_create"), form_data(village, household_id="HH-2026-7"))
    assert response.status_code == 302 and Household.objects.get(pk="HH-2026-7").village_id == village.code

    taken = Household.objects.filter(village=places["other_village"]).first().pk
    page = client.post(reverse("registry:household_create"), form_data(village, household_id=taken)).content.decode()
    assert ALREADY_REGISTERED[0] in page
    assert Household.objects.get(pk=taken).village_id == places["other_village"].code
    bad = client.post(reverse("registry:household_create"), form_data(village, household_id="有 空格")).content
    assert "户编号只能由字母、数字" in bad.decode()


def test_a_village_whose_sequence_is_used_up_asks_for_a_number(client, places, make_user):
    village = places["village"]
    client.force_login(make_user("village", village))
    Household.objects.bulk_create([Household(household_id=f"{village.code}9999", village_id=village.code, **VALUES)])
    form = client.get(reverse("registry:household_create"))
    assert form.status_code == 200 and "本村的自动编号已用完,请填写户编号" in form.content.decode()
    page = client.post(reverse("registry:household_create"), form_data(village))
    assert page.status_code == 200
    assert "本村的自动编号已用完,请填写户编号" in page.content.decode().split('id="field-household_id"')[1]
    typed = client.post(reverse("registry:household_create"), form_data(village, household_id="HH-LAST-1"))
    assert typed.status_code == 302
