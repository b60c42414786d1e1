"""Attendance sheets (issue 13, item 2: "attendance and results import from Excel like
every import, all or nothing, bad rows named"). A sheet with any bad row writes nothing,
counted for every model the import touches, and names each bad row by row, column, value
and reason; a person outside the user's scope is a bad row that never says who it is."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from neisheng.accounts.models import AuditEvent
from neisheng.assistance import imports
from neisheng.assistance.imports import ImportColumn, RowProblem, activity_import, rows_read
from neisheng.assistance.models import ActivityImport, MeetingAttendance, TrainingAttendance
from neisheng.assistance.services.meetings import meeting_attendance_import, meeting_create
from neisheng.assistance.services.trainings import training_attendance_import, training_create
from neisheng.measures.models import AssignedMeasure
from neisheng.platform.models import Transition
from neisheng.registry.models import Household, Person
from neisheng.registry.selectors.history import change_history

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
HEADER = ["证件号码", "姓名", "出勤天数", "是否结业", "证书编号", "发证日期"]


def workbook(rows, header=HEADER, name="出勤.xlsx") -> SimpleUploadedFile:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def people(village, n, *, skill=False) -> list[Person]:
    born_after, born_before = TODAY.replace(year=TODAY.year - 50), TODAY.replace(year=TODAY.year - 20)
    return list(Person.objects.filter(household__village=village, alive=True, has_skill=skill,
                                      labor__in=("skilled", "ordinary", "weak"), birth_date__gt=born_after,
                                      birth_date__lt=born_before).order_by("person_id")[:n])


@pytest.fixture
def officer(make_user, places):
    return make_user("county", places["county"])


@pytest.fixture
def training(officer, places):
    return training_create(user=officer, division_code=places["county"].code, course="电工培训",
                           starts_on=TODAY - dt.timedelta(days=20), ends_on=TODAY - dt.timedelta(days=11),
                           trainer="县职校")


def counts() -> dict:
    """Every row the import could write, counted."""
    return {
        "attendance": TrainingAttendance.objects.count(), "meetings": MeetingAttendance.objects.count(),
        "measures": AssignedMeasure.objects.count(), "transitions": Transition.objects.count(),
        "skills": Person.objects.filter(has_skill=True).count(),
        "affairs": Household.objects.filter(participates_village_affairs=True).count(),
        "person_history": Person.history.count(), "household_history": Household.history.count(),
        "audit": AuditEvent.objects.exclude(object_type="activity_import").count(),
    }


def test_a_good_sheet_is_applied_whole_with_the_training_in_the_history(officer, training, places):
    a, b, c = people(places["village"], 3)
    upload = workbook([
        [a.person_id, a.name, 10, "是", "DG-1", (TODAY - dt.timedelta(days=10)).isoformat()],
        [],  # a blank line is skipped
        [b.person_id, b.name, 8, "是", "DG-2", TODAY - dt.timedelta(days=10)],
        [c.person_id, c.name, 3, "否", None, None],
    ])
    record = training_attendance_import(user=officer, training=training, file=upload)
    assert (record.outcome, record.rows_written, record.problems) == ("applied", 3, [])
    assert len(record.sha256) == 64 and record.size > 0 and record.file_name == "出勤.xlsx"
    assert TrainingAttendance.objects.filter(training=training).count() == 3
    skills = dict(Person.objects.filter(pk__in=[a.pk, b.pk, c.pk]).values_list("pk", "has_skill"))
    assert skills == {a.pk: True, b.pk: True, c.pk: False}
    assert any((ch.kind, ch.activity) == ("技能培训", training.pk) for ch in change_history(a.household))
    states = dict(AssignedMeasure.objects.filter(measure="skills_training", person_id__in=[a.pk, c.pk])
                  .values_list("person_id", "state"))
    assert states == {a.pk: "done", c.pk: "in_progress"}
    assert AuditEvent.objects.filter(object_type="activity_import", action="import", object_id=str(record.pk),
                                     division_code=places["county"].code).exists()


def test_a_sheet_with_bad_rows_writes_nothing_and_names_every_one(client, officer, training, places):
    a, b, c, d = people(places["village"], 4)
    elsewhere = Person.objects.filter(household__village=places["other_village"]).order_by("person_id").first()
    upload = workbook([
        [a.person_id, a.name, 10, "是", "DG-1", TODAY.isoformat()],                       # 2: good
        [b.person_id, "王某某", 10, "是", "DG-2", TODAY.isoformat()],                     # 3: not the name
        [elsewhere.person_id, elsewhere.name, 10, "是", "DG-3", TODAY.isoformat()],       # 4: elsewhere
        [a.person_id, a.name, 5, "否", None, None],                                       # 5: a again
        ["123456", "某人", 5, "否", None, None],                                           # 6: not an ID
        [c.person_id, c.name, "十", "也许", None, "2026-13-40"],                           # 7: three bad cells
        [d.person_id, d.name, 99, "否", "DG-9", TODAY.isoformat()],                       # 8: refused by the service
    ])
    before = counts()
    record = training_attendance_import(user=officer, training=training, file=upload)
    assert counts() == before
    assert record.outcome == ActivityImport.Outcome.REFUSED and record.rows_written == 0
    named = {(p["row"], p["column"]) for p in record.problems}
    assert {(3, "name"), (4, "person_id"), (5, "person_id"), (6, "person_id"), (7, "days_attended"),
            (7, "completed"), (7, "certified_on")} <= named
    # Row 8 is checked by the service once every person is found: a sheet is fixed in
    # rounds only where a row's checks depend on others.
    outside = next(p for p in record.problems if p["row"] == 4)
    assert outside["reason_zh"] == "在您管辖范围内的登记中没有这个证件号码"
    assert elsewhere.name not in str(record.problems) and elsewhere.person_id not in str(record.problems)
    # The result page lists them, in the page's language.
    client.force_login(officer)
    page = client.get(f"/assistance/imports/{record.pk}/").content.decode()
    assert "未写入任何数据" in page and page.count('class="import-problem"') == len(record.problems)
    assert elsewhere.name not in page


def test_rows_the_services_refuse_are_named_and_nothing_is_written(officer, training, places):
    a, d = people(places["village"], 2)
    upload = workbook([
        [a.person_id, a.name, 10, "是", "DG-1", TODAY.isoformat()],
        [d.person_id, d.name, 99, "否", "DG-9", TODAY.isoformat()],
    ])
    before = counts()
    record = training_attendance_import(user=officer, training=training, file=upload)
    assert counts() == before and record.outcome == "refused"
    columns = {p["column"] for p in record.problems if p["row"] == 3}
    assert columns == {"days_attended", "completed"}
    reason = next(p for p in record.problems if p["column"] == "days_attended")
    assert reason["reason_zh"].startswith("出勤天数超过培训天数") and reason["reason_en"] != reason["reason_zh"]


def test_a_missing_column_an_empty_sheet_and_a_legacy_file_are_refused(officer, training, places):
    record = training_attendance_import(user=officer, training=training,
                                        file=workbook([["x", 1]], header=["证件号码", "出勤天数"]))
    assert {(p["row"], p["column"]) for p in record.problems} == {(1, "name"), (1, "completed")}
    record = training_attendance_import(user=officer, training=training, file=workbook([]))
    assert [p["reason_en"] for p in record.problems] == ["the file has no data rows"]
    legacy = SimpleUploadedFile("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    record = training_attendance_import(user=officer, training=training, file=legacy)
    assert record.outcome == "refused" and "xlsx" in record.problems[0]["reason_zh"]


def test_a_gb18030_csv_with_english_headers_is_read(officer, training, places):
    a = people(places["village"], 1)[0]
    text = "person_id,name,days_attended,completed\n" + f"{a.person_id},{a.name},6,yes\n"
    record = training_attendance_import(user=officer, training=training,
                                        file=SimpleUploadedFile("sheet.csv", text.encode("gb18030")))
    assert record.outcome == "applied" and record.rows_written == 1
    assert TrainingAttendance.objects.get(person=a).completed


def test_a_sheet_past_the_row_limit_is_refused_before_anything_is_read(officer, training, places, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 2)
    a, b, c = people(places["village"], 3)
    record = training_attendance_import(user=officer, training=training, file=workbook(
        [[p.person_id, p.name, 1, "否"] for p in (a, b, c)]))
    assert record.outcome == "refused" and record.problems[0]["row"] == 4
    assert not TrainingAttendance.objects.exists()


def test_the_framework_rolls_back_what_apply_rows_wrote(officer, places, tmp_path):
    """activity_import's promise to F and G: whatever apply_rows wrote before it found a
    problem is undone; the import itself is kept, refused."""
    household = Household.objects.filter(village=places["village"]).order_by("pk").first()
    columns = [ImportColumn("household_id", "户编号", "text"), ImportColumn("amount", "金额", "decimal", minimum=0)]

    def apply_rows(rows):
        from neisheng.registry.services import household_update_many

        household_update_many(user=officer, changes=[(household, {"credit_access": not household.credit_access})],
                              change_reason="小额信贷 #1")
        return [RowProblem(rows[0]["row"], "amount", "", "测试", "test")]

    before = (household.credit_access, Household.history.count())
    upload = workbook([[household.pk, "1,200.50"]], header=["户编号", "金额"])
    record = activity_import(user=officer, kind="microcredit", file=upload, division_code=places["village"].code,
                             columns=columns, apply_rows=apply_rows)
    household.refresh_from_db()
    assert (household.credit_access, Household.history.count()) == before
    assert record.outcome == "refused" and record.problems[0]["reason_en"] == "test"
    rows, problems = rows_read(record.file, columns)
    assert problems == [] and str(rows[0]["amount"]) == "1200.50"


def test_meeting_sheets_take_a_member_or_a_household_once(officer, places):
    meeting = meeting_create(user=officer, division_code=places["village"].code, kind="council",
                             held_on=TODAY - dt.timedelta(days=1), topic="村规民约修订")
    households = list(Household.objects.filter(village=places["village"], participates_village_affairs=False)
                      .order_by("pk")[:3])
    member = households[1].members.filter(alive=True).order_by("pk").first()
    header = ["证件号码", "户编号", "姓名"]
    bad = workbook([
        [None, households[0].pk, None],
        [member.person_id, None, member.name],
        [None, households[0].pk, None],                       # the same household again
        [member.person_id, households[2].pk, member.name],     # not that household's member
        [None, None, "某人"],                                  # neither number
    ], header=header)
    before = counts()
    record = meeting_attendance_import(user=officer, meeting=meeting, file=bad)
    assert counts() == before
    assert {p["row"] for p in record.problems} == {4, 5, 6}
    good = workbook([[None, households[0].pk, None], [member.person_id, None, member.name]], header=header)
    record = meeting_attendance_import(user=officer, meeting=meeting, file=good)
    assert record.outcome == "applied" and record.rows_written == 2
    assert set(MeetingAttendance.objects.filter(meeting=meeting).values_list("household_id", flat=True)) == {
        households[0].pk, households[1].pk}
    assert Household.objects.get(pk=households[0].pk).participates_village_affairs


def test_the_import_pages(client, officer, training, places):
    client.force_login(officer)
    template = client.get("/assistance/trainings/template/")
    assert template["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(BytesIO(template.content)).active
    assert [c.value for c in sheet[1]][:4] == ["证件号码", "姓名", "出勤天数", "是否结业"]
    a = people(places["village"], 1)[0]
    response = client.post(f"/assistance/trainings/{training.pk}/import/",
                           {"file": workbook([[a.person_id, a.name, 2, "否"]])})
    record = ActivityImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/assistance/imports/{record.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "已导入" in page and f"/assistance/trainings/{training.pk}/" in page
    # No file, or not a spreadsheet: the form says so on the training's page.
    response = client.post(f"/assistance/trainings/{training.pk}/import/",
                           {"file": SimpleUploadedFile("notes.txt", b"hello")})
    assert response.status_code == 400 and "只能上传 Excel 工作簿" in response.content.decode()
    assert ActivityImport.objects.count() == 1
