"""Cadres and pairs from one Excel workbook: every bad row named (sheet, row, column,
value), nothing written when any row is wrong, everything written when none is."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from neisheng.accounts.models import AuditEvent
from neisheng.grid import imports
from neisheng.grid.errors import GridRefused
from neisheng.grid.models import AreaPair, Cadre, CadrePair, LeaderPair
from neisheng.registry.models import Household

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(make_user, places):
    return make_user("county", places["county"])


def _workbook(tmp_path, sheets: dict, name="grid.xlsx"):
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


def _households(places, n, where="village"):
    return [h.household_id for h in Household.objects.filter(village=places[where]).order_by("household_id")[:n]]


def _good(places, households):
    village, town = places["village"].code, places["town"].code
    return {
        "cadres": [["cadre_id", "name", "kind", "unit", "post", "division_code", "phone", "capacity"],
                   ["C1", "王强", "assistance", "县农业农村局", "科员", village, "13800000001", 3],
                   ["C2", "李明", "帮扶责任人", "县教委", "", village, "", None],
                   ["L1", "张书记", "leader", "镇政府", "副镇长", town, "13800000003", None],
                   ["V1", "赵主任", "village", "村委会", "", village, "", None]],
        "pairs": [["cadre_id", "household_id", "started_on"],
                  ["C1", households[0], dt.datetime(2026, 3, 1)],
                  ["C1", households[1], "2026-03-01"],
                  ["C2", households[2], "2026/3/2"]],
        "villages": [["cadre_id", "village_code", "started_on"], ["L1", village, "2026-01-10"]],
        "areas": [["cadre_id", "village_code", "area", "started_on"], ["V1", village, "一组", "2026-01-10"]],
    }


def test_a_good_workbook_is_previewed_then_applied_whole(officer, places, tmp_path):
    households = _households(places, 3)
    path = _workbook(tmp_path, _good(places, households))
    preview = imports.import_check(user=officer, path=path)
    assert preview.problems == []
    assert preview.counts() == {"cadres_new": 4, "cadres_updated": 0, "pairs": 3, "leader_pairs": 1, "area_pairs": 1}
    assert not Cadre.objects.exists()  # the preview writes nothing
    imports.import_apply(user=officer, path=path, name="grid.xlsx")
    assert Cadre.objects.get(cadre_id="C2").kind == "assistance"
    assert Cadre.objects.get(cadre_id="C1").capacity == 3
    assert sorted(CadrePair.objects.filter(source="import").values_list("cadre__cadre_id", "household_id",
                                                                          "started_on")) == [
        ("C1", households[0], dt.date(2026, 3, 1)), ("C1", households[1], dt.date(2026, 3, 1)),
        ("C2", households[2], dt.date(2026, 3, 2))]
    assert LeaderPair.objects.get().leader.cadre_id == "L1"
    assert AreaPair.objects.get().area == "一组"
    assert AuditEvent.objects.filter(action="import", object_type="grid_workbook", object_id="grid.xlsx").exists()


def test_chinese_sheet_names_and_headers_are_read_too(officer, places, tmp_path):
    households = _households(places, 1)
    path = _workbook(tmp_path, {
        "干部": [["干部编号", "姓名", "类别", "工作单位", "职务", "服务区划", "联系电话", "包户上限"],
                 ["C1", "王强", "帮扶责任人", "", "", places["village"].code, "", ""]],
        "包户": [["干部编号", "户编号", "结对日期"], ["C1", households[0], "2026-03-01"]],
    })
    preview = imports.import_apply(user=officer, path=path)
    assert (preview.cadres_new, preview.pairs) == (1, 1)
    assert CadrePair.objects.get().household_id == households[0]


def test_every_bad_row_is_named_and_nothing_is_written(officer, places, tmp_path):
    households = _households(places, 3)
    elsewhere = _households(places, 1, "other_village")[0]
    already = Cadre.objects.create(cadre_id="C0", name="老王", division_code=places["village"].code)
    CadrePair.objects.create(cadre=already, household_id=households[2], division_code=places["village"].code,
                             started_on=dt.date(2025, 1, 1))
    sheets = _good(places, households)
    sheets["cadres"] += [["C3", "钱七", "boss", "", "", places["village"].code, "", ""],       # row 6: kind
                         ["C4", "孙八", "assistance", "", "", "5002371012", "", ""],            # row 7: code
                         ["C1", "重复", "assistance", "", "", places["village"].code, "", ""],  # row 8: twice
                         ["C5", "周九", "assistance", "", "", places["village"].code, "abc", "x"]]  # row 9
    sheets["pairs"] += [["C9", households[0], "2026-03-01"],             # row 5: unknown cadre
                        ["C2", households[0], "2026-03-01"],             # row 6: household twice
                        ["C2", elsewhere, "2026-03-01"],                 # row 7: outside the county officer's scope
                        ["L1", "5002370000000000", "2099-01-01"]]        # row 8: a leader, unknown household, future
    path = _workbook(tmp_path, sheets)
    preview = imports.import_check(user=officer, path=path)
    named = {(p.sheet, p.row, p.column, p.value) for p in preview.problems}
    assert named >= {
        ("cadres", 6, "kind", "boss"), ("cadres", 7, "division_code", "5002371012"), ("cadres", 8, "cadre_id", "C1"),
        ("cadres", 9, "phone", "abc"), ("cadres", 9, "capacity", "x"),
        ("pairs", 4, "household_id", households[2]),  # already paired with C0
        ("pairs", 5, "cadre_id", "C9"), ("pairs", 6, "household_id", households[0]),
        ("pairs", 7, "household_id", elsewhere), ("pairs", 8, "cadre_id", "L1"),
        ("pairs", 8, "household_id", "5002370000000000"), ("pairs", 8, "started_on", "2099-01-01"),
    }, preview.problems
    assert all(p.zh and p.en for p in preview.problems)
    with pytest.raises(GridRefused):
        imports.import_apply(user=officer, path=path)
    assert list(Cadre.objects.values_list("cadre_id", flat=True)) == ["C0"]
    assert CadrePair.objects.count() == 1 and not LeaderPair.objects.exists()


def test_an_existing_cadre_is_updated_with_history(officer, places, tmp_path):
    Cadre.objects.create(cadre_id="C1", name="王强", division_code=places["village"].code, phone="13800000001")
    path = _workbook(tmp_path, {"cadres": [["cadre_id", "name", "division_code", "phone"],
                                           ["C1", "王强", places["village"].code, "13900000009"]]})
    preview = imports.import_apply(user=officer, path=path)
    assert (preview.cadres_new, preview.cadres_updated) == (0, 1)
    cadre = Cadre.objects.get(cadre_id="C1")
    assert cadre.phone == "13900000009" and cadre.history.count() == 2


def test_capacity_counts_existing_pairs(officer, places, tmp_path):
    households = _households(places, 3)
    cadre = Cadre.objects.create(cadre_id="C1", name="王强", division_code=places["village"].code, capacity=2)
    CadrePair.objects.create(cadre=cadre, household_id=households[0], division_code=places["village"].code,
                             started_on=dt.date(2025, 1, 1))
    path = _workbook(tmp_path, {"pairs": [["cadre_id", "household_id", "started_on"],
                                          ["C1", households[1], "2026-03-01"], ["C1", households[2], "2026-03-01"]]})
    problems = imports.import_check(user=officer, path=path).problems
    assert [(p.sheet, p.row, p.column) for p in problems] == [("pairs", 2, "cadre_id")]
    assert "上限 2" in problems[0].zh


def test_a_missing_column_and_a_file_that_is_no_workbook(officer, places, tmp_path):
    path = _workbook(tmp_path, {"pairs": [["cadre_id", "started_on"], ["C1", "2026-03-01"]]})
    problems = imports.import_check(user=officer, path=path).problems
    assert [(p.sheet, p.row, p.column) for p in problems] == [("pairs", 1, "household_id")]
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"name,phone\n")
    with pytest.raises(imports.WorkbookUnreadable, match="不是 Excel"):
        imports.import_check(user=officer, path=fake)


def test_the_template_reads_back_in_both_languages(officer, places, tmp_path):
    for english in (True, False):
        workbook = openpyxl.load_workbook(io.BytesIO(imports.template_workbook(english=english)))
        names = workbook.sheetnames
        assert names == (["cadres", "pairs", "villages", "areas"] if english else ["干部", "包户", "包村", "包片"])
        path = tmp_path / f"template-{english}.xlsx"
        workbook.save(path)
        found, problems = imports.workbook_rows(path)
        assert problems == [] and set(found) == {"cadres", "pairs", "villages", "areas"}
        assert found["cadres"][0][1]["cadre_id"] == "C0001"
