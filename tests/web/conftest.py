"""Fixtures for the web tests: a real Chromium driven by Playwright against pytest-django's
live server, on whatever database DATABASE_URL names (SQLite here, PostgreSQL in CI).

The browser is Debian's chromium (NEISHENG_CHROMIUM, default /usr/bin/chromium):
Playwright's own browser download cannot work on a machine without internet."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.support import PASSWORD, require

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("NEISHENG_CHROMIUM", "/usr/bin/chromium")
# Without these the browser keeps trying to reach Google, and this machine's closed
# network refuses it, many connections at a time; --no-sandbox because CI runs as root.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PHONE = {"width": 375, "height": 812}


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


@pytest.fixture
def phone(browser):
    """A phone-sized page (375×812, touch, Chinese first) that accepts downloads."""
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
        locale="zh-CN", timezone_id="Asia/Shanghai", accept_downloads=True,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def site(live_server, county):
    """The live server's address, with the two counties in its database."""
    return live_server.url


@pytest.fixture
def shoot():
    """shoot(page, name): a screenshot of what the user sees, kept in test-artifacts/screenshots."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str, *, full_page: bool = False) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


@pytest.fixture
def sign_in(site):
    """sign_in(page, user): through the login form, as a person would."""

    def login(page, user):
        page.goto(f"{site}/accounts/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_load_state()
        assert "/accounts/login/" not in page.url, "the login form did not accept the user"

    return login
