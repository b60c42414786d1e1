"""The pictures of the projects' documentation, taken on the demo county's projects
(web/demo_projects.py) built on the test county: the photovoltaic station's page as the
town that runs it sees it (projects-project.png), the village's 7,000 yuan plan with
every household's amount and why (projects-plan.png), and the audit's findings as the
auditor sees them (projects-findings.png). Each is checked for what a person looks at
in it before it is taken."""

from __future__ import annotations

from decimal import Decimal

import pytest
from tests.support import PASSWORD
from tests.web.ui_checks import han_outside_data, horizontal_overflow

pytestmark = pytest.mark.slow


@pytest.fixture
def demo_projects(site, tmp_path, settings):
    """The demo logins (with the tests' password) and the demo's projects on the test county."""
    from neisheng.accounts.models import User
    from neisheng.accounts.services import demo_users_create
    from neisheng.web.demo_projects import demo_projects_build

    settings.MEDIA_ROOT = tmp_path / "uploads"
    logins = demo_users_create(county_code="500237", password=PASSWORD)
    made = demo_projects_build(home=tmp_path, logins=logins, year=2026)
    return made, {u["role"]: User.objects.get(username=u["username"]) for u in logins}


def test_a_project_a_plan_and_the_findings(site, demo_projects, phone, desktop, sign_in, shoot):
    from neisheng.projects.models import AuditFinding

    made, users = demo_projects
    assert not made.skipped, made.skipped

    # The photovoltaic station: its funds by source, its money in and out, its revenue.
    sign_in(desktop, users["town"])
    desktop.goto(f"{site}/projects/{made.projects['photovoltaic']}/")
    assert "光伏" in desktop.locator("#project-name").inner_text()
    funds = desktop.locator("#funds-by-source").inner_text()
    assert "中央资金" in funds and "600,000" in funds and "县级资金" in funds
    money = desktop.locator("#project-money").inner_text()
    assert "880,000" in money and "836,400" in money and "43,600" in money
    assert "131,205.60" in desktop.locator("main").inner_text()
    assert horizontal_overflow(desktop) <= 0
    shoot(desktop, "projects-project", full_page=True)
    sign_in(phone, users["town"])
    phone.goto(f"{site}/projects/{made.projects['photovoltaic']}/")
    assert horizontal_overflow(phone) <= 0

    # The village's plan: 7,000 yuan among its 6 poor households, exact to the fen.
    phone.context.clear_cookies()
    desktop.context.clear_cookies()
    sign_in(desktop, users["village"])
    desktop.goto(f"{site}/projects/plans/{made.plans['village']}/")
    assert desktop.locator("#plan-state").get_attribute("data-state") == "approved"
    assert "7,000.00" in desktop.locator("#plan-total").inner_text()
    lines = desktop.locator("#plan-lines-table .plan-line")
    assert lines.count() == 6
    amounts = sorted(Decimal(lines.nth(i).get_attribute("data-amount")) for i in range(6))
    assert amounts == [Decimal("1166.66")] * 2 + [Decimal("1166.67")] * 4
    assert "1,166.67" in desktop.locator("#plan-lines-table").inner_text()
    assert desktop.locator("#plan-sum-check").get_attribute("data-balanced") == "1"
    assert horizontal_overflow(desktop) <= 0
    shoot(desktop, "projects-plan", full_page=True)
    sign_in(phone, users["village"])
    phone.goto(f"{site}/projects/plans/{made.plans['village']}/")
    assert horizontal_overflow(phone) <= 0

    # The findings as the auditor sees them: counts by rule, the new, confirmed and explained ones.
    desktop.context.clear_cookies()
    sign_in(desktop, users["auditor"])
    desktop.goto(f"{site}/projects/audit/")
    counts = desktop.locator("#audit-rule-counts")
    for rule in ("duplicate_payment", "payee_not_beneficiary", "payee_deceased", "renovation_price",
                 "renovation_quantity", "renovation_not_eligible", "renovation_total"):
        assert counts.locator(f"tr[data-rule={rule}] [data-count=open]").inner_text() != "0", rule
    words = counts.inner_text()
    assert "同一方案重复发放" in words and "改造单价超参考价" in words and "领取户成员均已死亡" in words
    rows = desktop.locator(".audit-finding-row")
    assert rows.count() >= min(AuditFinding.objects.filter(cleared_at=None).count(), 8)
    states = {rows.nth(i).get_attribute("data-state") for i in range(rows.count())}
    assert {"new", "confirmed", "explained"} <= states
    assert horizontal_overflow(desktop) <= 0
    shoot(desktop, "projects-findings", full_page=True)
    phone.context.clear_cookies()
    sign_in(phone, users["auditor"])
    phone.context.add_cookies([{"name": "django_language", "value": "en", "url": site}])
    phone.goto(f"{site}/projects/audit/")
    assert horizontal_overflow(phone) <= 0
    assert han_outside_data(phone) == []
