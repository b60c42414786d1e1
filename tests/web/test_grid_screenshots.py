"""The pictures of docs/grid.md, taken on the demo county's grid (web/demo_grid.py) built
on the test county: the assistance cadre's week on a phone (grid-week.png), the visit
form on a phone (visit-form-phone.png), the problem ledger on an office screen
(problems.png) and the first page of a village's public board as printed
(board-pdf.png, the PDF rendered by pypdfium2). Each is checked for what a person
looks at in it before it is taken."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from tests.support import PASSWORD
from tests.web.ui_checks import horizontal_overflow

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def demo_grid(site, tmp_path, settings):
    """The demo logins (with the tests' password) and the demo grid on the test county."""
    from neisheng.accounts.models import User
    from neisheng.accounts.services import demo_users_create
    from neisheng.web.demo_grid import demo_grid_build

    settings.MEDIA_ROOT = tmp_path / "uploads"
    logins = demo_users_create(county_code="500237", password=PASSWORD)
    made = demo_grid_build(home=tmp_path, logins=logins, year=2026)
    return made, {u["role"]: User.objects.get(username=u["username"]) for u in logins}


def _picture_path(name: str) -> Path:
    """Where `shoot` would put <name>.png: docs/screenshots when NEISHENG_SCREENSHOTS=docs
    and a doc shows it, else test-artifacts/screenshots (a PDF page is no browser picture)."""
    docs = ROOT / "docs"
    shown = os.environ.get("NEISHENG_SCREENSHOTS") == "docs" and any(
        f"screenshots/{name}.png" in doc.read_text(encoding="utf-8") for doc in docs.glob("**/*.md"))
    folder = docs / "screenshots" if shown else ROOT / "test-artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}.png"


def test_the_cadres_week_and_the_visit_form_on_a_phone(site, demo_grid, phone, sign_in, shoot):
    from neisheng.grid.selectors import cadre_of_user

    _, users = demo_grid
    cadre = cadre_of_user(users["assistance"])
    sign_in(phone, users["assistance"])

    # The menu leads a cadre to their own week.
    assert phone.locator("#nav a", has_text="走访").get_attribute("href") == "/visits/week/"
    phone.goto(f"{site}/visits/week/")
    rows = phone.locator("a.week-household")
    assert rows.count() >= 2
    mine = set(cadre.household_pairs.filter(ended_on__isnull=True).values_list("household_id", flat=True))
    shown = [rows.nth(i).get_attribute("data-household") for i in range(rows.count())]
    assert set(shown) <= mine
    # Overdue first (never visited, then visited too long ago).
    assert phone.locator(".week-row").first.get_attribute("class").split().count("overdue") == 1
    assert horizontal_overflow(phone) <= 0, "the week scrolls sideways on a phone"
    shoot(phone, "grid-week", full_page=True)

    with phone.expect_navigation():
        rows.first.click()
    form = phone.locator("form#visit-form")
    assert form.get_attribute("data-household") == shown[0]
    phone.fill("textarea[name=findings]", "户主在家,身体状况良好,今年务工收入稳定。")
    assert horizontal_overflow(phone) <= 0, "the visit form scrolls sideways on a phone"
    shoot(phone, "visit-form-phone", full_page=True)


def test_the_problem_ledger_and_a_printed_public_board(site, demo_grid, desktop, sign_in, shoot):
    import pypdfium2
    from pypdf import PdfReader

    from neisheng.grid.models import Cadre

    made, users = demo_grid
    sign_in(desktop, users["town"])

    desktop.goto(f"{site}/problems/")
    states = {desktop.locator(".problem-row").nth(i).get_attribute("data-state")
              for i in range(desktop.locator(".problem-row").count())}
    assert states == {"open", "resolved", "closed"}
    assert desktop.locator(".problem-row.overdue").count() == made.problems_overdue >= 2
    assert horizontal_overflow(desktop) <= 0
    shoot(desktop, "problems")

    village = users["village"].division
    answer = desktop.request.get(f"{site}/grid/board/{village.code}/pdf/")
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
    pdf = answer.body()
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))
    on_board = Cadre.objects.filter(household_pairs__division_code=village.code,
                                    household_pairs__ended_on__isnull=True).distinct()
    assert on_board.exists()
    for cadre in on_board:
        assert cadre.name in text and cadre.phone in text, cadre
    document = pypdfium2.PdfDocument(pdf)
    image = document[0].render(scale=1.5).to_pil()
    # A4 portrait, the village's name on it.
    assert 1.35 < image.height / image.width < 1.48 and village.name in text
    image.convert("RGB").quantize(colors=64).save(_picture_path("board-pdf"), optimize=True)
