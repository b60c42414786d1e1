"""The registry as the data contract's four tables: read from the database, and written
out as a snapshot folder. Monitoring runs and `neisheng export-snapshot` both start here,
so the registry (not an app above it) owns what a snapshot of it holds."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pyarrow as pa
from django.db.models import Q

from neisheng.accounts.services import audit_record
from neisheng.divisions import PREFIX_LENGTH, level_of
from neisheng.engine.schema import TABLES
from neisheng.platform.bulk import rows_out

# Who exports when nobody signed in does: the command line.
CLI_ACTOR = SimpleNamespace(username="cli", is_authenticated=False)


def _arrow(name: str, queryset, fields: list[str]) -> pa.Table:
    """Rows of `queryset` as the contract table `name`; `fields` are the model paths of
    the contract columns, in contract order. (Through the ORM, the export of a county's
    twelve million rows took most of a monitoring run: platform.bulk.rows_out copies them.)"""
    return rows_out(queryset, fields, TABLES[name].arrow_schema)


def registry_tables(*, user=None, division_code: str = "") -> dict[str, pa.Table]:
    """The database's registry as the four contract tables, sorted by key: everything,
    or what lies under `user`'s division (its ancestors included, so every parent code
    resolves), narrowed further to `division_code` when given (a county's monitoring run
    exports that county alone, whoever's job runs it)."""
    from neisheng.platform import scope
    from neisheng.registry.models import Division, Household, IncomeItem, Person

    if user is None:
        divisions, households = Division.objects.all(), Household.objects.all()
        persons, ledger = Person.objects.all(), IncomeItem.objects.all()
    else:
        divisions = scope.visible_to(user, Division, ancestors=True)
        households, persons = scope.visible_to(user, Household), scope.visible_to(user, Person)
        ledger = scope.visible_to(user, IncomeItem)
    if division_code:
        divisions = divisions.filter(_under(division_code, "code") | Q(code__in=lineage_codes(division_code)))
        households = households.filter(_under(division_code, "village_id"))
        persons = persons.filter(_under(division_code, "household__village_id"))
        ledger = ledger.filter(_under(division_code, "household__village_id"))

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


def _under(division_code: str, field: str) -> Q:
    """`field` (a division code) lies under `division_code` (itself included)."""
    prefix = division_code[: PREFIX_LENGTH[level_of(division_code)]]
    return Q(**{f"{field}__gte": prefix.ljust(12, "0"), f"{field}__lte": prefix.ljust(12, "9")})


def lineage_codes(division_code: str) -> list[str]:
    """The divisions above `division_code` as the registry links them, so every parent
    code of a narrowed snapshot resolves."""
    from neisheng.registry.models import Division

    codes, code = [], Division.objects.filter(code=division_code).values_list("parent_id", flat=True).first()
    while code and code not in codes:
        codes.append(code)
        code = Division.objects.filter(code=code).values_list("parent_id", flat=True).first()
    return codes


# Not one transaction: on SQLite that would hold the write lock for the whole export.
def snapshot_export(*, directory: Path, user=None, fmt: str = "parquet", headers: str = "en",
                    division_code: str = "") -> dict[str, int]:
    """Write the four contract tables from the database (everything, or what lies under
    `user`'s division, or under `division_code`) as a snapshot folder; returns rows per table."""
    from neisheng.engine.catalog import write_snapshot

    tables = registry_tables(user=user, division_code=division_code)
    write_snapshot(tables, Path(directory), fmt=fmt, headers=headers)
    counts = {name: t.num_rows for name, t in tables.items()}
    audit_record(user=user or CLI_ACTOR, action="export",
                 division_code=division_code or getattr(user, "division_id", ""),
                 object_type="snapshot",
                 detail={"directory": str(directory), "format": fmt, "headers": headers, **counts})
    return counts
