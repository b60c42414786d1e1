"""The pictures of docs/feeds.md, taken on the demo county's feeds (web/demo_feeds.py)
built on the test county: a pair of the review queue side by side on a phone
(feeds-review-pair.png), the findings filtered by rule on an office screen
(feeds-findings.png) and a feed's summary (feeds-summary.png). Each is checked for what a
person looks at in it before it is taken."""

from __future__ import annotations

import pytest
from tests.support import PASSWORD
from tests.web.ui_checks import horizontal_overflow

pytestmark = pytest.mark.slow


@pytest.fixture
def demo_feeds(site, tmp_path, settings):
    """The demo logins (with the tests' password) and the demo feeds on the test county."""
    from neisheng.accounts.models import User
    from neisheng.accounts.services import demo_users_create
    from neisheng.web.demo_feeds import demo_feeds_build

    settings.MEDIA_ROOT = tmp_path / "uploads"
    logins = demo_users_create(county_code="500237", password=PASSWORD)
    made = demo_feeds_build(home=tmp_path, logins=logins)
    return made, {u["role"]: User.objects.get(username=u["username"]) for u in logins}


def test_the_review_pair_the_findings_and_a_feeds_summary(site, demo_feeds, phone, desktop, sign_in, shoot):
    from neisheng.feeds.models import Feed, FeedRow, Finding, ReviewState

    made, users = demo_feeds
    county = users["county"]

    # A pair waiting in the queue, side by side on a phone.
    pair = FeedRow.objects.filter(review_state=ReviewState.PENDING).order_by("feed_id", "row").first()
    assert pair is not None and made.review_waiting >= 1
    sign_in(phone, county)
    phone.goto(f"{site}/feeds/review/{pair.pk}/")
    assert pair.name in phone.locator("#review-feed-row").inner_text()
    assert phone.locator("#candidate-1 tr[data-comparison]").count() == 5
    assert horizontal_overflow(phone) <= 0
    shoot(phone, "feeds-review-pair", full_page=True)

    # The findings of the county: every rule the demo raised is there; filtered by one.
    sign_in(desktop, county)
    desktop.goto(f"{site}/feeds/findings/")
    counts = desktop.locator("#finding-state-counts").inner_text()
    assert "已确认" in counts and "已排除" in counts
    desktop.goto(f"{site}/feeds/findings/?rule=inpatient_self_pay")
    rows = desktop.locator("tr.finding-row")
    assert rows.count() == Finding.objects.filter(rule="inpatient_self_pay").count() >= 2
    assert {rows.nth(i).get_attribute("data-rule") for i in range(rows.count())} == {"inpatient_self_pay"}
    assert horizontal_overflow(desktop) <= 0
    desktop.goto(f"{site}/feeds/findings/")
    assert desktop.locator("tr.finding-row").count() >= 10
    shoot(desktop, "feeds-findings")

    # The medical claims' summary: rows by match, findings by rule.
    feed = Feed.objects.get(feed_type="medical_claims", status=Feed.Status.APPLIED)
    desktop.goto(f"{site}/feeds/{feed.pk}/")
    assert desktop.locator("#feed-status").get_attribute("data-status") == "applied"
    summary = desktop.locator("#feed-summary").inner_text()
    assert "住院自付费用较高" in summary and "门诊自付费用较高" in summary
    assert horizontal_overflow(desktop) <= 0
    shoot(desktop, "feeds-summary", full_page=True)
