"""Monitoring results and measures name their household without a database constraint
(registry.holds): a writer reading the households with `household_ids_held` keeps every
deletion of households waiting until it commits, whether the deletion goes through the
ORM or through a registry replace."""

from __future__ import annotations

import threading

import pytest
from django.db import OperationalError, connection, transaction

from neisheng.registry.holds import household_ids_held
from neisheng.registry.models import Household
from neisheng.registry.services import registry_load_tables


def _in_other_session(work) -> BaseException | None:
    """Run `work` in a transaction of its own connection that waits at most 0.3 s for a
    lock; what it raised, or None."""
    outcome = []

    def target():
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '300ms'")
                work()
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the test to assert on
            outcome.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=60)
    return outcome[0]


@pytest.mark.django_db(transaction=True)
def test_no_household_is_deleted_while_a_writer_holds_them(county_tables):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's write transactions exclude each other (IMMEDIATE): there is no second writer")
    registry_load_tables(tables=county_tables, replace=True)
    first = Household.objects.order_by("pk").first()

    with transaction.atomic():
        held = household_ids_held()
        assert first.pk in held and len(held) == Household.objects.count()
        by_orm = _in_other_session(lambda: Household.objects.get(pk=first.pk).delete())
        by_replace = _in_other_session(lambda: registry_load_tables(tables=county_tables, replace=True))
    assert isinstance(by_orm, OperationalError) and "lock timeout" in str(by_orm)
    assert isinstance(by_replace, OperationalError) and "lock timeout" in str(by_replace)
    assert Household.objects.filter(pk=first.pk).exists()

    # Once the writer has committed, the same deletion goes through.
    assert _in_other_session(lambda: Household.objects.get(pk=first.pk).delete()) is None
    assert not Household.objects.filter(pk=first.pk).exists()

