"""Policies in the UI (issue 10): a new version is the YAML checked by the policy parser,
its mistakes named by key beside the text in the page's language; one active version per
year, activation audited and shown; a run uses the year's active version."""

from __future__ import annotations

import pytest

from neisheng.accounts.models import AuditEvent
from neisheng.monitoring.models import PolicyVersion
from neisheng.monitoring.policies import policy_for_year, policy_starting_text
from neisheng.monitoring.runs import run_start
from neisheng.policy import default_policy_text

pytestmark = pytest.mark.django_db


def _save(client, text: str, year: int = 2026, language: str = "zh-hans"):
    return client.post(f"/monitoring/policies/new/?year={year}", {"year": str(year), "text": text, "note": "测试"},
                       HTTP_ACCEPT_LANGUAGE=language)


def test_a_mistake_is_named_by_its_key_beside_the_text_in_the_pages_language(client, make_user, places):
    client.force_login(make_user("county", places["county"]))
    wrong = default_policy_text().replace("poverty_line: ", "poverty_line: abc #", 1)
    page = _save(client, wrong)
    html = page.content.decode()
    assert page.status_code == 200 and not PolicyVersion.objects.exists()
    assert 'id="field-text"' in html and 'has-error' in html
    assert '<code translate="no">poverty_line</code>: 应为数字' in html
    english = _save(client, wrong, language="en").content.decode()
    assert '<code translate="no">poverty_line</code>: must be a number' in english
    other_year = _save(client, default_policy_text(), year=2027).content.decode()
    assert '<code translate="no">year</code>: 应为 2027,实为 2026' in other_year


def test_one_active_version_per_year_and_who_activated_it(client, make_user, places):
    officer = make_user("county", places["county"])
    client.force_login(officer)
    text = default_policy_text().replace("monitoring_threshold: ", "monitoring_threshold: 7777 #", 1)
    first = _save(client, text)
    v1 = PolicyVersion.objects.get()
    assert first.status_code == 302 and first["Location"] == f"/monitoring/policies/{v1.pk}/"
    assert not v1.active and policy_for_year(2026).version is None  # saved, not yet in use

    client.post(f"/monitoring/policies/{v1.pk}/")
    _save(client, text.replace("7777", "8888"))
    v2 = PolicyVersion.objects.exclude(pk=v1.pk).get()
    detail = client.get(f"/monitoring/policies/{v2.pk}/").content.decode()
    assert "+monitoring_threshold: 8888" in detail and "-monitoring_threshold: 7777" in detail  # diff with v1
    client.post(f"/monitoring/policies/{v2.pk}/")

    v1.refresh_from_db(), v2.refresh_from_db()
    assert not v1.active and v2.active and v2.activated_by == officer
    assert PolicyVersion.objects.filter(year=2026, active=True).count() == 1
    assert AuditEvent.objects.filter(object_type="policy_version", action="update", object_id=str(v2.pk)).exists()
    listing = client.get("/monitoring/policies/").content.decode()
    assert f"/monitoring/policies/{v2.pk}/" in listing and officer.username in listing
    assert policy_starting_text(2026) == v2.text

    run = run_start(user=officer, year=2026)
    assert run.policy_version == v2 and "8888" in run.policy_text
    assert run.resolved_policy().monitoring_threshold == 8888


def test_the_built_in_policy_is_the_starting_text_moved_to_the_year(client, make_user, places):
    client.force_login(make_user("admin", None, username="root"))
    page = client.get("/monitoring/policies/new/?year=2027").content.decode()
    assert "year: 2027" in page and "reference_date: 2027-" in page
    assert _save(client, policy_starting_text(2027), year=2027).status_code == 302


@pytest.mark.parametrize("role,where", [("town", "town"), ("village", "village"), ("researcher", "county")])
def test_only_county_officers_and_administrators_edit_policies(client, make_user, places, role, where):
    client.force_login(make_user(role, places[where]))
    assert client.get("/monitoring/policies/").status_code == 403
    assert _save(client, default_policy_text()).status_code == 403
    assert not PolicyVersion.objects.exists()
