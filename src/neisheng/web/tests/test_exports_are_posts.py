"""Issue 7 ("Also"): an export was a GET (?format=xlsx), so a link or an <img> on any
site could make a signed-in user's browser export and write an audit event. Every
export is now a POST carrying the CSRF token; a GET shows the page and records nothing."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from neisheng.accounts.models import AuditEvent
from neisheng.monitoring.models import HouseholdResult, MonitoringRun
from neisheng.registry.models import Household

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# (page, role that may export it)
EXPORTS = [("/households/", "county"), ("/accounts/audit/", "admin"), ("/monitoring/", "county")]


@pytest.fixture(autouse=True)
def a_monitoring_run(places):
    run = MonitoringRun.objects.create(year=2026, finished_at=timezone.now())
    household = Household.objects.filter(village=places["village"]).first()
    HouseholdResult.objects.create(household=household, run=run, size=2, risk="red", reasons="rigid_expense")


def _browser(places, make_user, role) -> Client:
    """A signed-in browser that enforces CSRF as a real one does."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(make_user(role, places["county"] if role != "admin" else None, username=f"{role}-x"))
    return browser


def _exports() -> int:
    return AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count()


@pytest.mark.parametrize(("page", "role"), EXPORTS)
def test_a_cross_site_get_exports_nothing_and_records_nothing(places, make_user, page, role):
    browser = _browser(places, make_user, role)
    response = browser.get(page + "?format=xlsx", HTTP_REFERER="https://elsewhere.example/", HTTP_SEC_FETCH_SITE="cross-site")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert _exports() == 0


@pytest.mark.parametrize(("page", "role"), EXPORTS)
def test_a_post_without_the_csrf_token_is_refused(places, make_user, page, role):
    browser = _browser(places, make_user, role)
    response = browser.post(page)
    assert response.status_code == 403
    assert _exports() == 0


@pytest.mark.parametrize(("page", "role"), EXPORTS)
def test_the_pages_export_button_posts_with_its_token_and_is_audited_once(places, make_user, page, role):
    browser = _browser(places, make_user, role)
    html = browser.get(page).content.decode()
    assert 'method="post"' in html and "导出 Excel" in html
    token = browser.cookies["csrftoken"].value
    response = browser.post(page, {"csrfmiddlewaretoken": token})
    assert response.status_code == 200
    assert response["Content-Type"].startswith(XLSX)
    assert _exports() == 1
