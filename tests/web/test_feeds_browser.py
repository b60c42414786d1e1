"""Department feeds on a phone (390×844), issue 12's walk-through: a county officer
opens the review queue, compares a pair side by side (the ID number masked) and accepts
it; opens the findings, filters them by rule, confirms one and opens a case, whose page
shows the channel 部门筛查预警. A department clerk uploads a malformed feed and sees every
bad row named, and nothing is applied.

The feed is made and applied through the feeds services (as the upload page does) from
the test county's registry: one row with the ID number (a disaster loss over the
threshold: a finding), and rows without it that the linkage can only send to review."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from tests.web.ui_checks import horizontal_overflow

from neisheng.feeds.models import Feed, FeedRow, Finding, ReviewState
from neisheng.registry.models import Person

pytestmark = pytest.mark.slow

PHONE = {"width": 390, "height": 844}


def _csv(feed_type: str, rows: list[list[str]]) -> bytes:
    from neisheng.engine.feeds import FEED_TYPES

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.header_zh for c in FEED_TYPES[feed_type].all_columns])
    writer.writerows(rows)
    return out.getvalue().encode("gb18030")


def _as(page, sign_in, user):
    page.context.clear_cookies()
    sign_in(page, user)


def _no_sideways_scroll(page, what: str) -> None:
    assert horizontal_overflow(page) <= 0, f"{what} scrolls sideways on a phone"


@pytest.fixture
def applied_feed(places, make_user, settings, tmp_path):
    """A disaster feed of the county, applied: the first row links exactly and raises
    disaster_loss; the next rows (a homophone or the name alone, with the village, no ID
    number or birth date) wait in the review queue."""
    from neisheng.feeds.services import feed_apply, feed_upload
    from neisheng.web.demo_feeds import homophone

    settings.MEDIA_ROOT = tmp_path / "media"
    clerk = make_user("department", places["county"], username="clerk-department")
    persons = list(Person.objects.filter(household__village=places["village"], alive=True)
                   .select_related("household__village").order_by("person_id")[:6])
    flooded, *unsure = persons
    village = places["village"].name
    rows = [[flooded.person_id, flooded.name, "", "", "2026-07-20", "8600"]]
    rows += [["", homophone(p.name) if n % 2 else p.name, "", village, "2026-07-20", "6200"]
             for n, p in enumerate(unsure)]
    feed = feed_upload(user=clerk, uploaded_file=SimpleUploadedFile("受灾-2026年7月.csv", _csv("disaster", rows)),
                       feed_type="disaster")
    feed = feed_apply(feed=feed, user=clerk)
    assert feed.status == Feed.Status.APPLIED, feed.error
    return feed, flooded, clerk


def test_review_a_pair_confirm_a_finding_and_open_a_case(site, phone, places, make_user, sign_in, applied_feed):
    feed, flooded, _ = applied_feed
    county = make_user("county", places["county"], username="officer-county")
    phone.set_viewport_size(PHONE)
    waiting = FeedRow.objects.filter(feed=feed, review_state=ReviewState.PENDING).order_by("row")
    assert waiting.exists(), "no row of the feed waits for review"
    pair = waiting.first()

    # The review queue, then the pair side by side.
    _as(phone, sign_in, county)
    phone.goto(f"{site}/feeds/review/")
    row = phone.locator(f"tr.review-row[data-feed-row='{pair.pk}']")
    assert pair.name in row.inner_text()
    _no_sideways_scroll(phone, "the review queue")
    with phone.expect_navigation():
        row.locator("a").first.click()
    assert pair.name in phone.locator("#review-feed-row").inner_text()
    best = phone.locator("#candidate-1")
    assert best.is_visible()
    candidate = Person.objects.get(pk=pair.candidates[0]["person_id"])
    assert candidate.name in best.inner_text()
    # Masked: the candidate's ID number is not on the page, only a masked form of it.
    shown_id = best.locator(".candidate-id-number").inner_text()
    assert candidate.person_id not in phone.content() and "*" in shown_id
    assert best.locator("tr[data-comparison=name]").count() == 1
    _no_sideways_scroll(phone, "the review pair")
    phone.check("input[name=decision][value=accept]")
    phone.fill("textarea[name=note]", "经电话核实为同一人")
    with phone.expect_navigation():
        phone.click("#review-submit")
    # The page moves on to the next row waiting; the pair has left the queue, decided.
    assert f"/feeds/review/{pair.pk}/" not in phone.url
    phone.goto(f"{site}/feeds/review/")
    assert phone.locator(f"tr.review-row[data-feed-row='{pair.pk}']").count() == 0
    phone.goto(f"{site}/feeds/review/{pair.pk}/")
    assert phone.locator("#review-state").get_attribute("data-state") == "accepted"
    assert phone.locator("#review-decision").count() == 0
    pair.refresh_from_db()
    assert (pair.review_state, pair.person_id, pair.reviewed_by) == ("accepted", candidate.pk, county)

    # The findings, filtered by rule.
    phone.goto(f"{site}/feeds/findings/")
    phone.locator("#list-filters summary").click()
    phone.select_option("#list-filters select[name=rule]", "disaster_loss")
    with phone.expect_navigation():
        phone.locator("#list-search button[type=submit]").click()
    rows = phone.locator("tr.finding-row")
    assert rows.count() >= 1
    assert {rows.nth(i).get_attribute("data-rule") for i in range(rows.count())} == {"disaster_loss"}
    _no_sideways_scroll(phone, "the findings")
    finding = Finding.objects.get(rule="disaster_loss", person=flooded)
    with phone.expect_navigation():
        phone.locator(f"tr.finding-row[data-finding='{finding.pk}'] a").first.click()
    assert "8,600" in phone.locator("#finding-evidence").inner_text() or "8600" in phone.locator(
        "#finding-evidence").inner_text()

    # Confirm, then open a case.
    with phone.expect_navigation():
        phone.click("#finding-step-confirm")
    phone.fill("textarea[name=reason]", "入户核实,房屋受损属实")
    with phone.expect_navigation():
        phone.locator("main form button[type=submit]").last.click()
    assert phone.locator("#finding-state").get_attribute("data-state") == "confirmed"
    with phone.expect_navigation():
        phone.click("#finding-open-case")
    with phone.expect_navigation():
        phone.locator("main form button[type=submit]").last.click()
    finding.refresh_from_db()
    assert finding.state == "confirmed" and finding.case is not None
    assert finding.case.channel == "department_screening"
    # The new case's page, whose heading names the channel.
    assert phone.url.rstrip("/").endswith(f"/cases/{finding.case_id}")
    assert "部门筛查预警" in phone.locator("h1").inner_text()
    phone.goto(f"{site}/feeds/findings/{finding.pk}/")
    assert phone.locator("#finding-case").inner_text() == f"#{finding.case_id}"
    _no_sideways_scroll(phone, "the case")


def test_a_malformed_feed_names_every_bad_row(site, phone, places, make_user, sign_in, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    clerk = make_user("department", places["county"], username="clerk-department")
    people = list(Person.objects.filter(household__village=places["village"]).order_by("person_id")[:4])
    content = _csv("disaster", [
        [people[0].person_id, people[0].name, "", "", "2026-02-30", "6000"],   # no such date
        [people[1].person_id, people[1].name, "", "", "2026-07-20", "六千元"],  # not a number
        [people[2].person_id, "", "", "", "2026-07-20", "5200"],               # no name
        [people[3].person_id, people[3].name, "", "", "2026-07-20", "5200"],   # good
    ])
    phone.set_viewport_size(PHONE)
    _as(phone, sign_in, clerk)
    phone.goto(f"{site}/feeds/upload/")
    phone.select_option("select[name=feed_type]", "disaster")
    phone.set_input_files("input[name=file]", files=[{"name": "受灾-手工录入.csv", "mimeType": "text/csv",
                                                      "buffer": content}])
    with phone.expect_navigation():
        phone.locator("main form button[type=submit]").first.click()
    assert phone.locator("#feed-rejected").is_visible()
    issues = phone.locator("tr.feed-issue")
    assert sorted(int(issues.nth(i).get_attribute("data-row")) for i in range(issues.count())) == [2, 3, 4]
    text = phone.locator("#feed-issues").inner_text()
    assert "2026-02-30" in text and "六千元" in text and "受灾-手工录入.csv" in text
    _no_sideways_scroll(phone, "the refused feed")
    feed = Feed.objects.get()
    assert feed.status == Feed.Status.REJECTED and feed.issues_total == 3
    assert not FeedRow.objects.exists() and not Finding.objects.exists()
