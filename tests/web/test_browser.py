"""A village cadre's week on a phone, in a real browser against a real server: sign in,
find a household by a member's name, open it, type a wrong ID number, upload a workbook
with a mistake, export a list to Excel; and the administrator reads the audit log.

Each step leaves a screenshot in test-artifacts/screenshots/ (the docs' pictures come
from there)."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

import openpyxl
import pytest

from neisheng.registry.models import Household, IncomeItem, Person

pytestmark = pytest.mark.slow

EXPORT_HEADER_ROW = 1


@pytest.fixture(autouse=True)
def no_policy_violations(phone):
    """Every page these tests open passes the Content-Security-Policy: Chromium reports
    each script, style or handler it blocked on the console, and nothing may be."""
    blocked = []
    phone.on("console", lambda message: blocked.append(f"{phone.url}: {message.text}")
             if "Content Security Policy" in message.text else None)
    yield
    assert not blocked, blocked


def _wrong_check_digit(number: str) -> str:
    """The same ID number with another check digit: right length, right birth date,
    wrong checksum."""
    return number[:17] + ("1" if number[17] != "1" else "2")


@pytest.fixture
def cadre(places, make_user):
    user = make_user("village", places["village"], username="cadre-wang")
    user.display_name = "王芳"
    user.save(update_fields=["display_name"])
    return user


@pytest.fixture
def household(places):
    """A household of the cadre's village with at least two members."""
    for candidate in Household.objects.filter(village=places["village"]).order_by("household_id"):
        if candidate.members.count() >= 2:
            return candidate
    raise AssertionError("the synthetic village has no household of two")


def test_a_village_cadre_finds_a_household_by_a_members_name_and_is_told_a_wrong_id_number(
    site, phone, cadre, household, sign_in, shoot
):
    sign_in(phone, cadre)
    shoot(phone, "01-home")
    assert phone.locator("h1").first.inner_text().startswith("首页")

    member = household.members.order_by("birth_date").first()
    phone.goto(f"{site}/households/")
    phone.fill("input[name=q]", member.name)
    with phone.expect_navigation():
        phone.locator("form[role=search] button[type=submit]").click()
    assert f"q={member.name}" in _unquoted(phone.url)
    found = phone.locator(f"a[href='/households/{household.household_id}/']")
    assert found.count() == 1, "the household is not in the search results"
    shoot(phone, "02-household-list-phone")
    # On a phone each row is two compact lines: nothing wider than the screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375

    with phone.expect_navigation():
        found.click()
    assert phone.url.endswith(f"/households/{household.household_id}/")
    page_text = phone.locator("main").inner_text() if phone.locator("main").count() else phone.inner_text("body")
    assert household.household_id in page_text
    assert member.name in page_text
    assert member.person_id not in page_text, "the ID number is shown unmasked by default"
    shoot(phone, "03-household-page")
    shoot(phone, "03-household-page-full", full_page=True)
    phone.get_by_role("heading", name=re.compile("家庭成员")).evaluate(
        "el => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 8)")
    shoot(phone, "03b-household-members")

    members_before = Person.objects.count()
    with phone.expect_navigation():
        phone.get_by_role("link", name="新增成员").click()
    wrong = _wrong_check_digit(member.person_id)
    phone.fill("input[name=person_id]", wrong)
    phone.fill("input[name=name]", "王小明")
    phone.select_option("select[name=relation]", index=1)
    for name in ("education", "schooling", "labor", "health"):
        phone.select_option(f"select[name={name}]", index=1)
    with phone.expect_navigation():
        phone.locator("main form button[type=submit], form button.primary").first.click()
    errors = phone.locator(".errorlist").all_inner_texts()
    assert any("校验码错误" in text for text in errors), errors
    assert phone.input_value("input[name=person_id]") == wrong, "the cadre's typing was thrown away"
    phone.locator(".errorlist").first.scroll_into_view_if_needed()
    shoot(phone, "04-form-error")
    assert Person.objects.count() == members_before
    assert not Person.objects.filter(name="王小明").exists()


def test_a_workbook_with_a_bad_row_is_listed_and_nothing_is_applied(site, phone, cadre, household, sign_in,
                                                                   shoot, tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "收支台账"
    sheet.append(["户编号", "年度", "项目", "金额(元)", "来源"])
    sheet.append([household.household_id, 2026, "wage", 12000, "survey"])
    sheet.append([household.household_id, 2026, "business_crop", "一千二", "survey"])  # row 3: not a number
    sheet.append([household.household_id, 2026, "business_livestock", 800, "survey"])
    path = tmp_path / "收支台账-王家.xlsx"
    workbook.save(path)
    ledger_before = list(IncomeItem.objects.filter(household=household).order_by("pk").values_list("pk", "amount"))

    sign_in(phone, cadre)
    phone.goto(f"{site}/transfers/upload/")
    phone.set_input_files("input[type=file]", str(path))
    with phone.expect_navigation():
        phone.get_by_role("button", name="上传并检查").click()
    assert "/transfers/batches/" in phone.url
    issues = phone.locator("table.issues tbody tr")
    assert issues.count() == 1, issues.all_inner_texts()
    issue = issues.first.inner_text()
    assert "3" in issues.first.locator("td").first.inner_text()
    assert "一千二" in issue
    assert "未导入任何数据" in phone.inner_text("body")
    assert phone.get_by_role("button", name="确认导入").count() == 0, "a workbook with errors can be applied"
    shoot(phone, "05-import-preview", full_page=True)

    after = list(IncomeItem.objects.filter(household=household).order_by("pk").values_list("pk", "amount"))
    assert after == ledger_before


def test_a_list_exported_to_excel_holds_the_rows_on_screen(site, phone, cadre, places, sign_in):
    sign_in(phone, cadre)
    phone.goto(f"{site}/households/?status=monitored")
    on_screen = phone.locator("main table tbody a[href^='/households/']").all_inner_texts()
    expected = set(Household.objects.filter(village=places["village"], status="monitored")
                   .values_list("household_id", flat=True))
    assert expected and set(on_screen) == expected

    with phone.expect_download() as download_info:
        phone.get_by_role("button", name="导出 Excel").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    sheet = openpyxl.load_workbook(BytesIO(Path(download.path()).read_bytes()), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert any("户编号" in str(cell) for cell in header), header
    column = next(i for i, cell in enumerate(header) if "户编号" in str(cell))
    assert {str(row[column]) for row in rows[EXPORT_HEADER_ROW:]} == expected


def test_the_administrator_reads_who_exported_what_in_the_audit_log(site, phone, cadre, places, make_user,
                                                                     sign_in, shoot):
    sign_in(phone, cadre)
    phone.goto(f"{site}/households/?status=monitored")
    with phone.expect_download():
        phone.get_by_role("button", name="导出 Excel").click()

    admin = make_user("admin", places["county"], username="admin-li")
    phone.context.clear_cookies()
    sign_in(phone, admin)
    phone.goto(f"{site}/accounts/audit/")
    events = phone.locator("main").inner_text()
    assert "cadre-wang" in events
    assert "导出" in events and "登录" in events
    shoot(phone, "06-audit-log", full_page=True)


def test_the_pages_work_under_the_content_security_policy(site, phone, cadre, household, sign_in):
    """The policy allows no inline code: the language picker and the reveal button run
    from site.js, the Swagger UI from its nonce; every page opens without a violation
    (checked by no_policy_violations)."""
    sign_in(phone, cadre)
    for path in ("/", "/divisions/", "/households/", "/monitoring/", "/transfers/upload/", "/api/households/"):
        response = phone.goto(f"{site}{path}")
        assert response.status == 200, path
        assert "no-store" in response.headers["cache-control"], path
        assert "script-src 'self'" in response.headers["content-security-policy"], path

    phone.goto(f"{site}/api/docs/")
    phone.wait_for_selector(".swagger-ui .opblock", timeout=30_000)

    phone.goto(f"{site}/households/{household.household_id}/")
    phone.locator("form.reveal button").first.click()
    revealed = phone.wait_for_selector(".masked-value.unmasked").inner_text()
    assert phone.url.endswith(f"/households/{household.household_id}/"), "the reveal left the page"
    assert revealed in set(household.members.values_list("person_id", flat=True))

    with phone.expect_navigation():
        phone.select_option("select[name=language]", "en")
    assert phone.locator("html").get_attribute("lang") == "en"


def _unquoted(url: str) -> str:
    from urllib.parse import unquote_plus

    return unquote_plus(url)

