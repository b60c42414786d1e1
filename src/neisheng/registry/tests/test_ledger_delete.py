"""Deleting a ledger row (the form pattern's delete with history): a confirmation page,
a POST with the version shown, audited with the old values, and the history shows 删除
with the values the row held. Only registry.edit, only in scope."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from neisheng.accounts.models import AuditEvent
from neisheng.registry.models import Household, IncomeItem
from neisheng.registry.versions import record_version

pytestmark = pytest.mark.django_db


def _ledger_row(places) -> tuple[Household, IncomeItem]:
    item = IncomeItem.objects.filter(household__village=places["village"]).order_by("pk").first()
    return item.household, item


def test_a_ledger_row_is_deleted_after_a_confirmation_and_stays_in_the_history(client, places, make_user):
    cadre = make_user("village", places["village"])
    client.force_login(cadre)
    household, item = _ledger_row(places)
    edit = client.get(reverse("registry:ledger_edit", args=[household.pk, item.pk])).content.decode()
    delete_url = reverse("registry:ledger_delete", args=[household.pk, item.pk])
    assert f'href="{delete_url}" id="delete-link"' in edit

    confirm = client.get(delete_url).content.decode()
    assert "确定删除以下记录吗?" in confirm and f"{item.amount}" in confirm
    assert IncomeItem.objects.filter(pk=item.pk).exists(), "a GET deletes nothing"

    response = client.post(delete_url, {"version": record_version(item)})
    assert response.status_code == 302
    assert not IncomeItem.objects.filter(pk=item.pk).exists()
    event = AuditEvent.objects.get(action="delete", object_type="income_item", object_id=str(item.pk))
    assert event.detail["old"]["amount"] == str(item.amount) and event.detail["old"]["item"] == item.item
    assert event.division_code == household.village_id and event.user == cadre

    page = client.get(reverse("registry:household_detail", args=[household.pk])).content.decode()
    history = page[page.index('<section id="history">'):]
    row = re.search(r"<tr>(?:(?!</tr>).)*删除(?:(?!</tr>).)*</tr>", history, re.DOTALL).group(0)
    assert re.search(rf"金额[^<]*: <span translate=\"no\">{re.escape(str(item.amount))}</span> → "
                     r"<span translate=\"no\">—</span>", row), row
    assert str(item.year) in row


def test_a_ledger_row_changed_since_the_confirmation_is_not_deleted(client, places, make_user):
    from neisheng.registry import services

    cadre = make_user("village", places["village"])
    client.force_login(cadre)
    household, item = _ledger_row(places)
    seen = record_version(item)
    services.ledger_item_update(user=cadre, item=item, values={"amount": item.amount + 1})
    page = client.post(reverse("registry:ledger_delete", args=[household.pk, item.pk]), {"version": seen})
    assert page.status_code == 200 and "未删除" in page.content.decode()
    assert IncomeItem.objects.filter(pk=item.pk).exists()


def test_deleting_needs_the_right_to_edit_and_the_row_in_scope(client, places, make_user):
    household, item = _ledger_row(places)
    url = reverse("registry:ledger_delete", args=[household.pk, item.pk])
    client.force_login(make_user("village", places["other_village"]))
    assert client.post(url, {"version": record_version(item)}).status_code == 404
    client.force_login(make_user("researcher", places["county"]))
    assert client.post(url, {"version": record_version(item)}).status_code == 403
    assert IncomeItem.objects.filter(pk=item.pk).exists()


def test_a_created_record_shows_its_values_but_never_the_derived_search_keys(places, make_user):
    """History lists what a new record was given (as it lists what a deleted one held), but
    not the ID number's reversed last digits nor the given name derived from the name."""
    from tests.support import fresh_id_number

    from neisheng import ids
    from neisheng.registry import services
    from neisheng.registry.selectors.history import change_history

    cadre = make_user("village", places["village"])
    household = Household.objects.filter(village=places["village"]).first()
    number = fresh_id_number()
    parsed = ids.parse_id(number)
    services.person_create(user=cadre, household=household, values={
        "person_id": number, "name": "欧阳新", "relation": "child", "sex": parsed.sex, "birth_date": parsed.birth_date,
        "alive": True, "education": "junior", "schooling": "not_in_school", "labor": "ordinary", "health": "healthy",
        "disability_grade": 0, "medical_insured": True, "has_skill": False, "employed_months": 6})
    [created] = [c for c in change_history(household) if c.kind == "新增"]
    labels = [label for label, _, _ in created.fields]
    assert "姓名" in labels and ("姓名", "—", "欧阳新") in created.fields
    assert not any("倒序" in label or label == "名" for label in labels)
    assert number[-6:][::-1] not in str(created.fields) and number not in str(created.fields)
