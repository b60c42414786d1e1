"""Uploading a workbook: every error shown with its row, nothing written unless all is clean."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from neisheng.accounts.models import AuditEvent
from neisheng.engine.schema import TABLES
from neisheng.ids import check_digit
from neisheng.registry.models import Household, IncomeItem, Person
from neisheng.transfers.models import ImportBatch
from neisheng.transfers.services import ImportRefused, import_batch_apply, import_batch_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def workbook(headers, rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx(name, content):
    return SimpleUploadedFile(name, content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def household_row(household_id, village_code, **changes):
    row = {
        "household_id": household_id, "village_code": village_code, "status": "lifted",
        "category": "ordinary", "housing": "safe", "water": "safe", "food_clothing_ok": True,
        "poverty_cause": "illness", "lifted_year": 2019, "cooperative_member": False,
        "industry_linked": True, "credit_access": False, "participates_village_affairs": True,
        "willingness": 4, "sudden_event": "none",
    }
    row.update(changes)
    return row


def english_workbook(table, records):
    names = TABLES[table].column_names
    return workbook(names, [[r[n] for n in names] for r in records])


def logged_in(client, user):
    client.force_login(user)
    return client


def post_upload(client, content, name="upload.xlsx", table=""):
    return client.post(reverse("transfers:upload"), {"file": xlsx(name, content), "table": table})


def test_one_bad_row_among_good_ones_is_listed_and_nothing_applies(client, places, make_user):
    cadre = make_user("village", places["village"])
    village = places["village"].code
    rows = [household_row(f"NEW{i:04d}", village) for i in range(5)]
    rows[3]["status"] = "rich"  # not a status of the contract
    before = Household.objects.count()

    response = post_upload(logged_in(client, cadre), english_workbook("households", rows))
    batch = ImportBatch.objects.get()
    page = client.get(response["Location"]).content.decode()

    assert batch.status == "rejected"
    assert [(i["row"], i["column"], i["value"]) for i in batch.issues] == [(5, "status", "rich")]
    assert "不是允许的取值" in page and "「rich」" in page and "户类型" in page
    assert reverse("transfers:apply", args=[batch.pk]) not in page
    refused = client.post(reverse("transfers:apply", args=[batch.pk]), follow=True)
    assert "文件有错误,未导入任何数据" in refused.content.decode()
    assert Household.objects.count() == before
    assert not Household.objects.filter(household_id__startswith="NEW").exists()


def test_a_clean_workbook_applies_with_history_and_an_audit_event(client, places, make_user):
    cadre = make_user("village", places["village"])
    village = places["village"].code
    existing = Household.objects.filter(village_id=village).order_by("household_id").first()
    rows = [household_row("NEW0001", village), household_row("NEW0002", village),
            household_row(existing.household_id, village, willingness=1, sudden_event="illness")]

    response = post_upload(logged_in(client, cadre), english_workbook("households", rows))
    batch = ImportBatch.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert batch.status == "pending" and batch.issues == []
    assert (batch.to_create, batch.to_update, batch.unchanged) == (2, 1, 0)
    assert reverse("transfers:apply", args=[batch.pk]) in page

    client.post(reverse("transfers:apply", args=[batch.pk]))

    batch.refresh_from_db()
    assert batch.status == "applied"
    assert Household.objects.filter(household_id__in=["NEW0001", "NEW0002"]).count() == 2
    existing.refresh_from_db()
    assert (existing.willingness, existing.sudden_event) == (1, "illness")
    assert existing.history.first().history_user == cadre
    assert Household.history.filter(household_id="NEW0001", history_type="+").exists()
    event = AuditEvent.objects.get(action="import", user=cadre)
    assert event.detail["created"] == 2 and event.detail["updated"] == 1


def test_an_uploader_outside_the_village_is_refused(client, places, make_user):
    cadre = make_user("village", places["village"])
    other = places["other_village"].code
    foreign = Household.objects.filter(village_id=other).first()
    rows = [household_row("NEW0001", other), household_row(foreign.household_id, places["village"].code)]

    post_upload(logged_in(client, cadre), english_workbook("households", rows))

    batch = ImportBatch.objects.get()
    reasons = {(i["row"], i["reason"]) for i in batch.issues}
    # Another village's number reused for one's own village: taken, in the forms' words.
    assert reasons == {(2, "village_out_of_scope"), (3, "already_registered")}
    with pytest.raises(ImportRefused):
        import_batch_apply(batch=batch, user=cadre)
    assert not Household.objects.filter(household_id="NEW0001").exists()


def test_roles_that_cannot_edit_may_not_upload(client, places, make_user):
    for role in ("researcher", "auditor", "assistance"):
        response = logged_in(client, make_user(role, places["county"])).get(reverse("transfers:upload"))
        assert response.status_code == 403


def test_chinese_headers_and_labels_work(client, places, make_user):
    officer = make_user("town", places["town"])
    village = places["village"].code
    table = TABLES["households"]
    headers = [c.zh for c in table.columns]
    row = ["ZH0001", village, "脱贫户", "低保", "C级危房", "安全", "是", "因病", 2018, "否", "是", "否",
           "是", 5, "无"]

    post_upload(logged_in(client, officer), workbook(headers, [row]), name="农户.xlsx")

    batch = ImportBatch.objects.get()
    assert batch.table == "households" and batch.issues == []
    import_batch_apply(batch=batch, user=officer)
    saved = Household.objects.get(household_id="ZH0001")
    assert (saved.status, saved.category, saved.housing) == ("lifted", "dibao", "c_class")
    assert saved.food_clothing_ok and not saved.cooperative_member and saved.industry_linked


def test_a_file_that_is_not_a_spreadsheet_gets_a_clear_message(client, places, make_user):
    cadre = logged_in(client, make_user("village", places["village"]))

    wrong_type = cadre.post(reverse("transfers:upload"),
                            {"file": SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff\xe0 JFIF")})
    assert wrong_type.status_code == 200
    assert "只能上传 Excel" in wrong_type.content.decode()

    response = post_upload(cadre, b"this is not a workbook at all", name="registry.xlsx")
    assert response.status_code == 302
    page = cadre.get(response["Location"]).content.decode()
    # The reader's own sentence says what is wrong with the file.
    assert "不是 Excel 工作簿(.xlsx)" in page
    assert ImportBatch.objects.get().status == "rejected"


def test_headers_that_match_no_table_are_named(places, make_user):
    cadre = make_user("village", places["village"])
    content = workbook(["姓名", "电话"], [["张三", "13800000000"]])
    batch = import_batch_create(uploaded_file=xlsx("list.xlsx", content), user=cadre)
    assert [i["reason"] for i in batch.issues] == ["unknown_table"]


def _id_number(first17: str) -> str:
    return first17 + check_digit(first17)


def person_row(person_id, household_id, **changes):
    row = {
        "person_id": person_id, "household_id": household_id, "name": "王小明", "relation": "child",
        "sex": "male" if int(person_id[16]) % 2 else "female", "birth_date": f"{person_id[6:10]}-{person_id[10:12]}-{person_id[12:14]}",
        "alive": True, "education": "primary", "schooling": "primary", "labor": "none",
        "health": "healthy", "disability_grade": 0, "medical_insured": True, "has_skill": False,
        "employed_months": 0,
    }
    row.update(changes)
    return row


def test_persons_are_checked_against_the_registry(places, make_user):
    cadre = make_user("village", places["village"])
    mine = Household.objects.filter(village_id=places["village"].code).order_by("household_id")
    home, neighbour = mine[0], mine[1]
    registered = Person.objects.filter(household=neighbour).first()
    rows = [
        person_row(_id_number("50023720150301001"), home.household_id),                 # good
        person_row(registered.person_id, home.household_id),                           # in another household
        person_row(_id_number("50023720150301002"), "NO-SUCH-HOUSEHOLD"),             # unknown household
        person_row(_id_number("50023720150301003"), home.household_id, sex="female"),  # odd digit: male
        person_row(_id_number("50023720150301001"), home.household_id),                # duplicate in the file
    ]
    batch = import_batch_create(uploaded_file=xlsx("成员.xlsx", english_workbook("persons", rows)), user=cadre)
    found = {(i["row"], i["reason"]) for i in batch.issues}
    assert batch.table == "persons"
    assert found == {
        # A number registered anywhere else gets the forms' and API's one answer (row 12).
        (2, "duplicate_person"), (6, "duplicate_person"), (3, "already_registered"),
        # Unknown and out-of-scope households get the one same answer (issue 7, row 6).
        (4, "household_out_of_scope"), (5, "sex_mismatch"),
    }
    shown = next(i["value"] for i in batch.issues if i["reason"] == "already_registered")
    assert registered.person_id not in shown and "*" in shown
    assert not Person.objects.filter(person_id=_id_number("50023720150301001")).exists()


def test_a_ledger_csv_creates_and_updates_by_household_year_item(places, make_user):
    cadre = make_user("village", places["village"])
    existing = IncomeItem.objects.filter(household__village_id=places["village"].code).first()
    headers = [c.zh for c in TABLES["income_items"].columns]
    lines = [",".join(headers),
             f"{existing.household_id},{existing.year},{existing.item},{existing.amount + 100},survey",
             f"{existing.household_id},2031,工资性收入,\"12,000.50\",hrss"]
    csv = ("\n".join(lines) + "\n").encode("utf-8")
    batch = import_batch_create(uploaded_file=SimpleUploadedFile("台账.csv", csv), user=cadre)
    assert batch.issues == [] and (batch.to_create, batch.to_update) == (1, 1)
    import_batch_apply(batch=batch, user=cadre)
    new = IncomeItem.objects.get(household_id=existing.household_id, year=2031, item="wage")
    assert str(new.amount) == "12000.50" and new.source == "hrss"
    old_amount = existing.amount
    existing.refresh_from_db()
    assert existing.amount == old_amount + 100


def test_duplicate_ledger_rows_in_a_file_are_errors(places, make_user):
    cadre = make_user("village", places["village"])
    hid = Household.objects.filter(village_id=places["village"].code).first().household_id
    rows = [{"household_id": hid, "year": 2031, "item": "wage", "amount": 10, "source": "survey"}] * 2
    batch = import_batch_create(uploaded_file=xlsx("l.xlsx", english_workbook("income_items", rows)),
                                user=cadre)
    assert {(i["row"], i["reason"]) for i in batch.issues} == {(2, "duplicate_ledger_row"),
                                                              (3, "duplicate_ledger_row")}


def test_a_change_after_the_preview_is_caught_and_nothing_is_written(places, make_user):
    """The household moves out of the cadre's village between preview and apply: the apply
    checks again and writes nothing."""
    cadre = make_user("village", places["village"])
    household = Household.objects.filter(village_id=places["village"].code).first()
    rows = [{"household_id": household.household_id, "year": 2031, "item": "wage", "amount": 10,
             "source": "survey"}]
    batch = import_batch_create(uploaded_file=xlsx("l.xlsx", english_workbook("income_items", rows)),
                                user=cadre)
    assert batch.can_apply
    Household.objects.filter(pk=household.pk).update(village_id=places["other_village"].code)

    with pytest.raises(ImportRefused) as refused:
        import_batch_apply(batch=batch, user=cadre)

    assert [i["reason"] for i in refused.value.issues] == ["household_out_of_scope"]
    batch.refresh_from_db()
    assert batch.status == "rejected"
    assert not IncomeItem.objects.filter(household=household, year=2031).exists()


def test_a_failure_while_writing_rolls_everything_back(places, make_user, monkeypatch):
    cadre = make_user("village", places["village"])
    village = places["village"].code
    existing = list(Household.objects.filter(village_id=village).order_by("household_id")[:2])
    rows = [household_row("NEW0001", village)] + [household_row(h.household_id, village, willingness=1)
                                                  for h in existing]
    batch = import_batch_create(uploaded_file=xlsx("h.xlsx", english_workbook("households", rows)), user=cadre)
    assert batch.can_apply
    saves = []
    original_save = Household.save

    def failing_save(self, *args, **kwargs):
        saves.append(self.pk)
        if len(saves) == 2:
            raise RuntimeError("disk full")
        return original_save(self, *args, **kwargs)

    monkeypatch.setattr(Household, "save", failing_save)
    with pytest.raises(RuntimeError):
        import_batch_apply(batch=batch, user=cadre)
    monkeypatch.undo()

    assert not Household.objects.filter(household_id="NEW0001").exists()
    assert [h.willingness for h in Household.objects.filter(pk__in=[h.pk for h in existing])] == \
        [h.willingness for h in existing]
    batch.refresh_from_db()
    assert batch.status == "pending"
    assert not AuditEvent.objects.filter(action="import").exists()


def test_the_blank_template_round_trips_through_the_detector(client, places, make_user, tmp_path):
    cadre = logged_in(client, make_user("village", places["village"]))
    page = cadre.get(reverse("transfers:upload"))
    assert page.status_code == 200 and reverse("transfers:template", args=["persons"]) in page.content.decode()
    response = cadre.get(reverse("transfers:template", args=["persons"]))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == [c.zh for c in TABLES["persons"].columns]
    assert cadre.get(reverse("transfers:template", args=["divisions"])).status_code == 404


def test_a_batch_is_seen_only_by_its_uploader(client, places, make_user):
    owner = make_user("village", places["village"])
    batch = import_batch_create(
        uploaded_file=xlsx("h.xlsx", english_workbook("households", [household_row("NEW0001", places["village"].code)])),
        user=owner,
    )
    stranger = logged_in(client, make_user("town", places["other_town"]))
    assert stranger.get(reverse("transfers:batch", args=[batch.pk])).status_code == 404
    assert stranger.post(reverse("transfers:apply", args=[batch.pk])).status_code == 404
    assert not Household.objects.filter(household_id="NEW0001").exists()
