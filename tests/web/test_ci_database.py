"""CI must not go green on SQLite alone: the web tests also run on PostgreSQL there."""

import os

from django.db import connection
from tests.support import require


def test_the_web_tests_have_a_postgresql_database_in_ci():
    url = os.environ.get("NEISHENG_TEST_DATABASE_URL", "")
    require(url.startswith(("postgres://", "postgresql://")), "PostgreSQL (NEISHENG_TEST_DATABASE_URL)")


def test_the_database_in_use_is_the_one_asked_for():
    asked = os.environ.get("DATABASE_URL", "sqlite")
    assert connection.vendor == ("postgresql" if asked.startswith(("postgres://", "postgresql://")) else "sqlite")
