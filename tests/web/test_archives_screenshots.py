"""The pictures of the household files' documentation, taken on the demo county's files
(web/demo_archives.py) built on the test county: a household's file with its gaps (desktop
and phone), the gaps per village as the town sees them, a student's file, and the first
page of the printed file. Each is checked for what a person looks at in it before it is
taken.

Pictures: archives-household-file-desktop.png, archives-household-file-phone.png,
archives-gaps-desktop.png, archives-student-desktop.png, archives-file-pdf.png."""

from __future__ import annotations

import io

import pytest
from tests.support import PASSWORD
from tests.web.conftest import DOCS, FOR_DOCS, SCREENSHOTS, _pictures_the_docs_show
from tests.web.ui_checks import horizontal_overflow

pytestmark = pytest.mark.slow


@pytest.fixture
def demo_archives(site, tmp_path, settings):
    """The demo logins (with the tests' password) and the demo's files on the test county."""
    from neisheng.accounts.models import User
    from neisheng.accounts.services import demo_users_create
    from neisheng.web.demo_archives import demo_archives_build

    settings.MEDIA_ROOT = tmp_path / "media"
    logins = demo_users_create(county_code="500237", password=PASSWORD)
    made = demo_archives_build(home=tmp_path, logins=logins, year=2026)
    return made, {u["role"]: User.objects.get(username=u["username"]) for u in logins}


def _fits(page, what: str) -> None:
    assert horizontal_overflow(page) <= 0, f"{what} scrolls sideways"


def test_a_household_file_the_gaps_and_a_student(site, demo_archives, phone, desktop, sign_in, shoot, client):
    made, users = demo_archives
    assert made.gaps and made.students, "the demo made no gaps or no students"
    household, category, doc_type = made.gaps[0]

    sign_in(desktop, users["village"])
    desktop.goto(f"{site}/archives/households/{household}/")
    summary = desktop.locator("#archive-missing-summary")
    assert summary.get_attribute("data-missing") == "1"
    assert desktop.locator(f'[data-missing-type="{category}.{doc_type}"]').is_visible()
    assert desktop.locator("#archive-pdf").is_visible() and desktop.locator("#archive-upload").is_visible()
    assert desktop.locator("section.archive-category").count() == 5
    assert desktop.locator("table.archive-documents tbody tr").count() >= 5
    _fits(desktop, "the household file")
    shoot(desktop, "archives-household-file-desktop", full_page=True)

    sign_in(phone, users["village"])
    phone.goto(f"{site}/archives/households/{household}/")
    assert phone.locator(f'[data-missing-type="{category}.{doc_type}"]').is_visible()
    _fits(phone, "the household file on a phone")
    shoot(phone, "archives-household-file-phone")

    desktop.context.clear_cookies()
    sign_in(desktop, users["town"])
    desktop.goto(f"{site}/archives/")
    figures = desktop.locator("#archives-summary")
    assert int(figures.get_attribute("data-missing")) >= len(made.gaps)
    assert int(figures.get_attribute("data-checked")) > int(figures.get_attribute("data-complete"))
    assert household not in desktop.content()  # counts, no household named
    _fits(desktop, "the gaps per village")
    shoot(desktop, "archives-gaps-desktop", full_page=True)

    student = made.students[0]
    desktop.goto(f"{site}/archives/students/{student}/")
    assert desktop.locator("#student-plan").is_visible()
    assert desktop.locator("#student-aid tbody tr").count() >= 1
    desktop.locator("#student-plan-history summary").click()
    assert desktop.locator("#student-plan-history [data-plan]").count() == 2
    _fits(desktop, "the student's file")
    shoot(desktop, "archives-student-desktop", full_page=True)

    # The printed file's first page, drawn by pdfium.
    import pypdfium2

    client.force_login(users["village"])
    response = client.get(f"/archives/households/{household}/pdf/")
    assert response.status_code == 200
    pdf = pypdfium2.PdfDocument(io.BytesIO(response.content))
    text = pdf[0].get_textpage().get_text_range()
    assert "目录" in text and "贫困户类" in text
    name = "archives-file-pdf"
    folder = DOCS / "screenshots" if FOR_DOCS and name in _pictures_the_docs_show() else SCREENSHOTS
    folder.mkdir(parents=True, exist_ok=True)
    pdf[0].render(scale=1.25).to_pil().convert("RGB").save(folder / f"{name}.png", optimize=True)
