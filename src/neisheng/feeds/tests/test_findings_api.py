"""/api/findings/ as a client sees it: filters, ID numbers masked unless unmasked by a role
that may (and audited), the steps' answers (200, 400 with one sentence, 403), and the
ledger written once."""

from __future__ import annotations

import pytest
from django.utils import timezone

from neisheng.accounts.models import AuditEvent
from neisheng.feeds.tests.findings_support import member_of
from neisheng.feeds.tests.test_findings_actions import _assistance_finding
from neisheng.registry.models import Household, IncomeItem

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def household(places):
    return Household.objects.filter(village=places["village"]).order_by("household_id").first()


def test_the_list_masks_id_numbers_and_filters_by_rule(client, make_user, places, household):
    finding = _assistance_finding(household)
    person = member_of(household)
    client.force_login(make_user("department", places["county"]))
    found = client.get("/api/findings/?rule=assistance_category_mismatch").json()["results"]
    assert [f["id"] for f in found] == [finding.pk]
    assert found[0]["person_id"] != person.person_id and "*" in found[0]["person_id"]
    assert client.get("/api/findings/?rule=deceased_alive").json()["results"] == []
    assert client.get("/api/findings/?rule=no_such_rule").status_code == 400
    # A department clerk may not unmask.
    assert client.get(f"/api/findings/{finding.pk}/?unmask=1").status_code == 403


def test_an_officer_unmasks_with_an_audit_record(client, make_user, places, household):
    finding = _assistance_finding(household)
    person = member_of(household)
    client.force_login(make_user("county", places["county"]))
    shown = client.get(f"/api/findings/{finding.pk}/?unmask=1").json()
    assert shown["person_id"] == person.person_id
    assert [r["row"] for r in shown["feed_rows"]] == [2, 3]
    assert AuditEvent.objects.filter(action="view_unmasked", object_id=person.person_id).exists()


def test_confirm_then_write_the_ledger_once(client, make_user, places, household):
    finding = _assistance_finding(household)
    today = str(timezone.localdate())
    client.force_login(make_user("department", places["county"]))
    assert client.post(f"/api/findings/{finding.pk}/confirm/", {"on": today}).status_code == 403
    client.force_login(make_user("town", places["town"]))
    assert client.post(f"/api/findings/{finding.pk}/write_ledger/", {"on": today}).status_code == 400
    confirmed = client.post(f"/api/findings/{finding.pk}/confirm/", {"on": today})
    assert confirmed.status_code == 200 and confirmed.json()["state"] == "confirmed"
    written = client.post(f"/api/findings/{finding.pk}/write_ledger/", {"on": today})
    assert written.status_code == 200 and written.json()["ledger_written_at"]
    again = client.post(f"/api/findings/{finding.pk}/write_ledger/", {"on": today})
    assert again.status_code == 400 and "already" in again.json()["detail"]
    assert IncomeItem.objects.filter(household=household, source="civil_affairs").count() == 1
