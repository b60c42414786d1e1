import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from neisheng.accounts.access import Role
from neisheng.accounts.models import User
from neisheng.accounts.services import demo_password_generate, demo_users_create

pytestmark = pytest.mark.django_db

EXPECTED = {
    "county": ("county", "county"), "town": ("town", "town"), "village": ("village", "village"),
    "assistance": ("assistance", "village"), "department": ("department", "county"),
    "auditor": ("auditor", "county"), "researcher": ("researcher", "county"), "admin": ("admin", None),
}


def signs_in(username, password):
    return authenticate(RequestFactory().post("/accounts/login/"), username=username, password=password)


def test_one_user_per_role_on_sensible_divisions(places):
    created = demo_users_create(county_code="500237")
    assert [row["username"] for row in created] == list(EXPECTED)
    assert {row["role"] for row in created} == set(Role.values)
    password = created[0]["password"]
    assert all(row["password"] == password for row in created)

    for row in created:
        role, where = EXPECTED[row["username"]]
        user = User.objects.get(username=row["username"])
        assert user.role == role
        assert user.division == (places[where] if where else None)
        assert row["role_label"] == Role(role).label
        assert row["division"] == (places[where].name if where else "")
        assert signs_in(row["username"], password) == user


def test_the_generated_password_is_readable_long_and_not_common(db):
    passwords = {demo_password_generate() for _ in range(20)}
    assert len(passwords) == 20
    for password in passwords:
        assert len(password) >= 12
        words = password.split("-")
        assert len(words) == 4 and words[-1].isdigit() and all(w.isalpha() for w in words[:3])
        validate_password(password)


def test_running_again_resets_the_users_with_a_given_password(places):
    demo_users_create(county_code="500237")
    town = User.objects.get(username="town")
    town.division, town.role, town.is_active = places["other_town"], "researcher", False
    town.save()

    created = demo_users_create(county_code="500237000000", password="shanshui-tianye-2026")
    assert User.objects.filter(username__in=list(EXPECTED)).count() == len(EXPECTED)
    town.refresh_from_db()
    assert (town.role, town.division, town.is_active) == ("town", places["town"], True)
    assert signs_in("town", "shanshui-tianye-2026") == town
    assert {row["password"] for row in created} == {"shanshui-tianye-2026"}


def test_a_weak_password_or_unknown_county_writes_nothing(places):
    with pytest.raises(ValidationError):
        demo_users_create(county_code="500237", password="password")
    with pytest.raises(ValueError, match="999999"):
        demo_users_create(county_code="999999")
    with pytest.raises(ValueError):
        demo_users_create(county_code="")
    assert not User.objects.filter(username__in=list(EXPECTED)).exists()
