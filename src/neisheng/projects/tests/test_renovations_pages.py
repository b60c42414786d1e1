"""The pages and API of renovations and price lists, as a user sees them."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from neisheng.projects.models import PriceList, ProjectsImport, Renovation
from neisheng.projects.services import prices, renovations
from neisheng.registry.models import Household

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def cadre(make_user, places):
    return make_user("village", places["village"])


@pytest.fixture
def auditor(make_user, places):
    return make_user("auditor", places["county"])


@pytest.fixture
def renovation(places, cadre):
    prices.price_list_default(division_code=places["county"].code)
    household = Household.objects.filter(village=places["village"]).order_by("household_id").first()
    done = renovations.renovation_record(user=cadre, household=household, done_on=dt.date(2025, 5, 1),
                                         contractor="县建一队")
    # 泥工 at 242.00 is exactly 10 % over 220.00: not flagged; 242.01 is.
    renovations.renovation_item_add(user=cadre, renovation=done, item_code="L01", kind="labor",
                                    quantity=Decimal(10), unit_price=Decimal("242.00"))
    renovations.renovation_item_add(user=cadre, renovation=done, item_code="L02", kind="labor",
                                    quantity=Decimal(2), unit_price=Decimal("253.01"))
    renovations.renovation_item_add(user=cadre, renovation=done, item_code="M11", kind="material",
                                    quantity=Decimal(2), unit_price=Decimal(1500))
    return done


def image(fmt="JPEG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), "green").save(buffer, fmt)
    return buffer.getvalue()


def test_the_page_marks_each_item_over_its_reference_and_the_total(client, cadre, renovation):
    client.force_login(cadre)
    page = client.get(f"/projects/renovations/{renovation.pk}/").content.decode()
    rows = {code: page.split(f'data-item="{code}"')[1].split("</tr>")[0] for code in ("L01", "L02", "M11")}
    assert 'class="renovation-item"' in page.split('data-item="L01"')[0][-80:]  # at the limit: not over
    assert "over-price" in page.split('data-item="L02"')[0][-80:] and "超参考价" in rows["L02"]
    assert "over-quantity" in page.split('data-item="M11"')[0][-80:] and "超最大数量" in rows["M11"]
    assert "220.00" in rows["L01"] and "2,420.00" in rows["L01"]
    assert 'id="renovation-total">5,926.02<' in page  # 2,420.00 + 506.02 + 3,000.00
    assert "上限 20,000.00 元" in page and 'id="todo-over-items"' in page
    # The cadre records; only auditors check.
    assert 'id="renovation-item-new"' in page and 'id="renovation-check-form"' not in page


def test_the_list_filters_what_is_over_and_exports_it(client, cadre, renovation, places):
    client.force_login(cadre)
    assert renovation.household_id in client.get("/projects/renovations/?over=price").content.decode()
    assert renovation.household_id in client.get("/projects/renovations/?over=quantity&check=pending").content.decode()
    assert renovation.household_id not in client.get("/projects/renovations/?check=confirmed").content.decode()
    exported = client.post("/projects/renovations/?over=any")
    assert exported["Content-Type"].startswith(XLSX)
    rows = list(openpyxl.load_workbook(io.BytesIO(exported.content)).active.iter_rows(values_only=True))
    assert rows[1][0] == renovation.household_id and rows[1][5] == 5926.02 and rows[1][6] == "是"


def test_photos_before_and_after_are_shown_side_by_side(client, cadre, renovation):
    client.force_login(cadre)
    url = f"/projects/renovations/{renovation.pk}/photos/new/"
    assert client.post(url, {"moment": "before", "file": SimpleUploadedFile("a.jpg", image())}).status_code == 302
    assert client.post(url, {"moment": "after", "file": SimpleUploadedFile("b.png", image("PNG"))}).status_code == 302
    text = client.post(url, {"moment": "after", "file": SimpleUploadedFile("c.jpg", b"not a photo at all")})
    assert text.status_code == 400 and "只能上传照片" in text.content.decode()
    page = client.get(f"/projects/renovations/{renovation.pk}/").content.decode()
    before, after = page.split('id="photos-before"')[1], page.split('id="photos-after"')[1]
    photo = renovation.photos.get(moment="before")
    assert f"/photos/{photo.pk}/" in before.split('id="photos-after"')[0]
    assert f"/photos/{renovation.photos.get(moment='after').pk}/" in after
    served = client.get(f"/projects/renovations/{renovation.pk}/photos/{photo.pk}/")
    assert served["Content-Type"] == "image/jpeg" and b"".join(served.streaming_content) == image()


def test_the_auditor_checks_on_the_page_and_sees_every_check(client, auditor, renovation):
    client.force_login(auditor)
    assert client.get("/projects/renovations/new/").status_code == 403
    assert client.get(f"/projects/renovations/{renovation.pk}/items/new/").status_code == 403
    page = client.get(f"/projects/renovations/{renovation.pk}/").content.decode()
    assert 'id="renovation-check-form"' in page and 'id="renovation-item-new"' not in page
    url = f"/projects/renovations/{renovation.pk}/check/"
    refused = client.post(url, {"checked_on": "2025-06-01", "checked": "no", "remarks": ""})
    assert refused.status_code == 400 and "核查意见" in refused.content.decode()
    assert client.post(url, {"checked_on": "2025-06-01", "checked": "no", "remarks": "防盗门只装了一樘"}).status_code == 302
    assert client.post(url, {"checked_on": "2025-06-20", "checked": "yes", "remarks": ""}).status_code == 302
    page = client.get(f"/projects/renovations/{renovation.pk}/").content.decode()
    table = page.split('id="renovation-checks-table"')[1]
    assert table.count('class="site-check-row"') == 2 and "防盗门只装了一樘" in table
    assert 'data-state="confirmed"' in page.split('id="renovation-check-state"')[1][:40]


def test_the_new_form_records_and_says_how_to_get_a_list(client, cadre, places):
    client.force_login(cadre)
    household = Household.objects.filter(village=places["village"]).order_by("household_id").first()
    refused = client.post(f"/projects/renovations/new/?household={household.pk}", {"done_on": "2025-05-01"})
    assert refused.status_code == 400 and "默认价格表" in refused.content.decode()
    prices.price_list_default(division_code=places["county"].code)
    answer = client.post("/projects/renovations/new/", {"household": household.pk, "done_on": "2025-05-01",
                                                          "contractor": "县建一队"})
    assert answer.status_code == 302
    assert answer["Location"] == f"/projects/renovations/{Renovation.objects.get().pk}/"


def test_the_county_imports_a_list_or_takes_the_default(client, make_user, places):
    officer = make_user("county", places["county"])
    client.force_login(officer)
    book = openpyxl.Workbook()
    book.active.append(list(prices.HEADERS_ZH))
    book.active.append(["L01", "泥工", "工日", 250, 30])
    buffer = io.BytesIO()
    book.save(buffer)
    answer = client.post("/projects/prices/import/", {"name": "2025年参考价", "effective_on": "2025-01-01",
                                                      "file": SimpleUploadedFile("价格.xlsx", buffer.getvalue())})
    assert answer.status_code == 302
    assert ProjectsImport.objects.get().outcome == ProjectsImport.Outcome.APPLIED
    assert client.get("/projects/prices/default/").status_code == 200
    assert client.post("/projects/prices/default/").status_code == 302
    listed = client.get("/projects/prices/").content.decode()
    assert listed.count('class="price-list-row"') == 2 and "今日执行" in listed
    assert PriceList.objects.get(is_default=False).items.get().reference_price == Decimal(250)
    # A village reads its county's lists, but may not change them.
    client.force_login(make_user("village", places["village"]))
    assert client.get("/projects/prices/").content.decode().count('class="price-list-row"') == 2
    assert client.get("/projects/prices/import/").status_code == 403


def test_the_api_gives_items_against_their_reference_and_takes_checks(client, auditor, renovation):
    client.force_login(auditor)
    listed = client.get("/api/renovations/?over=price").json()
    assert [r["id"] for r in listed["results"]] == [renovation.pk] and listed["results"][0]["total"] == "5926.02"
    detail = client.get(f"/api/renovations/{renovation.pk}/").json()
    assert {i["item_code"]: i["over_price"] for i in detail["items"]} == {"L01": False, "L02": True, "M11": False}
    answer = client.post(f"/api/renovations/{renovation.pk}/site-check/",
                         {"checked_on": "2025-06-01", "checked": True, "remarks": ""}, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["site_check_state"] == "confirmed"
    assert client.post("/api/renovations/", {"household_id": renovation.household_id, "done_on": "2025-05-02"},
                       content_type="application/json").status_code == 403
    lists = client.get("/api/price-lists/").json()
    assert [p["is_default"] for p in lists["results"]] == [True]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_pages_are_in_one_language(client, cadre, auditor, renovation, make_user, places, language):
    from neisheng.web.tests.test_one_language import violations

    renovations.renovation_photo_add(user=cadre, renovation=renovation, moment="before",
                                     file=SimpleUploadedFile("a.jpg", image()), caption="厨房")
    renovations.renovation_site_check(user=auditor, renovation=renovation, checked_on=dt.date(2025, 6, 1),
                                      checked=False, remarks="门未安装")
    price_list = renovation.price_list.pk
    client.cookies["django_language"] = language
    pages = {}
    for user, urls in (
        (cadre, ["/projects/renovations/", "/projects/renovations/?over=any&check=pending",
                 f"/projects/renovations/{renovation.pk}/", "/projects/renovations/new/",
                 f"/projects/renovations/{renovation.pk}/items/new/", f"/projects/renovations/{renovation.pk}/photos/new/",
                 "/projects/renovations/import/", "/projects/prices/", f"/projects/prices/{price_list}/"]),
        (auditor, [f"/projects/renovations/{renovation.pk}/", f"/projects/renovations/{renovation.pk}/check/"]),
        (make_user("county", places["county"]), ["/projects/prices/import/", "/projects/prices/default/"]),
    ):
        client.force_login(user)
        for url in urls:
            pages[url] = client.get(url)
        if user == cadre:
            pages["item refused"] = client.post(f"/projects/renovations/{renovation.pk}/items/new/",
                                                {"item_code": "L01", "kind": "labor", "quantity": "0"})
            pages["photo refused"] = client.post(f"/projects/renovations/{renovation.pk}/photos/new/",
                                                 {"moment": "after", "file": SimpleUploadedFile("c.jpg", b"text")})
        if user == auditor:
            pages["check refused"] = client.post(f"/projects/renovations/{renovation.pk}/check/",
                                                 {"checked_on": "2025-06-01", "checked": "no"})
    found = {}
    for url, response in pages.items():
        assert response.status_code in (200, 400), (url, response.status_code)
        html = response.content.decode()
        assert f'<html lang="{language}">' in html, url
        for text in violations(html, language):
            found.setdefault(text, []).append(url)
    assert not found, found
