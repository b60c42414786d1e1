"""Reads of the transfers workflow: the registry as contract tables, and uploads."""

from __future__ import annotations

import pyarrow as pa
from django.db.models import Q, QuerySet

from neisheng.engine.schema import TABLES
from neisheng.transfers.models import ImportBatch

FETCH_CHUNK = 10_000


def _arrow(name: str, queryset, fields: list[str]) -> pa.Table:
    """Rows of `queryset` as the contract table `name`; `fields` are the model paths of
    the contract columns, in contract order."""
    table = TABLES[name]
    columns: list[list] = [[] for _ in fields]
    for row in queryset.values_list(*fields).iterator(chunk_size=FETCH_CHUNK):
        for values, value in zip(columns, row):
            values.append(value)
    return pa.table([pa.array(values, c.arrow_type) for values, c in zip(columns, table.columns)],
                    schema=table.arrow_schema)


def registry_tables(*, user=None) -> dict[str, pa.Table]:
    """The database's registry as the four contract tables, sorted by key: everything,
    or what lies under `user`'s division (its ancestors included, so every parent code
    resolves)."""
    from neisheng.accounts.selectors import (
        divisions_visible_to,
        households_visible_to,
        ledger_visible_to,
        persons_visible_to,
    )
    from neisheng.registry.models import Division, Household, IncomeItem, Person

    if user is None:
        divisions, households = Division.objects.all(), Household.objects.all()
        persons, ledger = Person.objects.all(), IncomeItem.objects.all()
    else:
        divisions, households = divisions_visible_to(user), households_visible_to(user)
        persons, ledger = persons_visible_to(user), ledger_visible_to(user)

    def fields(name: str, renames: dict[str, str]) -> list[str]:
        return [renames.get(c, c) for c in TABLES[name].column_names]

    return {
        "divisions": _arrow("divisions", divisions.order_by("code"),
                            fields("divisions", {"parent_code": "parent_id"})),
        "households": _arrow("households", households.order_by("household_id"),
                             fields("households", {"village_code": "village_id"})),
        "persons": _arrow("persons", persons.order_by("person_id"), fields("persons", {})),
        "income_items": _arrow("income_items", ledger.order_by("household_id", "year", "item", "id"),
                               fields("income_items", {})),
    }


def import_batches_of(user) -> QuerySet[ImportBatch]:
    """The user's own uploads, newest first. An administrator sees the uploads of everyone
    whose division lies under theirs (everyone's, without a division): a batch is in
    scope by its uploader, whose own scope its rows were checked against, so an
    administrator can never open, apply or discard an upload wider than their division."""
    from neisheng.accounts.selectors import users_within

    batches = ImportBatch.objects.select_related("uploaded_by")
    if user.role == "admin" or user.is_superuser:
        return batches.filter(Q(uploaded_by__in=users_within(user)) | Q(uploaded_by=user))
    return batches.filter(uploaded_by=user)


def import_batch_summaries_of(user) -> QuerySet[ImportBatch]:
    """The user's uploads for a list: without the problems themselves (up to ISSUES_KEPT
    of them per batch), whose number is in `issues_total`."""
    return import_batches_of(user).defer("issues")
