"""Rows that name a household without a database constraint, kept true by a lock.

A monitoring run's results and measures (3.85 M rows at a million households) name their
household with no foreign-key constraint at the database: PostgreSQL would check each
copied row on its own at commit, about 28 s of a run at a million. What the constraint
guaranteed, that no stored row names a household deleted meanwhile, holds instead because
a writer of such rows reads the registry's households with `household_ids_held` and
stores only rows of those, and every deletion of households takes the same lock
exclusively (`households_deletion_guard`): none can be deleted between that read and the
writer's commit. SQLite needs no lock of its own: its write transactions begin with the
database's write lock (settings: IMMEDIATE), so they already exclude each other.
"""

from __future__ import annotations

from django.db import connection
from django.db.models.signals import pre_delete
from django.dispatch import receiver

from neisheng.registry.models import Household

# One advisory-lock number for "the registry's set of households" ("NSHH" in ASCII).
_HOUSEHOLDS_LOCK = 0x4E534848


def household_ids_held() -> list[str]:
    """Every household number in the registry, none of which can be deleted before this
    transaction ends."""
    if not connection.in_atomic_block:
        raise RuntimeError("household_ids_held holds until commit: it must run inside a transaction")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [_HOUSEHOLDS_LOCK])
    return list(Household.objects.values_list("household_id", flat=True))


def households_deletion_guard() -> None:
    """Called before households are deleted, inside the deleting transaction: waits for
    the writers holding households (`household_ids_held`) to commit, and keeps new ones
    out until this transaction ends."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_HOUSEHOLDS_LOCK])


@receiver(pre_delete, sender=Household, dispatch_uid="registry-households-deletion-guard")
def _guard_orm_deletion(sender, **kwargs) -> None:
    # Django's deletions run in a transaction of their own (Collector.delete), so the
    # lock lasts until the household and what cascades from it are gone.
    households_deletion_guard()
