"""The problem ledger on a phone (375×812), issue 11's test: a town officer resolves a
problem with a photo and a text, is refused when he tries to close it himself, and a
county officer (a different reviewer) closes it; the ledger then shows it closed.

Pictures: problem-phone.png (the problem with its evidence and history),
problems-ledger-phone.png (the ledger)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image
from tests.web.ui_checks import horizontal_overflow

from neisheng.problems.models import Problem
from neisheng.problems.services import problem_raise
from neisheng.registry.models import Household

pytestmark = pytest.mark.slow


def _photo() -> dict:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 120, 200)).save(buffer, format="JPEG")
    return {"name": "屋顶修缮后.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def _as(page, sign_in, user):
    page.context.clear_cookies()
    sign_in(page, user)


def _no_sideways_scroll(page, what: str) -> None:
    assert horizontal_overflow(page) <= 0, f"{what} scrolls sideways on a phone"


def test_a_town_officer_resolves_with_a_photo_and_a_county_officer_closes_it(site, phone, places, make_user,
                                                                               sign_in, shoot, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    household = Household.objects.filter(village=places["village"]).order_by("household_id").first()
    cadre = make_user("village", places["village"], username="cadre-village")
    town = make_user("town", places["town"], username="officer-town")
    county = make_user("county", places["county"], username="officer-county")
    problem = problem_raise(user=cadre, household=household, category="housing", description="厨房屋顶漏雨",
                            raised_on=dt.date.today() - dt.timedelta(days=10))

    # The town officer opens the problem from the household's page and resolves it.
    _as(phone, sign_in, town)
    phone.goto(f"{site}/households/{household.household_id}/")
    with phone.expect_navigation():
        phone.locator(f"#household-problems li[data-problem='{problem.pk}'] a").first.click()
    with phone.expect_navigation():
        phone.click("#problem-step-resolve")
    _no_sideways_scroll(phone, "the resolve form")
    phone.fill("textarea[name=resolution]", "已更换屋顶防水层,雨后复查不再漏雨")
    phone.set_input_files("input[name=files]", files=[_photo()])
    with phone.expect_navigation():
        phone.locator("main form.form-pattern button[type=submit]").click()
    assert phone.url.rstrip("/").endswith(f"/problems/{problem.pk}"), phone.locator("#step-refused, .errorlist") \
        .all_inner_texts()
    assert phone.locator("#problem-state").get_attribute("data-state") == "resolved"
    assert "屋顶修缮后.jpg" in phone.locator("#problem-evidence").inner_text()

    # He may review problems, but not his own resolution: no close button, and the form refuses.
    assert phone.locator("#problem-step-close").count() == 0
    assert phone.locator("#problem-other-reviewer").is_visible()
    phone.goto(f"{site}/problems/{problem.pk}/close/")
    assert "另一名审核人" in phone.locator("#step-refused").inner_text()
    problem.refresh_from_db()
    assert problem.state == "resolved"

    # The county officer closes it.
    _as(phone, sign_in, county)
    phone.goto(f"{site}/problems/{problem.pk}/")
    preview = phone.locator("#problem-evidence a.evidence-preview").first.get_attribute("href")
    assert phone.request.get(f"{site}{preview}").headers["content-type"] == "image/jpeg"
    with phone.expect_navigation():
        phone.click("#problem-step-close")
    phone.fill("textarea[name=note]", "现场核验属实")
    with phone.expect_navigation():
        phone.locator("main form.form-pattern button[type=submit]").click()
    assert phone.locator("#problem-state").get_attribute("data-state") == "closed"
    steps = phone.locator("#problem-history li.problem-step").evaluate_all("items => items.map(i => i.dataset.step)")
    assert steps == ["raise", "resolve", "close"]
    _no_sideways_scroll(phone, "the problem with its history")
    shoot(phone, "problem-phone", full_page=True)
    problem.refresh_from_db()
    assert (problem.state, problem.resolved_by, problem.closed_by) == ("closed", town, county)

    # The ledger shows it closed.
    phone.goto(f"{site}/problems/?q={household.household_id}")
    row = phone.locator(f"tr.problem-row[data-problem='{problem.pk}']")
    assert row.get_attribute("data-state") == "closed"
    assert "已销号" in row.inner_text()
    _no_sideways_scroll(phone, "the ledger")
    shoot(phone, "problems-ledger-phone")
    assert Problem.objects.filter(state="closed").count() == 1
