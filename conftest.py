"""Fixtures shared by the web apps' tests (src/neisheng/*/tests): a small synthetic
county in the database and one user per role, inside and outside a village."""

from __future__ import annotations

import pytest
from tests.support import PASSWORD, division_places


def pytest_collection_modifyitems(items):
    """Modules with a slow or spark test first, each module's tests kept together and in
    their order. The Makefile runs `pytest -n 2 --dist loadfile --no-loadscope-reorder`:
    xdist hands out whole files in this order, and a long file handed out last kept one
    worker busy for minutes while the other had finished."""
    def file_of(item) -> str:
        return item.nodeid.split("::")[0]

    long_files = {file_of(item) for item in items
                  if item.get_closest_marker("slow") or item.get_closest_marker("spark")}
    items.sort(key=lambda item: file_of(item) not in long_files)


@pytest.fixture(scope="session")
def county_tables():
    """Two neighbouring synthetic counties (巫山 and 巫溪) in one snapshot, so every
    scope has somewhere outside it."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from neisheng.synth import generate_county

    parts = [generate_county(households=300, seed=seed, year=2026, county_code=code)
             for seed, code in ((11, "500237"), (12, "500238"))]
    tables = {name: pa.concat_tables([p[name] for p in parts]) for name in parts[0]}
    divisions = tables["divisions"]
    _, first = np.unique(divisions["code"].to_numpy(zero_copy_only=False), return_index=True)
    tables["divisions"] = divisions.take(pa.array(sorted(first)))
    assert pc.count_distinct(tables["divisions"]["code"]).as_py() == tables["divisions"].num_rows
    return tables


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, county_tables):
    """The counties are loaded once per test session; each test runs in a transaction
    that is rolled back, so tests see the same registry and cannot disturb each other."""
    from neisheng.registry.services import registry_load_tables

    with django_db_blocker.unblock():
        registry_load_tables(tables=county_tables)


@pytest.fixture
def county(db, county_tables):
    """The two counties. A test with a live server empties the database after itself;
    should one have run earlier in this process, the counties are loaded again."""
    from neisheng.registry.models import Household
    from neisheng.registry.services import registry_load_tables

    if not Household.objects.exists():
        registry_load_tables(tables=county_tables)
    return county_tables


@pytest.fixture
def places(county):
    """A county, a town and a village in it, and another county, town and village."""
    return division_places()


@pytest.fixture
def make_user(db):
    from neisheng.accounts.models import User

    def make(role: str, division=None, username: str | None = None):
        return User.objects.create_user(
            username=username or f"{role}-{division.code if division else 'all'}",
            password=PASSWORD, role=role, division=division, display_name=f"测试{role}",
        )

    return make


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Tests create many users; a deliberately slow hasher would dominate the suite."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: rolled-back tests may reuse audit ids, which
    the cached figures are keyed by."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def the_sites_language():
    """Each test starts in the site's language (Chinese): a request in English leaves its
    language active in the thread, and labels read outside a request would follow it."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()
