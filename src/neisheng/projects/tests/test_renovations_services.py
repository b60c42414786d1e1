"""Renovations (双提升) and reference price lists through their services: the list in
force, line items priced from it, photos checked by content, the auditor's checks kept,
and the imports all or nothing."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from PIL import Image

from neisheng.projects.models import (
    PriceList,
    ProjectsImport,
    ReferencePrice,
    Renovation,
    RenovationItem,
)
from neisheng.projects.services import prices, renovations
from neisheng.registry.models import Household

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def household(places):
    return Household.objects.filter(village=places["village"]).order_by("household_id").first()


@pytest.fixture
def default_list(places):
    return prices.price_list_default(division_code=places["county"].code)


@pytest.fixture
def cadre(make_user, places):
    return make_user("village", places["village"])


def workbook(rows, headers) -> SimpleUploadedFile:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("sheet.xlsx", buffer.getvalue())


def photo(fmt="JPEG", name="before.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "orange").save(buffer, fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


# --------------------------------------------------------------------------- price lists


def test_the_default_list_ships_with_labour_and_material_items(default_list, places):
    items = {i.item_code: i for i in default_list.items.all()}
    assert default_list.is_default and default_list.division_code == places["county"].code
    assert 20 <= len(items) <= 40
    assert items["L01"].name == "泥工" and items["L01"].unit == "工日"
    assert items["M01"].unit == "吨" and items["M04"].unit == "千块"
    assert all(i.reference_price > 0 and i.max_quantity > 0 for i in items.values())


def test_taking_the_default_twice_gives_the_same_list(default_list, places):
    again = prices.price_list_default(division_code=places["village"].code)
    assert again.pk == default_list.pk and PriceList.objects.filter(is_default=True).count() == 1


def test_the_list_in_force_is_the_countys_latest_by_that_day(default_list, places, make_user):
    officer = make_user("county", places["county"])
    record = prices.price_list_import(
        user=officer, file=workbook([("L01", "泥工", "工日", 240, 30)], prices.HEADERS_ZH),
        division_code=places["county"].code, name="2025年参考价", effective_on=dt.date(2025, 1, 1))
    assert record.outcome == ProjectsImport.Outcome.APPLIED, record.problems
    village = places["village"].code
    assert prices.price_list_in_force(village, dt.date(2024, 12, 31)) == default_list
    assert prices.price_list_in_force(village, dt.date(2025, 1, 1)) == record.price_list
    assert prices.price_list_in_force(village, dt.date(2015, 12, 31)) is None
    assert prices.price_list_in_force(places["other_village"].code, dt.date(2025, 6, 1)) is None


def test_a_bad_price_row_writes_nothing_and_every_bad_row_is_named(places, make_user):
    officer = make_user("county", places["county"])
    rows = [("L01", "泥工", "工日", 220, 30), ("l01", "泥工", "工日", 220, 30), ("M01", "水泥", "吨", 0, 8),
            ("M02", "河沙", "立方米", 150, -1), ("M03", "碎石", "立方米", "1.234", 10)]
    record = prices.price_list_import(user=officer, file=workbook(rows, prices.HEADERS_ZH),
                                      division_code=places["county"].code, name="错表", effective_on=dt.date(2025, 1, 1))
    assert record.outcome == ProjectsImport.Outcome.REFUSED
    assert {(p["row"], p["column"]) for p in record.problems} == {
        (3, "item_code"), (4, "reference_price"), (5, "max_quantity"), (6, "reference_price")}
    assert not PriceList.objects.exists() and not ReferencePrice.objects.exists()


def test_english_headers_are_accepted(places, make_user):
    officer = make_user("county", places["county"])
    record = prices.price_list_import(
        user=officer, file=workbook([("M05", "地面瓷砖", "平方米", "55.5", 120)],
                                    ("item_code", "name", "unit", "reference_price", "max_quantity")),
        division_code=places["county"].code, name="list", effective_on=dt.date(2025, 1, 1))
    assert record.outcome == ProjectsImport.Outcome.APPLIED
    assert record.price_list.items.get().reference_price == Decimal("55.50")


def test_only_the_county_office_imports_a_list(places, make_user):
    with pytest.raises(PermissionDenied):
        prices.price_list_import(user=make_user("village", places["village"]), file=workbook([], prices.HEADERS_ZH),
                                 division_code=places["county"].code, name="x", effective_on=dt.date(2025, 1, 1))
    with pytest.raises(PermissionDenied):
        prices.price_list_default(division_code=places["county"].code, user=make_user("auditor", places["county"]))
    with pytest.raises(Http404):
        prices.price_list_default(division_code=places["other_county"].code,
                                  user=make_user("county", places["county"]))


# --------------------------------------------------------------------------- renovations


def test_a_renovation_without_a_list_in_force_is_refused_saying_what_to_do(household, cadre):
    with pytest.raises(ValidationError) as refused:
        renovations.renovation_record(user=cadre, household=household, done_on=dt.date(2025, 5, 1))
    assert "默认价格表" in str(refused.value.message_dict["done_on"])


def test_items_are_priced_from_the_list_with_the_amount_half_up(household, cadre, default_list):
    renovation = renovations.renovation_record(user=cadre, household=household, done_on=dt.date(2025, 5, 1),
                                               contractor="县建一队")
    assert renovation.price_list == default_list
    item = renovations.renovation_item_add(user=cadre, renovation=renovation, item_code="m13", kind="material",
                                           quantity=Decimal("12.5"), unit_price=Decimal("3.21"))
    assert (item.item_code, item.unit, item.amount) == ("M13", "米", Decimal("40.13"))  # 40.125 → up
    assert item.name == default_list.items.get(item_code="M13").name
    # Over the reference price: recorded as done, for the audit to flag.
    over = renovations.renovation_item_add(user=cadre, renovation=renovation, item_code="L01", kind="labor",
                                           quantity=Decimal(3), unit_price=Decimal(300))
    assert over.amount == Decimal("900.00")


def test_an_unknown_code_and_bad_numbers_are_refused_by_field(household, cadre, default_list):
    renovation = renovations.renovation_record(user=cadre, household=household, done_on=dt.date(2025, 5, 1))
    with pytest.raises(ValidationError) as refused:
        renovations.renovation_item_add(user=cadre, renovation=renovation, item_code="X99", kind="tools",
                                        quantity=Decimal(0), unit_price=Decimal("1.234"))
    assert set(refused.value.message_dict) == {"item_code", "kind", "quantity", "unit_price"}
    assert not RenovationItem.objects.exists()


def test_a_household_elsewhere_is_not_found(places, cadre, default_list):
    elsewhere = Household.objects.filter(village=places["other_village"]).first()
    with pytest.raises(Http404):
        renovations.renovation_record(user=cadre, household=elsewhere, done_on=dt.date(2025, 5, 1))


def test_photos_are_checked_by_content(household, cadre, default_list):
    renovation = renovations.renovation_record(user=cadre, household=household, done_on=dt.date(2025, 5, 1))
    kept = renovations.renovation_photo_add(user=cadre, renovation=renovation, moment="before", file=photo())
    assert kept.file.name.endswith(".jpg") and kept.size > 0 and len(kept.sha256) == 64
    # A PNG named .jpg is kept as the PNG it is.
    png = renovations.renovation_photo_add(user=cadre, renovation=renovation, moment="after",
                                           file=photo("PNG", "after.jpg"))
    assert png.file.name.endswith(".png")
    text = SimpleUploadedFile("after.jpg", "这不是照片".encode(), content_type="image/jpeg")
    with pytest.raises(ValidationError) as refused:
        renovations.renovation_photo_add(user=cadre, renovation=renovation, moment="after", file=text)
    assert "只能上传照片" in str(refused.value.message_dict["file"])
    assert renovation.photos.count() == 2


def test_a_photo_over_the_upload_limit_is_refused(household, cadre, default_list, settings):
    settings.UPLOAD_MAX_BYTES = 100
    renovation = renovations.renovation_record(user=cadre, household=household, done_on=dt.date(2025, 5, 1))
    with pytest.raises(ValidationError) as refused:
        renovations.renovation_photo_add(user=cadre, renovation=renovation, moment="before", file=photo())
    assert "MB" in str(refused.value.message_dict["file"])


def test_the_auditor_checks_but_may_not_record_and_every_check_is_kept(household, cadre, default_list, make_user,
                                                                      places):
    auditor = make_user("auditor", places["county"])
    with pytest.raises(PermissionDenied):
        renovations.renovation_record(user=auditor, household=household, done_on=dt.date(2025, 5, 1))
    renovation = renovations.renovation_record(user=cadre, household=household, done_on=dt.date(2025, 5, 1))
    with pytest.raises(PermissionDenied):
        renovations.renovation_item_add(user=auditor, renovation=renovation, item_code="L01", kind="labor",
                                        quantity=Decimal(1), unit_price=Decimal(1))
    with pytest.raises(PermissionDenied):
        renovations.renovation_site_check(user=cadre, renovation=renovation, checked_on=dt.date(2025, 6, 1),
                                          checked=True)
    with pytest.raises(ValidationError) as refused:
        renovations.renovation_site_check(user=auditor, renovation=renovation, checked_on=dt.date(2025, 6, 1),
                                          checked=False, remarks="")
    assert "remarks" in refused.value.message_dict
    renovations.renovation_site_check(user=auditor, renovation=renovation, checked_on=dt.date(2025, 6, 1),
                                      checked=False, remarks="门未安装")
    renovations.renovation_site_check(user=auditor, renovation=renovation, checked_on=dt.date(2025, 7, 1),
                                      checked=True, remarks="已整改")
    renovation.refresh_from_db()
    assert renovation.site_checked and renovation.site_checked_on == dt.date(2025, 7, 1)
    checks = list(renovations.site_checks(renovation))
    assert [(c.effective_on, c.from_state, c.to_state, c.reason) for c in checks] == [
        (dt.date(2025, 6, 1), "pending", "not_confirmed", "门未安装"),
        (dt.date(2025, 7, 1), "not_confirmed", "confirmed", "已整改")]
    with pytest.raises(ValidationError):
        renovations.renovation_site_check(user=auditor, renovation=renovation, checked_on=dt.date(2025, 4, 1),
                                          checked=True)


ITEM_HEADERS = ("户编号", "完工日期", "施工方", "项目编码", "类别", "数量", "单价")


def test_items_import_makes_one_renovation_per_household_and_day(household, cadre, default_list, places):
    second = Household.objects.filter(village=places["village"]).order_by("household_id")[1]
    rows = [(household.pk, "2025-05-01", "县建一队", "L01", "人工", 10, 220),
            (household.pk, "2025-05-01", "", "M01", "material", "1.5", 520),
            (second.pk, "2025-05-02", "", "M05", "材料", 40, 60)]
    record = renovations.renovation_items_import(user=cadre, file=workbook(rows, ITEM_HEADERS),
                                                 division_code=places["village"].code)
    assert record.outcome == ProjectsImport.Outcome.APPLIED, record.problems
    first = Renovation.objects.get(household=household)
    assert first.contractor == "县建一队" and first.items.count() == 2
    assert sorted(first.items.values_list("amount", flat=True)) == [Decimal("780.00"), Decimal("2200.00")]
    assert Renovation.objects.get(household=second).items.get().amount == Decimal("2400.00")


def test_a_bad_item_row_writes_nothing(household, cadre, default_list, places):
    elsewhere = Household.objects.filter(village=places["other_village"]).first()
    rows = [(household.pk, "2025-05-01", "", "L01", "人工", 10, 220),
            (household.pk, "2025-05-01", "", "X99", "人工", 1, 1),
            (elsewhere.pk, "2025-05-01", "", "L01", "人工", 1, 1),
            (household.pk, "2025-05-03", "", "L01", "人工", 0, 1)]
    record = renovations.renovation_items_import(user=cadre, file=workbook(rows, ITEM_HEADERS),
                                                 division_code=places["village"].code)
    assert record.outcome == ProjectsImport.Outcome.REFUSED
    assert {(p["row"], p["column"]) for p in record.problems} == {(3, "item_code"), (4, "household_id"),
                                                                  (5, "quantity")}
    assert not Renovation.objects.exists() and not RenovationItem.objects.exists()


def test_a_renovation_already_recorded_is_not_imported_again(household, cadre, default_list, places):
    renovations.renovation_record(user=cadre, household=household, done_on=dt.date(2025, 5, 1))
    rows = [(household.pk, "2025-05-01", "", "L01", "人工", 10, 220)]
    record = renovations.renovation_items_import(user=cadre, file=workbook(rows, ITEM_HEADERS),
                                                 division_code=places["village"].code)
    assert record.outcome == ProjectsImport.Outcome.REFUSED and record.problems[0]["column"] == "done_on"
    assert not RenovationItem.objects.exists()


def test_an_item_over_its_reference_raises_the_audits_finding_at_once(household, cadre, default_list):
    from neisheng.projects.models import AuditFinding

    renovation = renovations.renovation_record(user=cadre, household=household, done_on=dt.date(2025, 5, 1))
    renovations.renovation_item_add(user=cadre, renovation=renovation, item_code="L01", kind="labor",
                                    quantity=Decimal(2), unit_price=Decimal("242.00"))  # exactly +10 %: inside
    assert not AuditFinding.objects.filter(rule="renovation_price").exists()
    over = renovations.renovation_item_add(user=cadre, renovation=renovation, item_code="L01", kind="labor",
                                           quantity=Decimal(2), unit_price=Decimal("242.01"))
    finding = AuditFinding.objects.get(rule="renovation_price")
    assert finding.subject_id == str(over.pk) and finding.household_id == household.pk
