"""The pictures of the model households' documentation, taken on the demo county's
selection (web/demo_honours.py) built on the test county: the village's honour roll as the
town sees it, and an approved nomination with its score explained, its review and its
pairs. Each is checked for what a person looks at in it before it is taken.

Pictures: honours-roll-desktop.png, honours-nomination-desktop.png, honours-roll-phone.png
and honours-roll-pdf.png (the printed roll's first page, drawn by pdfium)."""

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


def _picture_path(name: str) -> Path:
    """Where `shoot` would put <name>.png: docs/screenshots when NEISHENG_SCREENSHOTS=docs
    and a doc shows it, else test-artifacts/screenshots (a PDF page is no browser picture)."""
    docs = ROOT / "docs"
    shown = os.environ.get("NEISHENG_SCREENSHOTS") == "docs" and any(
        f"screenshots/{name}.png" in doc.read_text(encoding="utf-8") for doc in docs.glob("**/*.md"))
    folder = docs / "screenshots" if shown else ROOT / "test-artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}.png"


@pytest.fixture
def demo_honours(site, tmp_path):
    """The demo logins (with the tests' password), a monitoring run (who is motivation-poor)
    and the demo's selection on the test county."""
    from neisheng.accounts.models import User
    from neisheng.accounts.services import demo_users_create
    from neisheng.monitoring.services import monitoring_run
    from neisheng.web.demo_honours import demo_honours_build

    monitoring_run(year=2026, work_dir=tmp_path / "run")
    logins = demo_users_create(county_code="500237", password=PASSWORD)
    made = demo_honours_build(home=tmp_path, logins=logins, year=2026)
    return made, {u["role"]: User.objects.get(username=u["username"]) for u in logins}


def _fits(page, what: str) -> None:
    assert horizontal_overflow(page) <= 0, f"{what} scrolls sideways"


def test_the_honour_roll_and_a_nomination(site, demo_honours, phone, desktop, sign_in, shoot):
    made, users = demo_honours
    assert made.approved, "the demo approved no model household"

    sign_in(desktop, users["town"])
    desktop.goto(f"{site}/honours/roll/{made.village}/")
    entries = desktop.locator(".roll-entry")
    assert entries.count() == len(made.approved)
    assert desktop.locator("#roll-pdf").is_visible()
    assert "得分" in entries.first.inner_text()
    _fits(desktop, "the honour roll")
    shoot(desktop, "honours-roll-desktop")
    names = [entries.nth(i).locator("h2 span").first.inner_text() for i in range(entries.count())]

    # The printed roll: the same households, best first, read back and drawn.
    import pypdfium2
    from pypdf import PdfReader

    answer = desktop.request.get(f"{site}/honours/roll/{made.village}/pdf/")
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
    pdf = answer.body()
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))
    assert "脱贫光荣榜" in text and made.village_name in text
    assert [text.index(name) for name in names] == sorted(text.index(name) for name in names)
    image = pypdfium2.PdfDocument(pdf)[0].render(scale=1.5).to_pil()
    assert 1.35 < image.height / image.width < 1.48  # A4 portrait
    image.convert("RGB").quantize(colors=64).save(_picture_path("honours-roll-pdf"), optimize=True)

    best = made.approved[0]
    desktop.goto(f"{site}/honours/nominations/{best}/")
    assert desktop.locator("#nomination-state").get_attribute("data-state") == "approved"
    assert desktop.locator("#score-table tbody tr").count() == 4
    assert desktop.locator("section.review [data-review-state=approved]").count() == 1
    assert desktop.locator("#nomination-history tbody tr").count() >= 4
    _fits(desktop, "the nomination")
    shoot(desktop, "honours-nomination-desktop", full_page=True)

    sign_in(phone, users["village"])
    phone.goto(f"{site}/honours/roll/{made.village}/")
    assert phone.locator(".roll-entry").count() == len(made.approved)
    _fits(phone, "the honour roll on a phone")
    shoot(phone, "honours-roll-phone")
