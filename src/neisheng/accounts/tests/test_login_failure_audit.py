"""Issue 7 ("Also"): failed sign-ins with ever-new usernames wrote one audit row each,
without limit. They are now counted per (username, address) and window, with a cap on
rows per account (and for all unknown usernames together) per window; the total number
of attempts stays known."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import authenticate
from django.urls import reverse

from neisheng.accounts.models import AuditEvent

pytestmark = pytest.mark.django_db


def _fail(client, username, address="127.0.0.1"):
    response = client.post(reverse("accounts:login"), {"username": username, "password": "not-it-123456"},
                           REMOTE_ADDR=address)
    assert response.status_code in (200, 403, 429)


def _attempts(events) -> int:
    return sum(int(e.detail.get("attempts", 1)) for e in events)


def test_a_thousand_failures_with_ever_new_usernames_write_a_bounded_number_of_rows(rf, settings):
    settings.AUDIT_LOGIN_FAILURE_ROWS = 20
    # Through authenticate(), as the login form calls it (axes, the backends and the
    # failure signal all run), without rendering a thousand login pages.
    for n in range(1000):
        request = rf.post(reverse("accounts:login"))
        assert authenticate(request, username=f"guess-{n:04d}", password="not-it-123456") is None

    failed = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED)
    assert failed.count() == 20 + 1
    assert _attempts(failed) == 1000
    over = failed.get(object_id="over_limit")
    assert over.detail["attempts"] == 1000 - 20
    # The first ones are there as typed, each counted once.
    assert set(failed.exclude(pk=over.pk).values_list("username", flat=True)) == {f"guess-{n:04d}" for n in range(20)}


def test_repeated_failures_from_one_address_are_one_row_counting_them(client, places, make_user):
    cadre = make_user("village", places["village"])
    for _ in range(7):
        _fail(client, cadre.username, "10.0.0.1")
    _fail(client, cadre.username, "10.0.0.2")

    rows = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED, username=cadre.username)
    assert {(e.ip_address, e.detail["attempts"]) for e in rows} == {("10.0.0.1", 7), ("10.0.0.2", 1)}
    assert all(e.user == cadre for e in rows)


def test_unknown_usernames_cannot_crowd_out_an_accounts_own_rows(client, places, make_user, settings):
    settings.AUDIT_LOGIN_FAILURE_ROWS = 5
    cadre = make_user("village", places["village"])
    for n in range(30):
        _fail(client, f"nobody-{n}")
    _fail(client, cadre.username, "10.9.9.9")

    row = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN_FAILED, user=cadre)
    assert row.ip_address == "10.9.9.9" and row.detail == {"attempts": 1}


def test_a_new_window_starts_a_new_row(client, settings):
    _fail(client, "someone")
    first = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN_FAILED)
    AuditEvent.objects.filter(pk=first.pk).update(
        at=first.at - settings.AUDIT_LOGIN_FAILURE_WINDOW - dt.timedelta(seconds=1))
    _fail(client, "someone")
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED, username="someone").count() == 2


def test_the_password_is_never_stored(client):
    _fail(client, "someone")
    _fail(client, "someone")
    assert "not-it-123456" not in str(list(AuditEvent.objects.values()))
