"""Writes of the registry workflow."""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
from django.db import transaction

from neisheng.registry import versions
from neisheng.registry.models import Division, Household, IncomeItem, Person
from neisheng.registry.versions import EditConflict  # noqa: F401 - raised by the updates below
from neisheng.web.bulk import delete_all, insert_rows

HOUSEHOLD_FIELDS = [f.name for f in Household._meta.concrete_fields if f.name != "village"]
PERSON_FIELDS = [f.name for f in Person._meta.concrete_fields if f.name != "household"]
LEDGER_FIELDS = ["year", "item", "amount", "source"]


@transaction.atomic
def registry_load_tables(*, tables: dict[str, pa.Table], replace: bool = False,
                         progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Load validated snapshot tables (contract schemas) into the database, all or nothing.

    `replace` first empties the registry (a county reloading its whole snapshot). Rows are
    inserted in batches without per-row history: a bulk load is one event, recorded in the
    audit log by the caller."""
    if replace:
        delete_all([IncomeItem, Person, Household, Division])
    # Parents before children, so a foreign key is never ahead of its target.
    divisions = tables["divisions"].sort_by("level").rename_columns(["code", "name", "level", "parent_id"])
    households = tables["households"].rename_columns(
        ["village_id" if c == "village_code" else c for c in tables["households"].column_names]
    )
    plan = [
        ("divisions", Division, divisions, ["code", "name", "level", "parent_id"]),
        ("households", Household, households, ["village_id", *HOUSEHOLD_FIELDS]),
        ("persons", Person, with_person_keys(tables["persons"]), ["household_id", *PERSON_FIELDS]),
        ("income_items", IncomeItem, tables["income_items"], ["household_id", *LEDGER_FIELDS]),
    ]
    counts = {}
    for name, model, table, attnames in plan:
        report = (lambda done, name=name: progress(name, done)) if progress else None
        counts[name] = insert_rows(model, table, attnames, on_batch=report)
    return counts


def with_person_keys(persons: pa.Table) -> pa.Table:
    """The persons table with each row's random opaque key (Person.key): rows inserted
    in bulk bypass the model's default, and a snapshot never carries keys."""
    from neisheng.registry.models import new_person_key

    keys = pa.array([new_person_key() for _ in range(persons.num_rows)], type=pa.string())
    if "key" in persons.column_names:
        return persons.set_column(persons.column_names.index("key"), "key", keys)
    return persons.append_column("key", keys)


# --------------------------------------------------------------------------- one record
#
# Single-record writes from the pages. Each checks scope itself (a form's choices are
# not a security boundary), records the change in the audit log with old and new values,
# and names the user in simple_history's record.

EDITABLE_HOUSEHOLD_FIELDS = [f for f in HOUSEHOLD_FIELDS if f != "household_id"] + ["village"]
EDITABLE_PERSON_FIELDS = [f for f in PERSON_FIELDS if f not in ("person_id", "key")]
EDITABLE_LEDGER_FIELDS = ["year", "item", "amount", "source"]


def _within_scope(user, village_code: str) -> bool:
    from neisheng.accounts.selectors import code_range

    bounds = code_range(user)
    if bounds is None:
        return True
    low, high = bounds
    return bool(low) and low <= village_code <= high


def _require_edit(user, village_code: str) -> None:
    from django.core.exceptions import PermissionDenied

    if not getattr(user, "can_edit", False) or not _within_scope(user, village_code):
        raise PermissionDenied("不在您的管辖范围内或无修改权限 / outside your scope or not allowed to edit")


def _audit_value(value):
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)


def _apply(obj, values: dict, fields: list[str]) -> dict:
    """Set the given fields; return {field: [old, new]} for those that changed."""
    changes = {}
    for name in fields:
        if name not in values:
            continue
        attname = obj._meta.get_field(name).attname
        new = values[name]
        if name == "village" and isinstance(new, Division):
            new = new.code
        old = getattr(obj, attname)
        if old != new:
            changes[name] = [_audit_value(old), _audit_value(new)]
            setattr(obj, attname, new)
    return changes


def _baseline_history(obj, *, start) -> None:
    """Rows bulk-loaded from a snapshot have no history yet (since that load: a reused
    household number keeps the replaced household's); record their state as loaded
    before the first change, so the history shows what the value was before, and a
    client that read the row before that change can be told what changed since."""
    model = type(obj)
    if not versions.history_of(model, obj.pk, start=start).exists():
        original = model.objects.get(pk=obj.pk)
        model.history.bulk_history_create([original], default_change_reason=versions.BASELINE_REASON)


def _save(obj, user, *, new: bool = False) -> None:
    obj._history_user = user if getattr(user, "is_authenticated", False) else None
    obj.full_clean(validate_unique=new)
    # A new record with a given key must be an INSERT: saving a person already registered
    # in another household would otherwise silently move them here.
    obj.save(force_insert=new)


@transaction.atomic
def household_create(*, user, values: dict, request=None) -> Household:
    from neisheng.accounts.services import audit_record

    village = values["village"]
    village_code = village.code if isinstance(village, Division) else village
    _require_edit(user, village_code)
    household = Household(household_id=values["household_id"], village_id=village_code)
    _apply(household, values, EDITABLE_HOUSEHOLD_FIELDS)
    _save(household, user, new=True)
    audit_record(user=user, action="create", object_type="household", object_id=household.household_id,
                 detail={"village": village_code}, request=request)
    return household


def _record_update(*, user, record, village_code: str, values: dict, fields: list[str],
                   object_type: str, detail: dict, request, version: int | None):
    """The one way a page or the API changes a record: scope and role checked, the row
    locked, only changed fields written, the loaded state kept in the history before the
    first change, and the change (old and new values) in the audit log.

    `version` is the version the form or API client read (registry.versions): a field
    someone else has changed since is never overwritten with the value read before; the
    save is refused (EditConflict) when both changed the same field. Without a version
    (code of the platform itself) the values are written as given."""
    from neisheng.accounts.services import audit_record

    _require_edit(user, village_code)
    record = type(record).objects.select_for_update().get(pk=record.pk)
    if version is not None:
        values = versions.values_to_write(record, values=values, fields=fields, version=version)
    changes = _apply(record, values, fields)
    if changes:
        _baseline_history(record, start=versions.history_start())
        _save(record, user)
        audit_record(user=user, action="update", object_type=object_type, object_id=str(record.pk),
                     detail={**detail, "changes": changes}, request=request)
    return record


@transaction.atomic
def household_update(*, user, household: Household, values: dict, version: int | None = None,
                     request=None) -> Household:
    if "village" in values:
        village = values["village"]
        _require_edit(user, village.code if isinstance(village, Division) else village)
    return _record_update(user=user, record=household, village_code=household.village_id, values=values,
                          fields=EDITABLE_HOUSEHOLD_FIELDS, object_type="household", detail={},
                          request=request, version=version)


@transaction.atomic
def person_create(*, user, household: Household, values: dict, request=None) -> Person:
    from neisheng.accounts.services import audit_record

    _require_edit(user, household.village_id)
    person = Person(person_id=values["person_id"], household_id=household.household_id)
    _apply(person, values, EDITABLE_PERSON_FIELDS)
    _save(person, user, new=True)
    audit_record(user=user, action="create", object_type="person", object_id=person.person_id,
                 detail={"household": household.household_id}, request=request)
    return person


@transaction.atomic
def person_update(*, user, person: Person, values: dict, version: int | None = None,
                  request=None) -> Person:
    household = Household.objects.get(pk=person.household_id)
    return _record_update(user=user, record=person, village_code=household.village_id, values=values,
                          fields=EDITABLE_PERSON_FIELDS, object_type="person",
                          detail={"household": household.household_id}, request=request, version=version)


@transaction.atomic
def ledger_item_create(*, user, household: Household, values: dict, request=None) -> IncomeItem:
    from neisheng.accounts.services import audit_record

    _require_edit(user, household.village_id)
    item = IncomeItem(household_id=household.household_id)
    _apply(item, values, EDITABLE_LEDGER_FIELDS)
    _save(item, user, new=True)
    audit_record(user=user, action="create", object_type="income_item", object_id=str(item.pk),
                 detail={"household": household.household_id, "year": item.year, "item": item.item,
                         "amount": str(item.amount)}, request=request)
    return item


@transaction.atomic
def ledger_item_update(*, user, item: IncomeItem, values: dict, version: int | None = None,
                       request=None) -> IncomeItem:
    household = Household.objects.get(pk=item.household_id)
    return _record_update(user=user, record=item, village_code=household.village_id, values=values,
                          fields=EDITABLE_LEDGER_FIELDS, object_type="income_item",
                          detail={"household": household.household_id}, request=request, version=version)
