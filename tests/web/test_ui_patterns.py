"""The page patterns of docs/ui.md in a real browser, on a phone (375×812) and on a desktop
(1366×768): the shell's drawer, the list, the detail page, the form, the dashboard card,
the error pages, and English pages without Chinese. Each test leaves the screenshot
docs/ui.md shows (written to docs/screenshots/ with NEISHENG_SCREENSHOTS=docs)."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import openpyxl
import pytest
from tests.web.ui_checks import PHONE, box, han_outside_data, horizontal_overflow

from neisheng.registry.models import Division, Household, Person

pytestmark = pytest.mark.slow

# Before issue 9 a phone showed each household as a 7-line card: 50 rows were 13,744 px.
COMPACT_ROW_AT_MOST = 120  # CSS px per row on a phone


@pytest.fixture
def admin(places, make_user):
    """The county's administrator: every item of the menu (import, audit, users, API)."""
    return make_user("admin", places["county"], username="admin-li")


@pytest.fixture
def officer(places, make_user):
    """A county officer: the whole county (300 households), so the list has pages."""
    return make_user("county", places["county"], username="officer-zhao")


@pytest.fixture
def cadre(places, make_user):
    return make_user("village", places["village"], username="cadre-wang")


def _follow(page, control) -> None:
    """Click a link or a submit button and wait for the page it leads to (waiting for the
    load state alone may read the old page before the new one starts)."""
    with page.expect_navigation():
        control.click()


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlparse(url).query)


def _row_links(page) -> list[str]:
    """The household numbers of the list's rows, in the order shown."""
    return page.locator("main table tbody tr a[href^='/households/']").evaluate_all(
        "links => links.map(a => a.getAttribute('href').split('/')[2])")


# --- the shell -----------------------------------------------------------------------

def test_the_phone_menu_opens_a_drawer_where_every_item_is_whole(site, phone, admin, sign_in, shoot):
    sign_in(phone, admin)
    toggle = phone.locator("#menu-toggle")
    assert toggle.is_visible(), "no menu button on a phone"
    assert toggle.get_attribute("aria-expanded") == "false"
    links = phone.locator("#nav nav a")
    assert not links.first.is_visible(), "on a phone the menu should start closed"

    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    labels = [text.strip() for text in links.all_inner_texts()]
    for wanted in ("/households/", "/transfers/upload/", "/accounts/audit/", "/accounts/users/", "/api/docs/"):
        assert phone.locator(f"#nav nav a[href='{wanted}']").count() == 1, f"{wanted} is not in the menu"
    problems = []
    for index in range(links.count()):
        link = links.nth(index)
        link.scroll_into_view_if_needed()
        where = link.bounding_box()
        label = labels[index]
        if not link.is_visible() or where is None:
            problems.append(f"{label}: not visible")
            continue
        if where["x"] < 0 or where["x"] + where["width"] > PHONE["width"] + 0.5:
            problems.append(f"{label}: outside the screen sideways {where}")
        if where["y"] < 0 or where["y"] + where["height"] > PHONE["height"] + 0.5:
            problems.append(f"{label}: outside the screen {where}")
        if link.evaluate("a => a.scrollWidth > a.clientWidth"):
            problems.append(f"{label}: its text is clipped")
        centre = (where["x"] + where["width"] / 2, where["y"] + where["height"] / 2)
        if not link.evaluate("(a, [x, y]) => a.contains(document.elementFromPoint(x, y))", list(centre)):
            problems.append(f"{label}: covered by another element")
    assert not problems, problems
    phone.evaluate("window.scrollTo(0, 0)")
    shoot(phone, "drawer-phone")

    phone.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false", "Escape does not close the drawer"
    assert not links.first.is_visible()


def test_on_a_desktop_every_menu_item_shows_without_a_menu_button(site, desktop, admin, sign_in):
    sign_in(desktop, admin)
    assert not desktop.locator("#menu-toggle").is_visible()
    links = desktop.locator("#nav nav a")
    assert links.count() >= 8
    for index in range(links.count()):
        link = links.nth(index)
        assert link.is_visible(), link.inner_text()
        assert not link.evaluate("a => a.scrollWidth > a.clientWidth"), f"{link.inner_text()} is clipped"
    assert horizontal_overflow(desktop) <= 0


# --- error pages -----------------------------------------------------------------------

def test_a_missing_household_is_a_404_page_in_the_sites_layout(site, screen, size, cadre, sign_in, shoot):
    sign_in(screen, cadre)
    response = screen.goto(f"{site}/households/NOPE/")
    assert response.status == 404
    _in_the_sites_layout(screen, size)
    assert screen.locator("main h1").count() == 1
    shoot(screen, f"error-404-{size}")


def test_a_refused_page_is_a_403_page_in_the_sites_layout(site, screen, size, cadre, sign_in, shoot):
    sign_in(screen, cadre)
    response = screen.goto(f"{site}/accounts/audit/")  # a village cadre may not read the audit log
    assert response.status == 403
    _in_the_sites_layout(screen, size)
    assert screen.locator("main h1").count() == 1
    shoot(screen, f"error-403-{size}")


def _in_the_sites_layout(page, size):
    assert page.locator("header.topbar").is_visible(), "no site header"
    assert page.locator("#nav nav a[href='/households/']").count() == 1, "no navigation"
    if size == "phone":
        page.locator("#menu-toggle").click()
    assert page.locator("#nav nav a[href='/households/']").is_visible()
    assert horizontal_overflow(page) <= 0


# --- English ---------------------------------------------------------------------------

ENGLISH_PAGES = ("/", "/households/", "/households/{household}/", "/households/new/", "/monitoring/",
                 "/divisions/", "/accounts/audit/", "/accounts/users/", "/households/NOPE/")


def test_switching_to_english_gives_english_pages_without_chinese_outside_data(site, screen, size, admin,
                                                                                monitored, places, sign_in):
    sign_in(screen, admin)
    # A red household: its page explains the most (reasons, thresholds, measures).
    household = monitored.results.filter(household__village=places["village"], risk="red").order_by(
        "household_id").first().household
    with screen.expect_navigation():
        screen.select_option("select[name=language]", "en")
    assert screen.locator("html").get_attribute("lang") == "en"
    chinese = {}
    for path in ENGLISH_PAGES:
        response = screen.goto(site + path.format(household=household.pk))
        assert response.status == (404 if "NOPE" in path else 200), path
        assert screen.locator("html").get_attribute("lang") == "en", path
        found = han_outside_data(screen)
        if found:
            chinese[path] = found[:10]
    assert not chinese, "Chinese on English pages (outside translate=\"no\"):\n" + "\n".join(
        f"{path}: {texts}" for path, texts in chinese.items())


# --- list ------------------------------------------------------------------------------

def _member_found_by_given_name(places) -> Person:
    """A member of the village who is not the head, with a one-character surname, and a
    given name no head of the village shares (so the row must say which member matched)."""
    from neisheng.registry.names import given_name

    heads = set(Person.objects.filter(household__village=places["village"], relation="head")
                .values_list("name", flat=True))
    for person in (Person.objects.filter(household__village=places["village"]).exclude(relation="head")
                   .order_by("pk")):
        given = given_name(person.name)
        if given and len(person.name) - len(given) == 1 and not any(h.endswith(given) for h in heads):
            return person
    raise AssertionError("no member to search for")


def test_a_given_name_finds_the_household_and_shows_the_matching_member(site, screen, size, cadre, places,
                                                                         sign_in, shoot):
    from neisheng.registry.names import given_name

    member = _member_found_by_given_name(places)
    sign_in(screen, cadre)
    screen.goto(f"{site}/households/")
    screen.fill("form[role=search] input[name=q]", given_name(member.name))
    _follow(screen, screen.locator("form[role=search] button[type=submit]").first)
    row = screen.locator("main table tbody tr").filter(
        has=screen.locator(f"a[href='/households/{member.household_id}/']"))
    assert row.count() == 1, f"{given_name(member.name)} did not find {member.household_id}"
    assert member.name in row.inner_text(), "the row does not show which member matched"
    assert horizontal_overflow(screen) <= 0
    shoot(screen, f"search-{size}")


def test_page_two_shows_other_rows_and_says_it_is_page_two(site, screen, size, officer, sign_in):
    sign_in(screen, officer)
    screen.goto(f"{site}/households/")
    first = _row_links(screen)
    assert len(first) == 50
    screen.goto(f"{site}/households/?page=2")
    second = _row_links(screen)
    assert second and not set(first) & set(second)
    current = screen.locator(".pagination [aria-current=page]")
    assert current.count() == 1 and current.inner_text().strip() == "2"


def test_sorting_by_a_column_changes_the_order(site, screen, size, officer, sign_in):
    """By the number column: on a desktop its header is a link; on a phone, where the
    header row is hidden, a sort choice in the search form does the same."""
    sign_in(screen, officer)
    screen.goto(f"{site}/households/")
    before = _row_links(screen)
    def header():
        return screen.locator("main table thead a[href*='sort=']").filter(has_text=re.compile("户编号")).first

    if _really_shown(header()):
        _follow(screen, header())
        if _row_links(screen) == before:  # already by number: the second click reverses it
            _follow(screen, header())
    else:
        assert size == "phone", "the column headers cannot be clicked on a desktop"
        choice = screen.locator("form[role=search] select[name=sort]")
        assert choice.count() == 1, "a phone hides the table's headers and offers no other way to sort"
        details = screen.locator("form[role=search] details").first
        if details.count() and not details.evaluate("d => d.open"):
            details.locator("summary").click()
        values = choice.locator("option").evaluate_all("options => options.map(o => o.value)")
        for value in [v for v in values if "number" in v or "household_id" in v]:
            choice.select_option(value)
            _follow(screen, screen.locator("form[role=search] button[type=submit]").first)
            if _row_links(screen) != before:
                break
    after = _row_links(screen)
    assert after != before, "sorting did not change the order"
    assert after in (sorted(after), sorted(after, reverse=True)), after[:5]
    assert "sort" in _query(screen.url)


def _really_shown(locator) -> bool:
    """Visible to a person, not only to the accessibility tree (a visually hidden header row
    is 1 px wide and clipped)."""
    where = locator.bounding_box() if locator.count() else None
    return bool(where and where["width"] > 4 and where["height"] > 4)


def test_a_filter_shows_as_a_chip_that_removes_it(site, screen, size, officer, monitored, sign_in, shoot):
    sign_in(screen, officer)
    screen.goto(f"{site}/households/")
    filters = screen.locator("form[role=search] details").first
    if not filters.evaluate("d => d.open"):
        filters.locator("summary").click()
    screen.select_option("form[role=search] select[name=risk]", "red")
    _follow(screen, screen.locator("form[role=search] button[type=submit]").first)
    assert _query(screen.url).get("risk") == ["red"]
    reds = set(_row_links(screen))
    expected = set(Household.objects.filter(village__code__startswith=officer.division.code[:6],
                                            monitoring_results__run=monitored,
                                            monitoring_results__risk="red").values_list("pk", flat=True))
    assert reds and reds <= expected
    chip = screen.locator("main .chip").filter(has_text=re.compile("风险.*红"))
    assert chip.count() == 1 and chip.is_visible(), "the active filter is not shown as a chip"
    shoot(screen, f"list-filter-{size}")
    _follow(screen, chip.get_by_role("link"))
    assert "risk" not in _query(screen.url)
    assert screen.locator("main .chip").filter(has_text=re.compile("红")).count() == 0


def test_fifty_households_on_a_phone_are_compact_rows(site, phone, officer, monitored, sign_in, shoot):
    sign_in(phone, officer)
    phone.goto(f"{site}/households/")
    rows = phone.locator("main table tbody tr")
    assert rows.count() == 50
    table = box(phone.locator("main table").first)
    per_row = table["height"] / 50
    assert per_row < COMPACT_ROW_AT_MOST, f"{per_row:.0f} px per household on a phone"
    assert horizontal_overflow(phone) <= 0
    shoot(phone, "list-phone")


def test_the_list_on_a_desktop_is_a_table_with_the_work_first(site, desktop, officer, monitored, sign_in, shoot):
    sign_in(desktop, officer)
    desktop.goto(f"{site}/households/")
    risks = desktop.locator("main table tbody tr").evaluate_all(
        "rows => rows.map(r => (r.querySelector('[class*=risk-]') || {className: ''}).className)")
    first_red = [i for i, c in enumerate(risks) if "risk-red" in c]
    assert first_red and first_red[0] == 0, "red households do not come first"
    assert horizontal_overflow(desktop) <= 0
    shoot(desktop, "list-desktop")


# --- detail ------------------------------------------------------------------------------

def _household_with_an_income_reason(monitored, places) -> tuple[Household, object]:
    result = (monitored.results.filter(household__village__code__startswith=places["county"].code[:6],
                                       reasons__contains="income_below", risk__in=("red", "yellow"))
              .select_related("household").order_by("risk", "household_id").first())  # red first
    assert result, "the run found no household below an income line"
    return result.household, result


def test_the_household_page_opens_with_the_result_before_the_facts(site, screen, size, officer, monitored,
                                                                    places, sign_in, shoot):
    from neisheng.policy import load_policy

    household, result = _household_with_an_income_reason(monitored, places)
    sign_in(screen, officer)
    screen.goto(f"{site}/households/{household.pk}/")
    outcome, facts = screen.locator("#result"), screen.locator("#facts")
    assert outcome.count() == 1 and facts.count() == 1
    assert box(outcome)["y"] < box(facts)["y"], "the basic facts come before the result"
    text = outcome.inner_text()
    assert f"{int(result.income_pc):,}" in text, "the per-capita income compared is not shown"
    policy = load_policy(None)
    thresholds = {f"{policy.poverty_line:,}", f"{policy.monitoring_threshold:,}"}
    assert any(t in text for t in thresholds), f"no threshold ({thresholds}) in the result"
    assert outcome.locator(f".risk-{result.risk}").count() >= 1, "the risk colour is not in the result"
    if size == "phone":
        assert box(outcome)["top"] < PHONE["height"], "the result is below the fold on a phone"
    assert horizontal_overflow(screen) <= 0
    shoot(screen, f"detail-{size}", full_page=True)


# --- form --------------------------------------------------------------------------------

def _village_picker(page):
    """The form pattern's town → village picker: the village select and the town select
    that narrows it (platform.widgets.ParentChildSelect)."""
    village = page.locator("main form select[name=village]")
    town = page.locator(f"main form select[data-picker-parent='{village.get_attribute('id')}']")
    return town, village


def test_the_village_picker_narrows_to_the_chosen_town(site, screen, size, make_user, sign_in, shoot):
    # Each synthetic county has one town: an administrator of no division sees both.
    sign_in(screen, make_user("admin", None, username="admin-all"))
    screen.goto(f"{site}/households/new/")
    town_select, village_select = _village_picker(screen)
    assert town_select.is_visible(), "no town select (the script that shows it did not run)"
    towns = list(Division.objects.filter(level=4).order_by("code"))
    assert len(towns) >= 2
    offered_everywhere = set(village_select.locator("option:not([value=''])").evaluate_all(
        "options => options.map(o => o.value)"))
    for town in towns[:2]:
        town_select.select_option(town.code)
        offered = set(village_select.locator("option:not([value=''])").evaluate_all(
            "options => options.filter(o => !o.hidden && !o.disabled).map(o => o.value)"))
        expected = set(Division.objects.filter(level=5, parent=town).values_list("code", flat=True))
        assert offered == expected, f"{town.name}: {len(offered)} villages offered, {len(expected)} expected"
        assert offered < offered_everywhere
    village_select.select_option(min(offered))
    assert horizontal_overflow(screen) <= 0
    shoot(screen, f"form-{size}")


def test_a_new_household_gets_the_generated_number_the_form_proposed(site, screen, size, cadre, places,
                                                                        sign_in):
    sign_in(screen, cadre)
    screen.goto(f"{site}/households/new/")
    village = places["village"]
    _, village_select = _village_picker(screen)
    assert village_select.input_value() == village.code, "the cadre's only village is not chosen already"
    number = screen.locator("main form input[name=household_id]")
    assert number.input_value() == "", "the number should be left to the county's scheme"
    proposed = re.findall(village.code + r"\d{4}", screen.locator("#field-household_id").inner_text())
    assert len(proposed) == 1, "the form does not say which number the household will get"
    # Every other choice the form requires: its first real option.
    screen.locator("main form select[name]:not([name=village])").evaluate_all(
        "selects => selects.filter(s => !s.value && s.options.length > 1).forEach(s => {"
        " s.value = [...s.options].find(o => o.value).value; })")
    before = set(Household.objects.filter(village=village).values_list("pk", flat=True))
    _follow(screen, screen.locator("main form button[type=submit].primary").first)
    created = set(Household.objects.filter(village=village).values_list("pk", flat=True)) - before
    assert created == set(proposed), (created, proposed, screen.locator("main").inner_text()[:500])
    assert screen.url.endswith(f"/households/{proposed[0]}/"), screen.url
    assert proposed[0] in screen.locator("main").inner_text()


def test_form_errors_show_next_to_their_field(site, screen, size, officer, places, sign_in, shoot):
    sign_in(screen, officer)
    screen.goto(f"{site}/households/new/")
    typed = "500237 1012010001"  # a space typed inside: not a household number
    screen.locator("main form input[name=household_id]").fill(typed)
    _follow(screen, screen.locator("main form button[type=submit].primary").first)
    field = screen.locator("main form input[name=household_id]")
    assert field.input_value() == typed, "the typed value was thrown away"
    assert field.get_attribute("aria-invalid") == "true", "a screen reader is not told the field is wrong"
    # The form pattern's field: label, widget, then its own errors (patterns/_field.html).
    error = field.locator("xpath=ancestor::*[contains(concat(' ', @class, ' '), ' field ')][1]").locator(
        ".errorlist")
    assert error.count() == 1 and error.inner_text().strip(), "no error next to the household number"
    below = box(error)["y"] - (box(field)["y"] + box(field)["height"])
    assert 0 <= below < 40, f"the error is {below:.0f} px away from its field"
    summary = screen.locator("main .error-summary")
    assert summary.count() == 1, "no summary of the errors at the top"
    assert box(summary)["y"] < box(field)["y"]
    assert summary.locator("a[href='#field-household_id']").count() == 1, "the summary does not lead to the field"
    assert horizontal_overflow(screen) <= 0
    shoot(screen, f"form-error-{size}")


# --- dashboard card ------------------------------------------------------------------------

def test_the_dashboard_card_has_a_chart_its_table_and_an_excel_export(site, screen, size, officer, monitored,
                                                                       sign_in, shoot):
    sign_in(screen, officer)
    screen.goto(f"{site}/monitoring/")
    card = (screen.locator(".dashboard-card").filter(has=screen.locator("svg"))
            .filter(has=screen.get_by_role("button", name=re.compile("导出"))).first)
    assert card.count() == 1, "no card with a chart and an export button"
    chart = card.locator("svg").first
    assert chart.is_visible() and chart.bounding_box()["height"] > 20
    assert chart.evaluate("svg => !!(svg.getAttribute('aria-label') || svg.getAttribute('aria-labelledby')"
                          " || svg.querySelector(':scope > title'))"), "the chart has no accessible name"
    bars = chart.locator("rect")
    assert bars.count() >= 1
    table = card.locator("table")
    assert table.count() == 1 and table.locator("tbody tr").count() >= 1, "the chart's numbers are not in a table"
    chart_box = box(chart)
    assert chart_box["x"] >= 0 and chart_box["x"] + chart_box["width"] <= screen.viewport_size["width"] + 0.5
    assert horizontal_overflow(screen) <= 0
    card.evaluate("el => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 8)")
    shoot(screen, f"card-{size}")

    with screen.expect_download() as download_info:
        card.get_by_role("button", name=re.compile("导出")).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    sheet = openpyxl.load_workbook(BytesIO(Path(download.path()).read_bytes()), read_only=True).active
    assert len(list(sheet.iter_rows(values_only=True))) >= 2
