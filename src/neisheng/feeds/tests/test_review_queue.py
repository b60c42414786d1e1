"""The clerical-review queue as a clerk sees it: the row beside its candidates with ID
numbers masked and each comparison in words; accepting a pair raises the findings it
supports (a death feed's deceased_alive appears only then); rejecting needs a note; the
linkage's own outcome is never overwritten; roles without feeds.review are refused."""

from __future__ import annotations

import lxml.html
import pytest
from django.utils import timezone

from neisheng.accounts.models import AuditEvent
from neisheng.feeds.models import FeedRow, Finding, ReviewState
from neisheng.feeds.review import feed_row_accept, feed_row_reject
from neisheng.feeds.tests.findings_support import feed_made, feed_row_made, member_of
from neisheng.platform.workflow import TransitionRefused
from neisheng.registry.models import Household

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def household(places):
    return Household.objects.filter(village=places["village"]).order_by("household_id").first()


@pytest.fixture
def users(make_user, places):
    return {"department": make_user("department", places["county"]), "county": make_user("county", places["county"]),
            "town": make_user("town", places["town"])}


def _death_row_waiting(household):
    """A death row with no ID number whose best candidate is an alive member."""
    person = member_of(household)
    other = household.members.exclude(pk=person.pk).order_by("person_id").first()
    died = (timezone.localdate() - timezone.timedelta(days=30)).isoformat()
    row = {"id_number": "", "name": person.name, "birth_date": person.birth_date.isoformat(), "death_date": died}
    feed = feed_made(household=household, feed_type="death", rows=[row], name="死亡名单.csv")
    feed_row = feed_row_made(feed=feed, number=2, row=row, person=person, kind="review",
                             candidates=[person, other] if other else [person], probability=0.82)
    return feed_row, person


def _page(client, user, url):
    client.force_login(user)
    return client.get(url)


def test_the_review_page_shows_both_records_masked_with_each_comparison_in_words(client, users, household):
    feed_row, person = _death_row_waiting(household)
    feed_row.id_number = person.person_id[:-1] + "0"
    feed_row.save(update_fields=["id_number"])
    for role in ("department", "county"):
        response = _page(client, users[role], f"/feeds/review/{feed_row.pk}/")
        assert response.status_code == 200
        body = response.content.decode()
        assert person.person_id not in body and feed_row.id_number not in body
        tree = lxml.html.document_fromstring(body)
        best = tree.get_element_by_id("candidate-1")
        assert person.name in best.text_content() and person.household_id in best.text_content()
        masked = best.xpath('.//*[contains(@class, "masked-value")]')[0].text_content()
        assert masked.startswith(person.person_id[:4]) and "*" in masked
        words = {tr.get("data-comparison"): tr.text_content() for tr in best.xpath('.//tr[@data-comparison]')}
        assert "姓名同音或繁简不同" in words["name"] and "同村" in words["village"]
        assert "0.820" in best.text_content()
        # A department clerk may not unmask; a county officer gets the audited reveal button.
        buttons = best.xpath('.//form[contains(@class, "reveal")]')
        assert bool(buttons) is (role == "county")


def test_the_queue_lists_rows_waiting_in_scope_and_filters_by_department(client, users, household):
    feed_row, _person = _death_row_waiting(household)
    tree = lxml.html.document_fromstring(_page(client, users["department"], "/feeds/review/").content.decode())
    assert [int(r.get("data-feed-row")) for r in tree.xpath('//tr[contains(@class, "review-row")]')] == [feed_row.pk]
    tree = lxml.html.document_fromstring(
        _page(client, users["department"], "/feeds/review/?department=civil_affairs").content.decode())
    assert tree.xpath('//tr[contains(@class, "review-row")]') == []


def test_accepting_a_death_pair_raises_deceased_alive_only_then(client, users, household):
    feed_row, person = _death_row_waiting(household)
    assert not Finding.objects.filter(rule="deceased_alive", person=person).exists()
    client.force_login(users["department"])
    response = client.post(f"/feeds/review/{feed_row.pk}/", {"decision": "accept", "candidate": "1", "note": ""})
    assert response.status_code == 302
    feed_row.refresh_from_db()
    assert feed_row.review_state == ReviewState.ACCEPTED and feed_row.person_id == person.person_id
    assert feed_row.reviewed_by == users["department"] and feed_row.reviewed_at is not None
    # The linkage's own outcome stays as the model gave it.
    assert feed_row.match_kind == "review" and feed_row.match_probability == pytest.approx(0.82)
    finding = Finding.objects.get(rule="deceased_alive", person=person)
    assert finding.rows == [2] and finding.household_id == household.household_id
    assert AuditEvent.objects.filter(object_type="feed_row", object_id=str(feed_row.pk)).exists()


def test_accepting_another_candidate_links_that_one(users, household):
    feed_row, person = _death_row_waiting(household)
    second = FeedRow.objects.get(pk=feed_row.pk).candidates[1]["person_id"]
    feed_row_accept(row=feed_row, user=users["county"], person=second)
    feed_row.refresh_from_db()
    assert feed_row.person_id == second != person.person_id


def test_a_person_who_was_not_a_candidate_cannot_be_accepted(users, household, places):
    feed_row, _person = _death_row_waiting(household)
    stranger = Household.objects.filter(village=places["village"]).order_by("-household_id").first()
    with pytest.raises(TransitionRefused):
        feed_row_accept(row=feed_row, user=users["county"], person=member_of(stranger).person_id)


def test_rejecting_needs_a_note_and_keeps_the_linkage_outcome(client, users, household):
    feed_row, _person = _death_row_waiting(household)
    with pytest.raises(TransitionRefused):
        feed_row_reject(row=feed_row, user=users["department"], note="  ")
    client.force_login(users["department"])
    response = client.post(f"/feeds/review/{feed_row.pk}/", {"decision": "reject", "note": ""})
    assert response.status_code == 400 and "否定疑似匹配需要说明理由" in response.content.decode()
    response = client.post(f"/feeds/review/{feed_row.pk}/", {"decision": "reject", "note": "出生日期不同"})
    assert response.status_code == 302
    feed_row.refresh_from_db()
    assert feed_row.review_state == ReviewState.REJECTED and feed_row.review_note == "出生日期不同"
    assert feed_row.match_kind == "review" and feed_row.match_probability == pytest.approx(0.82)
    assert not Finding.objects.filter(rule="deceased_alive").exists()
    # Decided once: a second decision is refused.
    with pytest.raises(TransitionRefused):
        feed_row_accept(row=feed_row, user=users["department"])


def test_a_town_officer_may_not_review(client, users, household):
    feed_row, _person = _death_row_waiting(household)
    assert _page(client, users["town"], f"/feeds/review/{feed_row.pk}/").status_code == 403
    response = client.post(f"/feeds/review/{feed_row.pk}/", {"decision": "reject", "note": "不是"})
    assert response.status_code == 403
    feed_row.refresh_from_db()
    assert feed_row.review_state == ReviewState.PENDING


def test_the_home_card_counts_rows_waiting_for_a_clerk(client, users, household):
    _death_row_waiting(household)
    tree = lxml.html.document_fromstring(_page(client, users["department"], "/").content.decode())
    card = tree.get_element_by_id("work-feeds-review")
    assert card.xpath('.//*[@data-count="waiting"]//*[@class="count"]')[0].text_content() == "1"
