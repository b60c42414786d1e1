"""Helper D's pages: upload, the summary with problems or counts, applying as a job, the
rows, the original file, the list and its export, and the API of feeds and rows."""

from __future__ import annotations

from io import BytesIO

import openpyxl
import pytest

from neisheng.accounts.models import AuditEvent
from neisheng.feeds.models import Feed, FeedRow, Finding
from neisheng.feeds.services import feed_apply, feed_upload
from neisheng.feeds.tests.feed_support import STRANGER, alive_persons, death_csv, upload
from neisheng.platform.jobs import worker_run_once
from neisheng.web.tests.test_one_language import violations

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


@pytest.fixture
def applied(clerk, two_alive):
    feed = feed_upload(user=clerk, uploaded_file=upload(death_csv(two_alive)), feed_type="death")
    return feed_apply(feed=feed, user=clerk)


# The job worker closes the connection between tasks (django-tasks-db), which on
# PostgreSQL ends a test's rolled-back transaction: this test commits instead.
@pytest.mark.django_db(transaction=True)
def test_a_department_clerk_uploads_and_applies_a_feed(client, clerk, two_alive):
    client.force_login(clerk)
    page = client.get("/feeds/upload/")
    assert page.status_code == 200 and 'id="feed-layout-social_assistance"' in page.content.decode()
    response = client.post("/feeds/upload/", {"feed_type": "death", "file": upload(death_csv(two_alive))})
    feed = Feed.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/feeds/{feed.pk}/"
    body = client.get(f"/feeds/{feed.pk}/").content.decode()
    assert 'id="feed-apply"' in body and 'data-status="pending"' in body

    assert client.post(f"/feeds/{feed.pk}/apply/")["Location"] == f"/feeds/{feed.pk}/"
    feed.refresh_from_db()
    assert feed.status == Feed.Status.APPLYING and feed.job_id and not FeedRow.objects.exists()
    assert 'data-reload-when-finished' in client.get(f"/feeds/{feed.pk}/").content.decode()
    worker_run_once()

    feed.refresh_from_db()
    assert feed.status == Feed.Status.APPLIED and feed.applied_by == clerk
    body = client.get(f"/feeds/{feed.pk}/").content.decode()
    assert 'data-status="applied"' in body and 'id="feed-apply"' not in body
    assert f'href="/feeds/{feed.pk}/rows/?match_kind=exact">2<' in body
    assert f'href="/feeds/{feed.pk}/rows/?match_kind=unmatched">1<' in body
    assert f'href="/feeds/findings/?feed={feed.pk}&amp;rule=deceased_alive">2<' in body
    rows = client.get(f"/feeds/{feed.pk}/rows/?match_kind=unmatched").content.decode()
    assert STRANGER[0] in rows and two_alive[0].name not in rows and STRANGER[1] not in rows  # masked
    rows = client.get(f"/feeds/{feed.pk}/rows/?match_kind=exact").content.decode()
    assert two_alive[0].household_id in rows and two_alive[0].person_id not in rows


def test_a_malformed_feed_on_the_page_names_every_bad_row_and_cannot_be_applied(client, clerk, two_alive):
    client.force_login(clerk)
    content = death_csv(two_alive, bad_rows={2: (two_alive[0].person_id, two_alive[0].name, "2026-02-30"),
                                             4: (STRANGER[1], "", "2026-03-01")})
    client.post("/feeds/upload/", {"feed_type": "death", "file": upload(content, "坏文件.csv")})
    feed = Feed.objects.get()
    body = client.get(f"/feeds/{feed.pk}/").content.decode()
    assert 'id="feed-rejected"' in body and "未比对任何数据" in body
    assert 'data-row="2"' in body and 'data-row="4"' in body and 'data-row="3"' not in body
    assert "死亡日期" in body and "姓名" in body and 'id="feed-apply"' not in body
    refused = client.post(f"/feeds/{feed.pk}/apply/", follow=True).content.decode()
    assert "不能比对" in refused  # the refusal, in the page's language
    assert Feed.objects.get().status == Feed.Status.REJECTED and not FeedRow.objects.exists()
    # The problems are named in the page's language only (the language scan does not reach a refused feed).
    client.cookies["django_language"] = "en"
    english = client.get(f"/feeds/{feed.pk}/").content.decode()
    assert 'lang="en"' in english and 'data-row="2"' in english and violations(english, "en") == []
    assert violations(body, "zh-hans") == []


def test_the_original_file_downloads_byte_identical_and_is_audited(client, clerk, two_alive):
    content = death_csv(two_alive)
    feed = feed_upload(user=clerk, uploaded_file=upload(content), feed_type="death")
    client.force_login(clerk)
    response = client.get(f"/feeds/{feed.pk}/file/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == content
    assert "死亡名单.csv" in response["Content-Disposition"] or "%E6%AD%BB" in response["Content-Disposition"]
    assert AuditEvent.objects.filter(action="view_unmasked", object_type="feed_file", object_id=str(feed.pk),
                                     user=clerk).exists()


def test_a_department_clerk_of_another_county_gets_404(client, make_user, places, applied):
    client.force_login(make_user("department", places["other_county"]))
    for url in (f"/feeds/{applied.pk}/", f"/feeds/{applied.pk}/rows/", f"/feeds/{applied.pk}/file/",
                f"/api/feeds/{applied.pk}/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/feeds/{applied.pk}/discard/").status_code == 404
    assert applied.original_name not in client.get("/feeds/").content.decode()
    assert client.get(f"/api/feed-rows/?feed={applied.pk}").json()["count"] == 0


def test_a_town_officer_sees_the_county_feed_through_the_rows_of_the_town(client, make_user, applied, two_alive):
    town = two_alive[0].household.village.parent
    client.force_login(make_user("town", town))
    in_town = FeedRow.objects.filter(feed=applied, division_code__startswith=town.code[:9]).count()
    body = client.get(f"/feeds/{applied.pk}/").content.decode()
    assert 'id="feed-partial"' in body and 'id="feed-apply"' not in body
    assert client.get(f"/api/feeds/{applied.pk}/").json()["counts"]["rows"] == in_town
    rows = client.get(f"/feeds/{applied.pk}/rows/").content.decode()
    assert STRANGER[0] not in rows  # unmatched: the county's, not the town's


def test_the_list_filters_and_exports_every_matching_feed(client, clerk, applied, two_alive):
    rejected = feed_upload(user=clerk, uploaded_file=upload(death_csv(two_alive, bad_rows={2: ("", "", "")}),
                                                            "另一个.csv"), feed_type="death")
    client.force_login(clerk)
    body = client.get("/feeds/").content.decode()
    assert applied.original_name in body and rejected.original_name in body
    body = client.get("/feeds/?status=applied").content.decode()
    assert f'data-feed="{applied.pk}"' in body and f'data-feed="{rejected.pk}"' not in body
    response = client.post("/feeds/?status=applied")
    sheet = openpyxl.load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == applied.pk and rows[1][8] == 2 and rows[1][12] == 2
    assert AuditEvent.objects.filter(action="export", object_type="feed_list").exists()


def test_the_api_lists_feeds_with_counts_and_rows_masked(client, make_user, places, clerk, applied, two_alive):
    client.force_login(clerk)
    listed = client.get("/api/feeds/?feed_type=death").json()["results"]
    assert [f["id"] for f in listed] == [applied.pk]
    assert listed[0]["counts"] == {"rows": 3, "count_exact": 2, "count_probable": 0, "count_review": 0,
                                   "count_unmatched": 1, "findings_count": 2}
    assert client.get(f"/api/feeds/{applied.pk}/").json()["findings_by_rule"] == {"deceased_alive": 2}
    rows = client.get(f"/api/feed-rows/?feed={applied.pk}&match_kind=exact").json()["results"]
    assert [r["row"] for r in rows] == [2, 3] and two_alive[0].person_id not in str(rows)
    assert client.get("/api/feed-rows/?match_kind=nonsense").status_code == 400
    assert client.get(f"/api/feed-rows/?feed={applied.pk}&unmask=1").status_code == 403  # clerks may not unmask
    client.force_login(make_user("county", places["county"]))
    rows = client.get(f"/api/feed-rows/?feed={applied.pk}&match_kind=exact&unmask=1").json()["results"]
    assert rows[0]["id_number"] == two_alive[0].person_id
    assert AuditEvent.objects.filter(action="view_unmasked", object_id=two_alive[0].person_id).exists()
    assert Finding.objects.count() == 2
