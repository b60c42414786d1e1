"""Helper D's services: a feed is kept and checked whole, then applied all or nothing."""

from __future__ import annotations

import hashlib

import pytest
from django.core.exceptions import PermissionDenied

from neisheng.accounts.models import AuditEvent
from neisheng.feeds import services
from neisheng.feeds.models import Feed, FeedRow, Finding
from neisheng.feeds.services import (
    FeedRefused,
    feed_apply,
    feed_discard,
    feed_upload,
    known_deaths_table,
)
from neisheng.feeds.tests.feed_support import STRANGER, alive_persons, death_csv, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def clerk(make_user, places):
    return make_user("department", places["county"])


@pytest.fixture
def two_alive(places):
    return alive_persons(places["county"].code, 2)


def test_a_clean_feed_is_kept_as_it_came_and_waits_to_be_applied(clerk, two_alive):
    content = death_csv(two_alive)
    feed = feed_upload(user=clerk, uploaded_file=upload(content), feed_type="death")
    assert feed.status == Feed.Status.PENDING and feed.rows == 3 and feed.issues_total == 0
    assert (feed.original_name, feed.department, feed.division_code) == ("死亡名单.csv", "public_security",
                                                                        clerk.division_id)
    assert feed.checksum == hashlib.sha256(content).hexdigest() and feed.size == len(content)
    assert feed.file.open("rb").read() == content
    assert not FeedRow.objects.exists()


def test_a_malformed_feed_names_every_bad_row_and_writes_nothing(clerk, two_alive):
    content = death_csv(two_alive, bad_rows={2: (two_alive[0].person_id, two_alive[0].name, "2026-13-45"),
                                             3: (two_alive[1].person_id, "", "2026-03-01"),
                                             4: (STRANGER[1], STRANGER[0], "昨天")})
    feed = feed_upload(user=clerk, uploaded_file=upload(content), feed_type="death")
    assert feed.status == Feed.Status.REJECTED
    assert sorted({issue["row"] for issue in feed.issues}) == [2, 3, 4]
    assert feed.issues_total == 3
    assert {issue["column"] for issue in feed.issues} == {"death_date", "name"}
    with pytest.raises(FeedRefused):
        feed_apply(feed=feed, user=clerk)
    assert not FeedRow.objects.exists() and not Finding.objects.exists()
    assert Feed.objects.get(pk=feed.pk).status == Feed.Status.REJECTED


def test_applying_links_each_row_counts_them_and_raises_the_findings(clerk, two_alive):
    feed = feed_upload(user=clerk, uploaded_file=upload(death_csv(two_alive)), feed_type="death")
    feed = feed_apply(feed=feed, user=clerk)
    assert feed.status == Feed.Status.APPLIED, feed.error
    assert (feed.rows, feed.count_exact, feed.count_probable, feed.count_review, feed.count_unmatched) == (3, 2, 0, 0, 1)
    rows = {r.row: r for r in FeedRow.objects.filter(feed=feed)}
    assert [rows[2].person_id, rows[3].person_id] == [p.person_id for p in two_alive]
    assert rows[2].household_id == two_alive[0].household_id
    assert rows[2].division_code == two_alive[0].household.village_id
    assert rows[4].match_kind == "unmatched" and rows[4].person_id is None
    assert rows[4].division_code == feed.division_code
    assert rows[2].values["death_date"] == "2026-03-01" and rows[4].name == STRANGER[0]
    # A death row matching a person still registered alive (feeds.md deceased_alive).
    findings = Finding.objects.filter(feed=feed)
    assert feed.findings_count == findings.count() == 2
    assert {(f.rule, f.subject, f.household_id) for f in findings} == {
        ("deceased_alive", p.person_id, p.household_id) for p in two_alive}
    assert all(f.division_code == f.household.village_id and f.rows for f in findings)
    assert AuditEvent.objects.filter(action="import", object_type="feed", object_id=str(feed.pk)).exists()
    deaths = known_deaths_table(division_code=feed.division_code).to_pylist()
    assert {d["person_id"] for d in deaths} == {p.person_id for p in two_alive}


def test_applying_the_same_list_twice_raises_each_finding_once(clerk, two_alive):
    first = feed_apply(feed=feed_upload(user=clerk, uploaded_file=upload(death_csv(two_alive)), feed_type="death"),
                       user=clerk)
    second = feed_apply(feed=feed_upload(user=clerk, uploaded_file=upload(death_csv(two_alive)), feed_type="death"),
                        user=clerk)
    assert first.findings_count == 2 and second.status == Feed.Status.APPLIED and second.findings_count == 0
    assert Finding.objects.count() == 2 and FeedRow.objects.count() == 6
    with pytest.raises(FeedRefused):
        feed_apply(feed=first, user=clerk)
    assert Finding.objects.count() == 2 and FeedRow.objects.count() == 6


def test_apply_is_all_or_nothing(clerk, two_alive, monkeypatch):
    feed = feed_upload(user=clerk, uploaded_file=upload(death_csv(two_alive)), feed_type="death")

    def screening_breaks(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("neisheng.engine.screening.screen_feed", screening_breaks)
    feed = feed_apply(feed=feed, user=clerk)
    assert feed.status == Feed.Status.FAILED and "未写入任何数据" in feed.error
    assert not FeedRow.objects.exists() and not Finding.objects.exists()
    assert (feed.count_exact, feed.findings_count, feed.applied_at) == (0, 0, None)
    monkeypatch.undo()
    assert feed_apply(feed=feed, user=clerk).status == Feed.Status.APPLIED


def test_a_failure_while_writing_leaves_no_row_behind(clerk, two_alive, monkeypatch):
    feed = feed_upload(user=clerk, uploaded_file=upload(death_csv(two_alive)), feed_type="death")

    def findings_break(*args, **kwargs):
        raise RuntimeError("constraint")

    monkeypatch.setattr(services, "_findings_store", findings_break)
    assert feed_apply(feed=feed, user=clerk).status == Feed.Status.FAILED
    assert not FeedRow.objects.exists() and not Finding.objects.exists()


def test_who_may_upload_and_apply(make_user, places, clerk, two_alive):
    with pytest.raises(PermissionDenied):
        feed_upload(user=make_user("town", places["town"]), uploaded_file=upload(death_csv(two_alive)),
                    feed_type="death")
    with pytest.raises(FeedRefused):  # no division: no registry to match against
        feed_upload(user=make_user("admin", None), uploaded_file=upload(death_csv(two_alive)), feed_type="death")
    with pytest.raises(FeedRefused):
        feed_upload(user=clerk, uploaded_file=upload(death_csv(two_alive)), feed_type="weather")
    feed = feed_upload(user=clerk, uploaded_file=upload(death_csv(two_alive)), feed_type="death")
    with pytest.raises(Feed.DoesNotExist):  # a clerk of the other county does not see it
        feed_apply(feed=feed, user=make_user("department", places["other_county"]))
    assert feed_discard(feed=feed, user=clerk).status == Feed.Status.DISCARDED
    with pytest.raises(FeedRefused):
        feed_apply(feed=feed, user=clerk)
