import pytest
from django.urls import reverse
from tests.support import PASSWORD

from neisheng.accounts.models import AuditEvent

pytestmark = pytest.mark.django_db


def sign_in(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_the_login_page_is_in_chinese_and_signs_in_with_the_right_password(client, places, make_user):
    page = client.get(reverse("accounts:login"))
    assert page.status_code == 200
    assert "登录" in page.content.decode()

    cadre = make_user("village", places["village"])
    response = sign_in(client, cadre.username, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:home")
    assert client.get(reverse("registry:home")).status_code == 200

    event = AuditEvent.objects.get(action="login")
    assert event.user == cadre
    assert event.username == cadre.username
    assert event.ip_address == "127.0.0.1"


def test_a_wrong_password_is_refused_and_recorded_without_the_password(client, places, make_user):
    cadre = make_user("village", places["village"])
    response = sign_in(client, cadre.username, "not-the-password-123")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()

    event = AuditEvent.objects.get(action="login_failed")
    assert event.username == cadre.username
    assert event.user == cadre
    assert "not-the-password-123" not in str(event.detail)
    assert not AuditEvent.objects.filter(action="login").exists()


def test_an_unknown_username_is_recorded_as_typed(client, db):
    sign_in(client, "nosuchperson", "whatever-password-1")
    event = AuditEvent.objects.get(action="login_failed")
    assert event.username == "nosuchperson"
    assert event.user is None


def test_the_sixth_attempt_is_refused_even_with_the_right_password(client, places, make_user):
    cadre = make_user("village", places["village"])
    for attempt in range(5):
        sign_in(client, cadre.username, f"guess-number-{attempt}")

    response = sign_in(client, cadre.username, PASSWORD)
    assert response.status_code in {403, 429}
    assert "登录尝试过多" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("registry:home")).status_code == 302
    assert not AuditEvent.objects.filter(action="login").exists()
    # Counted in one row per username and address (issue 7: failures are aggregated).
    failed = AuditEvent.objects.get(action="login_failed", username=cadre.username)
    assert failed.detail["attempts"] == 6


def test_logout_ends_the_session(client, places, make_user):
    cadre = make_user("village", places["village"])
    client.force_login(cadre)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get(reverse("registry:home")).status_code == 302
