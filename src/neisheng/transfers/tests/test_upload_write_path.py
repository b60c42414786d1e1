"""Issue 8: an upload writes through the registry's services, the pages' write path:
the same validation, the state before the first change kept, and a history that shows
old → new exactly as an edit through the page does."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from neisheng.engine.schema import TABLES
from neisheng.registry.models import Household, IncomeItem, Person
from neisheng.registry.versions import record_version
from neisheng.transfers.models import ImportBatch
from neisheng.transfers.services import ImportRefused, import_batch_apply
from neisheng.transfers.tests.test_upload import english_workbook, household_row, post_upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def as_row(household: Household, **changes) -> dict:
    row = {c: getattr(household, "village_id" if c == "village_code" else c)
           for c in TABLES["households"].column_names}
    row.update(changes)
    return row


def page_form(household: Household, **changes) -> dict:
    data = {name: getattr(household, name) for name in (
        "status", "category", "housing", "water", "willingness", "sudden_event")}
    data.update(village=household.village_id, poverty_cause=household.poverty_cause or "",
                lifted_year=household.lifted_year or "", version=record_version(household))
    for flag in ("food_clothing_ok", "cooperative_member", "industry_linked", "credit_access",
                 "participates_village_affairs"):
        if getattr(household, flag):
            data[flag] = "on"
    data.update(changes)
    return data


def history_shown(client, household: Household) -> list[tuple[str, str, str]]:
    """The change history as the household page shows it: (object, kind, changes) per row,
    without the time and the user."""
    page = client.get(reverse("registry:household_detail", args=[household.pk])).content.decode()
    section = page[page.index('<section id="history">'):]
    section = section[:section.index("</section>")]
    return re.findall(r"<tr>\s*<td[^>]*>.*?</td>\s*<td[^>]*>.*?</td>\s*<td[^>]*>(.*?)</td>\s*"
                      r"<td[^>]*>(.*?)</td>\s*<td[^>]*>(.*?)</td>", section, re.DOTALL)


def test_an_upload_shows_old_and_new_in_the_history_as_a_page_edit_does(client, places, make_user):
    cadre = make_user("village", places["village"])
    client.force_login(cadre)
    by_page, by_upload = Household.objects.filter(village=places["village"], housing="safe")[:2]

    client.post(reverse("registry:household_edit", args=[by_page.pk]), page_form(by_page, housing="d_class"))
    response = post_upload(client, english_workbook("households", [as_row(by_upload, housing="d_class")]))
    batch = ImportBatch.objects.get()
    assert batch.status == "pending", client.get(response["Location"]).content.decode()
    client.post(reverse("transfers:apply", args=[batch.pk]))

    page_history, upload_history = history_shown(client, by_page), history_shown(client, by_upload)
    change = '<div class="change">住房安全: <span translate="no">安全</span> → <span translate="no">D级危房</span></div>'
    # Newest first: the change, then the state it started from (before: "import 1 农户信息 []").
    assert [c for _, _, c in page_history] == [change, "—"]
    assert [c for _, _, c in upload_history] == [c for _, _, c in page_history]
    assert [w for w, _, _ in upload_history] == [w for w, _, _ in page_history]
    # Named in words, not "import <batch id>" (issue 9).
    kinds = [re.sub(r"<[^>]+>", "", k).split() for _, k, _ in upload_history]
    assert kinds == [["导入", "批次", str(batch.pk)], ["导入时状态"]]
    by_upload.refresh_from_db()
    assert by_upload.housing == "d_class"
    assert by_upload.history.first().history_user == cadre


def _ledger_rows(household, item, too_long):
    return [
        {"household_id": household.pk, "year": 2031, "item": "wage", "amount": "100.00", "source": "survey"},
        {"household_id": household.pk, "year": 2032, "item": "wage", "amount": "200.00", "source": too_long},
        {"household_id": household.pk, "year": item.year, "item": item.item, "amount": "1.00",
         "source": too_long},
    ]


TOO_LONG = "a_department_code_longer_than_the_column"  # the contract accepts any text here


def test_an_upload_row_the_registrys_rules_refuse_is_refused_in_the_preview(client, places, make_user):
    cadre = make_user("village", places["village"])
    client.force_login(cadre)
    household = Household.objects.filter(village=places["village"]).order_by("household_id").first()
    item = IncomeItem.objects.filter(household=household).order_by("id").first()

    post_upload(client, english_workbook("income_items", _ledger_rows(household, item, TOO_LONG)))

    batch = ImportBatch.objects.get()
    assert batch.status == "rejected"
    # A new row (3) and a change to an existing one (4), each at its spreadsheet row.
    assert [(i["row"], i["column"], i["value"]) for i in batch.issues] == [
        (3, "source", TOO_LONG), (4, "source", TOO_LONG)]
    assert "32" in batch.issues[0]["message_zh"] and "32" in batch.issues[0]["message_en"]
    page = client.get(reverse("transfers:batch", args=[batch.pk])).content.decode()
    assert "「" + TOO_LONG + "」" in page


def test_the_apply_refuses_such_a_row_even_when_the_preview_did_not(client, places, make_user, monkeypatch):
    # A batch previewed before the rule existed, or a registry changed since: the services
    # refuse on their own, all or nothing.
    cadre = make_user("village", places["village"])
    client.force_login(cadre)
    household = Household.objects.filter(village=places["village"]).order_by("household_id").first()
    item = IncomeItem.objects.filter(household=household).order_by("id").first()
    monkeypatch.setattr("neisheng.transfers.checks._check_registry_rules", lambda table, result: None)
    post_upload(client, english_workbook("income_items", _ledger_rows(household, item, TOO_LONG)))
    batch = ImportBatch.objects.get()
    assert batch.status == "pending"
    history_before, amount_before = IncomeItem.history.count(), item.amount

    with pytest.raises(ImportRefused):
        import_batch_apply(batch=batch, user=cadre)

    batch.refresh_from_db()
    assert batch.status == "rejected"
    # The new rows are refused first; nothing of the batch was written.
    assert [(i["row"], i["column"], i["value"]) for i in batch.issues] == [(3, "source", TOO_LONG)]
    assert not IncomeItem.objects.filter(household=household, year__in=[2031, 2032]).exists()
    item.refresh_from_db()
    assert item.amount == amount_before
    assert IncomeItem.history.count() == history_before


def test_a_person_row_is_validated_by_the_same_rules(client, places, make_user):
    cadre = make_user("village", places["village"])
    client.force_login(cadre)
    person = Person.objects.filter(household__village=places["village"]).order_by("person_id").first()
    row = {c: getattr(person, c) for c in TABLES["persons"].column_names}
    row["name"] = "名" * 65
    post_upload(client, english_workbook("persons", [row]))
    batch = ImportBatch.objects.get()
    assert batch.status == "rejected"
    assert [(i["row"], i["column"]) for i in batch.issues] == [(2, "name")]
    with pytest.raises(ImportRefused):
        import_batch_apply(batch=batch, user=cadre)
    person.refresh_from_db()
    assert len(person.name) < 65


def test_an_upload_refuses_a_household_number_outside_the_contracts_pattern(client, places, make_user):
    cadre = make_user("village", places["village"])
    client.force_login(cadre)
    post_upload(client, english_workbook("households", [household_row("A/1 x", places["village"].code)]))
    batch = ImportBatch.objects.get()
    assert batch.status == "rejected"
    assert [(i["row"], i["column"], i["value"], i["reason"]) for i in batch.issues] == [
        (2, "household_id", "A/1 x", "bad_household_id")]
    assert batch.issues[0]["message_zh"].startswith("户编号只能由字母、数字")


def test_a_snapshot_import_refuses_the_number_as_neisheng_validate_does(county, tmp_path):
    import pyarrow as pa

    from neisheng.engine.catalog import write_snapshot
    from neisheng.engine.validation import SnapshotInvalid
    from neisheng.transfers.services import snapshot_import

    households = county["households"]
    ids = households.column("household_id").to_pylist()
    ids[0] = "A/1 x"
    tables = dict(county, households=households.set_column(0, "household_id", pa.array(ids, pa.string())))
    write_snapshot(tables, tmp_path / "snap")
    with pytest.raises(SnapshotInvalid) as invalid:
        snapshot_import(directory=tmp_path / "snap", replace=True)
    assert ("households.parquet", 2, "household_id", "A/1 x", "bad_household_id") in {
        (i.file, i.row, i.column, i.value, i.reason) for i in invalid.value.issues}
    assert not Household.objects.filter(pk="A/1 x").exists()
