"""Fixtures for the web tests: a real Chromium driven by Playwright against pytest-django's
live server, on whatever database DATABASE_URL names (SQLite here, PostgreSQL in CI).

The browser is Debian's chromium (NEISHENG_CHROMIUM, default /usr/bin/chromium):
Playwright's own browser download cannot work on a machine without internet."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from tests.support import PASSWORD, require
from tests.web.ui_checks import SIZES

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
# NEISHENG_SCREENSHOTS=docs writes the pictures the docs show (docs/*.md naming
# screenshots/<name>.png) into docs/screenshots; every other picture, and every picture of an
# ordinary test run, stays in test-artifacts, so a test run never changes the documentation.
DOCS = ROOT / "docs"
FOR_DOCS = os.environ.get("NEISHENG_SCREENSHOTS") == "docs"
DOCS_PICTURE_LIMIT = 300_000  # bytes: the repository keeps every version of every picture
CHROMIUM = os.environ.get("NEISHENG_CHROMIUM", "/usr/bin/chromium")
# Without these the browser keeps trying to reach Google, and this machine's closed
# network refuses it, many connections at a time; --no-sandbox because CI runs as root.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    """Chromium for one module's tests. Playwright's sync API keeps an event loop running
    in this thread, where Django refuses database calls unless DJANGO_ALLOW_ASYNC_UNSAFE
    is set; the tests' own calls are synchronous, so it is set for as long as the
    browser lives, and the module's tests run one after another in one process."""
    require(Path(CHROMIUM).exists(), f"Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if before is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


def _open_page(browser, size: str):
    """A page of `size` ("phone": 375×812, touch; "desktop": 1366×768), Chinese first,
    that accepts downloads."""
    device = ({"device_scale_factor": 2, "is_mobile": True, "has_touch": True} if size == "phone"
              else {"device_scale_factor": 1})
    context = browser.new_context(viewport=SIZES[size], locale="zh-CN", timezone_id="Asia/Shanghai",
                                  accept_downloads=True, **device)
    context.set_default_timeout(15_000)
    return context.new_page()


@pytest.fixture
def phone(browser):
    """A phone-sized page (375×812, touch, Chinese first) that accepts downloads."""
    page = _open_page(browser, "phone")
    yield page
    page.context.close()


@pytest.fixture
def desktop(browser):
    """An office screen's page (1366×768, the most common laptop size in county offices)."""
    page = _open_page(browser, "desktop")
    yield page
    page.context.close()


@pytest.fixture(params=list(SIZES))
def size(request) -> str:
    """Each test that asks for `screen` runs once on a phone and once on a desktop."""
    return request.param


@pytest.fixture
def screen(browser, size):
    """A page at `size`. Every page it opens must pass the Content-Security-Policy: Chromium
    reports each script, style or handler it blocked on the console, and none may be."""
    page = _open_page(browser, size)
    blocked = []
    page.on("console", lambda message: blocked.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text else None)
    yield page
    page.context.close()
    assert not blocked, blocked


@pytest.fixture
def site(live_server, county):
    """The live server's address, with the two counties in its database."""
    return live_server.url


@pytest.fixture
def shoot():
    """shoot(page, name): a screenshot of what the user sees, as <name>.png in
    test-artifacts/screenshots, or in docs/screenshots when NEISHENG_SCREENSHOTS=docs and a
    doc shows it. A full page over the size limit is taken again at one pixel per CSS
    pixel, then as the viewport only (sharp: what needs doing is at the top anyway)."""
    shown = _pictures_the_docs_show() if FOR_DOCS else set()

    def take(page, name: str, *, full_page: bool = False) -> Path:
        folder = DOCS / "screenshots" if name in shown else SCREENSHOTS
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        attempts = [{"full_page": full_page}]
        if full_page:
            attempts += [{"full_page": True, "scale": "css"}, {"full_page": False}]
        for options in attempts:
            page.screenshot(path=str(path), animations="disabled", caret="hide", **options)
            if path.stat().st_size < DOCS_PICTURE_LIMIT:
                break
        return path

    return take


def _pictures_the_docs_show() -> set[str]:
    return {match.group(1) for doc in DOCS.glob("**/*.md")
            for match in re.finditer(r"screenshots/([\w.-]+)\.png", doc.read_text(encoding="utf-8"))}


@pytest.fixture
def sign_in(site):
    """sign_in(page, user): through the login form, as a person would."""

    def login(page, user):
        page.goto(f"{site}/accounts/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.click("form button[type=submit]")
        assert "/accounts/login/" not in page.url, "the login form did not accept the user"

    return login


@pytest.fixture(scope="session")
def _monitoring_results(tmp_path_factory):
    """Where the first monitoring run of the session leaves the engine's results: the
    counties are the same in every test, so later tests load them instead of running the
    engine again (3 s each)."""
    return tmp_path_factory.mktemp("monitoring")


@pytest.fixture
def monitored(county, _monitoring_results):
    """A monitoring run of 2026 over the two counties, as `neisheng monitor` leaves it."""
    from neisheng.monitoring.services import monitoring_results_load, monitoring_run
    from neisheng.policy import load_policy, resolved_policy_text

    results = _monitoring_results / "results"
    if not results.exists():
        return monitoring_run(year=2026, work_dir=_monitoring_results)
    return monitoring_results_load(out_dir=results, year=2026, policy_source=load_policy(None).source,
                                   policy_text=resolved_policy_text(None))
