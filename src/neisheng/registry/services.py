"""Writes of the registry workflow: the one write path of households, members and ledger
rows. Pages, the API and uploads call these services; each validates with the model's
rules and the data contract's (engine.schema, as `neisheng validate` checks a snapshot)
and keeps, per record, its state before the first change and every change after it.
A whole snapshot is loaded by `registry_load_tables` once `neisheng validate`'s checks
(engine.validation.load_snapshot) have passed."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pyarrow as pa
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from neisheng.platform.bulk import delete_all, indexes_deferred, insert_rows
from neisheng.platform.extensions import households_changed
from neisheng.registry import versions
from neisheng.registry.holds import households_deletion_guard
from neisheng.registry.models import Division, Household, IncomeItem, Person
from neisheng.registry.versions import EditConflict  # raised by the updates and ledger_item_delete

HOUSEHOLD_FIELDS = [f.name for f in Household._meta.concrete_fields if f.name != "village"]
PERSON_FIELDS = [f.name for f in Person._meta.concrete_fields if f.name != "household"]
LEDGER_FIELDS = ["year", "item", "amount", "source"]


@transaction.atomic
def registry_load_tables(*, tables: dict[str, pa.Table], replace: bool = False,
                         progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Load validated snapshot tables (contract schemas) into the database, all or nothing.

    `replace` first empties the registry (a county reloading its whole snapshot). Rows are
    inserted in batches without per-row history: a bulk load is one event, recorded in the
    audit log by the caller. It does not announce `households_changed`: a whole snapshot
    is followed by a monitoring run, not by a re-evaluation of every household."""
    if replace:
        households_deletion_guard()
        delete_all([IncomeItem, Person, Household, Division])
    # Parents before children, so a foreign key is never ahead of its target.
    divisions = tables["divisions"].sort_by("level").rename_columns(["code", "name", "level", "parent_id"])
    households = tables["households"].rename_columns(
        ["village_id" if c == "village_code" else c for c in tables["households"].column_names]
    )
    plan = [
        ("divisions", Division, divisions, ["code", "name", "level", "parent_id"]),
        ("households", Household, households, ["village_id", *HOUSEHOLD_FIELDS]),
        ("persons", Person, with_person_search_keys(with_person_keys(tables["persons"])),
         ["household_id", *PERSON_FIELDS]),
        ("income_items", IncomeItem, tables["income_items"], ["household_id", *LEDGER_FIELDS]),
    ]
    counts = {}
    # The registry's secondary indexes and foreign keys are built once the rows are in
    # (as migrations defined them): the same schema after the load, minutes sooner.
    with indexes_deferred([Division, Household, Person, IncomeItem]):
        for name, model, table, attnames in plan:
            report = (lambda done, name=name: progress(name, done)) if progress else None
            if report:
                report(0)
            counts[name] = insert_rows(model, table, attnames, on_batch=report)
        if progress:
            progress("indexes", 0)
    if progress:
        progress("indexes", 1)
    return counts


def with_person_keys(persons: pa.Table) -> pa.Table:
    """The persons table with each row's random opaque key (Person.key): rows inserted
    in bulk bypass the model's default, and a snapshot never carries keys."""
    keys = new_person_keys(persons.num_rows)
    if "key" in persons.column_names:
        return persons.set_column(persons.column_names.index("key"), "key", keys)
    return persons.append_column("key", keys)


def new_person_keys(count: int) -> pa.Array:
    """`count` keys exactly as models.new_person_key makes one (secrets.token_urlsafe: 16
    bytes from the operating system's random source, base64url without padding), made
    at once: a county's 3.5 million calls cost seconds. Each 16 bytes are padded with two
    zero bytes to a multiple of three, so the whole buffer encodes in one call and each
    person's 24 characters start with the 22 that token_urlsafe gives for those bytes."""
    import base64
    import os

    import numpy as np

    from neisheng.registry.models import PERSON_KEY_BYTES, PERSON_KEY_LENGTH

    raw = np.zeros((count, PERSON_KEY_BYTES + 2), dtype=np.uint8)
    raw[:, :PERSON_KEY_BYTES] = np.frombuffer(os.urandom(count * PERSON_KEY_BYTES), dtype=np.uint8).reshape(
        count, PERSON_KEY_BYTES)
    encoded = np.frombuffer(base64.urlsafe_b64encode(raw.tobytes()), dtype=np.uint8).reshape(
        count, (PERSON_KEY_BYTES + 2) // 3 * 4)
    text = np.ascontiguousarray(encoded[:, :PERSON_KEY_LENGTH]).tobytes()
    offsets = np.arange(0, (count + 1) * PERSON_KEY_LENGTH, PERSON_KEY_LENGTH, dtype=np.int32)
    return pa.Array.from_buffers(pa.string(), count, [None, pa.py_buffer(offsets), pa.py_buffer(text)])


def with_person_search_keys(persons: pa.Table) -> pa.Table:
    """The persons table with the search keys Person.save() keeps (registry.names): the
    given name, computed once per distinct name (a county repeats names a great deal),
    and the reversed ID-number suffix, computed by Arrow."""
    import pyarrow.compute as pc

    from neisheng.registry.names import ID_SUFFIX_LENGTH, given_name

    names = pc.dictionary_encode(persons["name"].combine_chunks())
    given = pa.array([given_name(n) for n in names.dictionary.to_pylist()], type=pa.string())
    given_names = pc.fill_null(pc.take(given, names.indices), "")
    numbers = pc.utf8_upper(pc.utf8_trim_whitespace(persons["person_id"]))
    suffixes = pc.fill_null(pc.utf8_reverse(pc.utf8_slice_codeunits(numbers, -ID_SUFFIX_LENGTH)), "")
    for column, values in (("given_name", given_names), ("id_suffix_reversed", suffixes)):
        if column in persons.column_names:
            persons = persons.set_column(persons.column_names.index(column), column, values)
        else:
            persons = persons.append_column(column, values)
    return persons


# --------------------------------------------------------------------------- one record
#
# Single-record writes from the pages. Each checks scope itself (a form's choices are
# not a security boundary), records the change in the audit log with old and new values,
# and names the user in simple_history's record.

EDITABLE_HOUSEHOLD_FIELDS = [f for f in HOUSEHOLD_FIELDS if f != "household_id"] + ["village"]
# The opaque key and the search keys are the platform's to write, never a form's or a file's.
PERSON_DERIVED_FIELDS = ("key", "given_name", "id_suffix_reversed")
EDITABLE_PERSON_FIELDS = [f for f in PERSON_FIELDS if f != "person_id" and f not in PERSON_DERIVED_FIELDS]
EDITABLE_LEDGER_FIELDS = ["year", "item", "amount", "source"]


def _within_scope(user, village_code: str) -> bool:
    from neisheng.platform.scope import code_is_within

    return code_is_within(user, village_code)


def _require_edit(user, village_code: str) -> None:
    from neisheng.accounts.access import REGISTRY_EDIT, user_may

    if not user_may(user, REGISTRY_EDIT) or not _within_scope(user, village_code):
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


# The contract's table of each model, and its column for a model field where the names differ.
CONTRACT_TABLE = {Household: "households", Person: "persons", IncomeItem: "income_items"}
CONTRACT_COLUMN = {"village": "village_code", "household": "household_id"}


def _contract_errors(obj) -> dict[str, list[str]]:
    """What the data contract refuses in `obj` beyond the model's own rules: the patterns
    of its columns (the household number), with `neisheng validate`'s words."""
    from neisheng.engine.schema import TABLES
    from neisheng.engine.validation import REASONS

    errors: dict[str, list[str]] = {}
    table = TABLES[CONTRACT_TABLE[type(obj)]]
    for field in obj._meta.concrete_fields:
        name = CONTRACT_COLUMN.get(field.name, field.name)
        if name not in table.column_names:
            continue
        column = table.column(name)
        value = getattr(obj, field.attname)
        if column.pattern is not None and value is not None and not column.matches(str(value)):
            errors.setdefault(field.name, []).append(REASONS[column.pattern_reason][0])
    return errors


def _clean(obj, *, validate_unique: bool, exclude: Iterable[str] = ()) -> None:
    """The model's full_clean and the contract's column rules, as one ValidationError."""
    errors = _contract_errors(obj)
    try:
        obj.full_clean(exclude=list(exclude) or None, validate_unique=validate_unique)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(m for m in messages if m not in errors.get(name, []))
    if errors:
        raise ValidationError(errors)


def _save(obj, user, *, new: bool = False) -> None:
    obj._history_user = user if getattr(user, "is_authenticated", False) else None
    _clean(obj, validate_unique=new)
    # A new record with a given key must be an INSERT: saving a person already registered
    # in another household would otherwise silently move them here.
    obj.save(force_insert=new)


# The county's numbering scheme: the village's 12-digit code and a sequence within the
# village (500237101201 + 0001). It is a settings choice, not policy (no rule reads it):
# NEISHENG_HOUSEHOLD_SEQUENCE_DIGITS, 4 by default, as the synthetic registry numbers them.
HOUSEHOLD_SEQUENCE_DIGITS = 4
NUMBER_ATTEMPTS = 5  # a number taken meanwhile by a typed one: try the next


def household_number_next(village_code: str) -> str:
    """The next unused number of the village's sequence: one above the highest number of
    the scheme in the village (typed numbers of another form are left alone). The caller
    holds the village's lock (household_create), so two creates never read the same."""
    from django.conf import settings

    digits = int(getattr(settings, "NEISHENG_HOUSEHOLD_SEQUENCE_DIGITS", HOUSEHOLD_SEQUENCE_DIGITS))
    first, last = village_code + "0" * digits, village_code + "9" * digits
    # The primary key's index, newest first: numbers such as 500237101201 0012X sort
    # inside the range but are not of the scheme, so the first of the right form wins.
    in_range = (Household.objects.filter(household_id__gte=first, household_id__lte=last)
                .order_by("-household_id").values_list("household_id", flat=True))
    highest = next((n for n in in_range.iterator(chunk_size=100)
                    if len(n) == len(first) and n[len(village_code):].isdigit()), None)
    sequence = int(highest[len(village_code):]) + 1 if highest else 1
    if sequence >= 10 ** digits:
        raise ValidationError({"household_id": [_village_numbers_used_up()]})
    return f"{village_code}{sequence:0{digits}d}"


def _village_numbers_used_up() -> str:
    from django.utils.translation import gettext

    return gettext("本村的自动编号已用完,请填写户编号")


@transaction.atomic
def household_create(*, user, values: dict, request=None) -> Household:
    """A new household. Without a number (`household_id` empty) it gets the next of the
    village's sequence (household_number_next); a typed number is kept as typed."""
    from django.db import IntegrityError

    from neisheng.accounts.services import audit_record

    village = values["village"]
    village_code = village.code if isinstance(village, Division) else village
    _require_edit(user, village_code)
    typed = (values.get("household_id") or "").strip()
    if not typed:
        # Creates in one village wait for each other here (a row lock on PostgreSQL; SQLite
        # lets one writer in at a time anyway), so each reads the number the last one took.
        Division.objects.select_for_update().filter(code=village_code).first()
    for attempt in range(NUMBER_ATTEMPTS):
        number = typed or household_number_next(village_code)
        household = Household(household_id=number, village_id=village_code)
        _apply(household, values, EDITABLE_HOUSEHOLD_FIELDS)
        try:
            # A savepoint: a number someone took meanwhile fails this insert only.
            with transaction.atomic():
                _save(household, user, new=True)
            break
        except (IntegrityError, ValidationError) as exc:
            # Taken meanwhile: the unique index refused it, or the model's unique check saw
            # a household committed after the number was read.
            taken = isinstance(exc, IntegrityError) or (
                "household_id" in getattr(exc, "error_dict", {}) and Household.objects.filter(pk=number).exists())
            if typed or not taken or attempt == NUMBER_ATTEMPTS - 1:
                raise
    audit_record(user=user, action="create", division_code=village_code, object_type="household",
                 object_id=household.household_id,
                 detail={"village": village_code, "numbered": "typed" if typed else "generated"},
                 request=request)
    households_changed([household.household_id])
    return household


def _record_update(*, user, record, village_code: str, values: dict, fields: list[str],
                   object_type: str, detail: dict, request, version: int | None, household_id: str):
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
        audit_record(user=user, action="update", division_code=village_code, object_type=object_type,
                     object_id=str(record.pk),
                     detail={**detail, "changes": changes}, request=request)
        # Re-evaluated once the edit commits (monitoring listens); a rolled-back one never.
        households_changed([household_id])
    return record


@transaction.atomic
def household_update(*, user, household: Household, values: dict, version: int | None = None,
                     request=None) -> Household:
    if "village" in values:
        village = values["village"]
        _require_edit(user, village.code if isinstance(village, Division) else village)
    return _record_update(user=user, record=household, village_code=household.village_id, values=values,
                          fields=EDITABLE_HOUSEHOLD_FIELDS, object_type="household", detail={},
                          request=request, version=version, household_id=household.household_id)


@transaction.atomic
def person_create(*, user, household: Household, values: dict, request=None) -> Person:
    from neisheng.accounts.services import audit_record

    _require_edit(user, household.village_id)
    person = Person(person_id=values["person_id"], household_id=household.household_id)
    _apply(person, values, EDITABLE_PERSON_FIELDS)
    _save(person, user, new=True)
    audit_record(user=user, action="create", division_code=household.village_id, object_type="person",
                 object_id=person.person_id,
                 detail={"household": household.household_id}, request=request)
    households_changed([household.household_id])
    return person


@transaction.atomic
def person_update(*, user, person: Person, values: dict, version: int | None = None,
                  request=None) -> Person:
    household = Household.objects.get(pk=person.household_id)
    return _record_update(user=user, record=person, village_code=household.village_id, values=values,
                          fields=EDITABLE_PERSON_FIELDS, object_type="person",
                          detail={"household": household.household_id}, request=request, version=version,
                          household_id=household.household_id)


@transaction.atomic
def ledger_item_create(*, user, household: Household, values: dict, request=None) -> IncomeItem:
    from neisheng.accounts.services import audit_record

    _require_edit(user, household.village_id)
    item = IncomeItem(household_id=household.household_id)
    _apply(item, values, EDITABLE_LEDGER_FIELDS)
    _save(item, user, new=True)
    audit_record(user=user, action="create", division_code=household.village_id, object_type="income_item",
                 object_id=str(item.pk),
                 detail={"household": household.household_id, "year": item.year, "item": item.item,
                         "amount": str(item.amount)}, request=request)
    households_changed([household.household_id])
    return item


@transaction.atomic
def ledger_item_update(*, user, item: IncomeItem, values: dict, version: int | None = None,
                       request=None) -> IncomeItem:
    household = Household.objects.get(pk=item.household_id)
    return _record_update(user=user, record=item, village_code=household.village_id, values=values,
                          fields=EDITABLE_LEDGER_FIELDS, object_type="income_item",
                          detail={"household": household.household_id}, request=request, version=version,
                          household_id=household.household_id)


@transaction.atomic
def ledger_item_delete(*, user, item: IncomeItem, version: int | None = None, request=None) -> None:
    """Delete a ledger row. Its last state stays in the history (shown as 删除 with the
    old values) and in the audit log. `version` is the version the confirmation page
    showed: a row someone changed since is not deleted unseen (EditConflict)."""
    from neisheng.accounts.services import audit_record

    household = Household.objects.get(pk=item.household_id)
    _require_edit(user, household.village_id)
    item = IncomeItem.objects.select_for_update().get(pk=item.pk)
    if version is not None:
        current = versions.record_version(item)
        if version != current:
            raise EditConflict(record=item, version=current, conflicts=[], yours={})
    _baseline_history(item, start=versions.history_start())
    old = {name: _audit_value(getattr(item, name)) for name in EDITABLE_LEDGER_FIELDS}
    item_id = item.pk
    item._history_user = user if getattr(user, "is_authenticated", False) else None
    item.delete()
    audit_record(user=user, action="delete", division_code=household.village_id, object_type="income_item",
                 object_id=str(item_id), detail={"household": household.household_id, "old": old},
                 request=request)
    households_changed([household.household_id])


# --------------------------------------------------------------------------- many records
#
# Uploads write many rows at once through the same rules as one record: role and scope,
# the model's and the contract's validation, the loaded state kept before the first
# change, and a history record for every row created or changed. All or nothing: one
# refused row refuses the lot, and every refused row is named. Lookups go by chunks of
# keys, so a few thousand rows cost a few dozen queries, not one per row and field.

QUERY_CHUNK = 2_000  # keys per IN (...) query: well under every database's parameter limit
HISTORY_BATCH = 1_000
HOUSEHOLD_UPDATE_FIELDS = [f.attname for f in Household._meta.concrete_fields if not f.primary_key]
# A member stays in the household they were registered in (as on the pages and the API).
PERSON_UPDATE_FIELDS = [f.attname for f in Person._meta.concrete_fields
                        if f.name not in ("person_id", "household", *PERSON_DERIVED_FIELDS)]


@dataclass(frozen=True)
class RowProblem:
    index: int  # position in the rows given
    column: str | None  # the contract's column
    value: object
    message_zh: str
    message_en: str


def _problem(index: int, column: str | None, value, reason: str) -> RowProblem:
    """A problem in `neisheng validate`'s words (engine.validation.REASONS)."""
    from neisheng.engine.validation import REASONS

    return RowProblem(index, column, value, *REASONS[reason])


class RowsRefused(Exception):
    """Rows a bulk write refused; nothing of the call was written."""

    def __init__(self, problems: list[RowProblem]):
        self.problems = problems
        first = problems[0]
        super().__init__(f"{len(problems)} problem(s); first: row {first.index} {first.column}: "
                         f"{first.message_en}")


def _chunks(keys: Iterable, size: int = QUERY_CHUNK):
    keys = sorted(set(keys) - {None})
    for start in range(0, len(keys), size):
        yield keys[start:start + size]


def _history_user(user):
    return user if getattr(user, "is_authenticated", False) else None


def _villages_of_households(ids: Iterable[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for chunk in _chunks(ids):
        found.update(Household.objects.filter(pk__in=chunk).values_list("pk", "village_id"))
    return found


def _known_villages(codes: Iterable[str]) -> set[str]:
    from neisheng.engine.schema import VILLAGE_LEVEL

    found: set[str] = set()
    for chunk in _chunks(codes):
        found.update(Division.objects.filter(code__in=chunk, level=VILLAGE_LEVEL).values_list("code", flat=True))
    return found


def _references(records: list, problems: list[RowProblem]) -> list[str | None]:
    """Each record's village code, the target of its foreign key checked for all records
    in a few queries (full_clean would query once per row); a missing target is a problem."""
    if records and isinstance(records[0], Household):
        known = _known_villages(r.village_id for r in records)
        for index, record in enumerate(records):
            if record.village_id is not None and record.village_id not in known:
                problems.append(_problem(index, "village_code", record.village_id, "unknown_village"))
        return [r.village_id for r in records]
    villages = _villages_of_households(r.household_id for r in records)
    for index, record in enumerate(records):
        if record.household_id is not None and record.household_id not in villages:
            problems.append(_problem(index, "household_id", record.household_id, "orphan_row"))
    return [villages.get(r.household_id) for r in records]


def _validate_many(records: list, problems: list[RowProblem], *, only: list[int] | None = None) -> None:
    """The model's full_clean and the contract's column rules for each record (foreign
    keys and keys are checked in bulk by the callers)."""
    from django.core.exceptions import NON_FIELD_ERRORS
    from django.utils import translation

    foreign_keys = [f.name for f in records[0]._meta.concrete_fields if f.is_relation] if records else []
    for index in range(len(records)) if only is None else only:
        record = records[index]
        try:
            _clean(record, validate_unique=False, exclude=foreign_keys)
        except ValidationError as exc:
            for name in exc.error_dict:
                # Django's messages are translated when read: both languages, as uploads show them.
                with translation.override("zh-hans"):
                    zh = ";".join(exc.message_dict[name])
                with translation.override("en"):
                    en = "; ".join(exc.message_dict[name])
                if name == NON_FIELD_ERRORS:
                    problems.append(RowProblem(index, None, None, zh, en))
                    continue
                value = getattr(record, record._meta.get_field(name).attname)
                problems.append(RowProblem(index, CONTRACT_COLUMN.get(name, name), value, zh, en))


def _require_edit_all(user, village_codes: Iterable[str | None]) -> None:
    for code in set(village_codes) - {None}:
        _require_edit(user, code)


def _create_many(*, user, model, rows: list[dict], change_reason: str | None) -> list:
    from simple_history.utils import bulk_create_with_history

    from neisheng.registry.lookups import ALREADY_REGISTERED

    if not rows:
        return []
    records = [model(**values) for values in rows]
    problems: list[RowProblem] = []
    _require_edit_all(user, _references(records, problems))
    pk = model._meta.pk
    if not pk.auto_created:
        # A new record with a key already taken (here or in the same call) is refused
        # with the pages' words, wherever the existing record lies.
        taken: set = set()
        for chunk in _chunks(getattr(r, pk.attname) for r in records):
            taken.update(model.objects.filter(pk__in=chunk).values_list("pk", flat=True))
        for index, record in enumerate(records):
            key = getattr(record, pk.attname)
            if key in taken:
                problems.append(RowProblem(index, pk.name, key, *ALREADY_REGISTERED))
            taken.add(key)
    _validate_many(records, problems)
    if problems:
        raise RowsRefused(sorted(problems, key=lambda p: p.index))
    bulk_create_with_history(records, model, batch_size=HISTORY_BATCH, default_user=_history_user(user),
                             default_change_reason=change_reason)
    households_changed(_households_of(records))
    return records


def _baseline_history_many(model, records: list, *, start) -> None:
    """`_baseline_history` for many rows, before any of them is changed."""
    key = model._meta.pk.attname
    recorded: set = set()
    for chunk in _chunks(r.pk for r in records):
        found = model.history.filter(**{f"{key}__in": chunk})
        if start is not None:
            found = found.filter(history_date__gte=start)
        recorded.update(found.values_list(key, flat=True).distinct())
    first_changes = [r for r in records if r.pk not in recorded]
    if first_changes:
        model.history.bulk_history_create(first_changes, batch_size=HISTORY_BATCH,
                                          default_change_reason=versions.BASELINE_REASON)


def _update_many(*, user, model, changes: list[tuple[object, dict]], fields: list[str],
                 change_reason: str | None) -> list:
    """Write `values` on each record (a model instance or its key), as `_record_update`
    does without a version: the rows locked, only changed fields written, per row."""
    pks = [getattr(record, "pk", record) for record, _ in changes]
    locked: dict = {}
    for chunk in _chunks(pks):
        locked.update((r.pk, r) for r in model.objects.select_for_update().filter(pk__in=chunk))
    problems: list[RowProblem] = []
    for index, pk in enumerate(pks):
        if pk not in locked:
            problems.append(RowProblem(index, model._meta.pk.name, pk, "系统中已没有这条记录",
                                       "the record is no longer in the registry"))
    if problems:
        raise RowsRefused(problems)
    records = [locked[pk] for pk in pks]
    # The record's village now, and the one a household moves to: both must be the user's.
    _require_edit_all(user, _references(records, problems))
    changed = [
        index for index, (record, (_, values)) in enumerate(zip(records, changes))
        if any(name in values and getattr(record, name) != versions.plain(values[name]) for name in fields)
    ]
    _baseline_history_many(model, [records[i] for i in changed], start=versions.history_start())
    for index in changed:
        _apply(records[index], changes[index][1], fields)
    if model is Household:
        _require_edit_all(user, _references(records, problems))
    _validate_many(records, problems, only=changed)
    if problems:
        raise RowsRefused(sorted(problems, key=lambda p: p.index))
    for index in changed:
        record = records[index]
        record._history_user = _history_user(user)
        record._change_reason = change_reason
        record.save()
    households_changed(_households_of([records[i] for i in changed]))
    return [records[i] for i in changed]


def _households_of(records: list) -> list[str]:
    """The households whose records these are (a household is its own), announced once
    per call: an upload of thousands of rows is re-evaluated as one batch."""
    return [r.pk if isinstance(r, Household) else r.household_id for r in records]


@transaction.atomic
def household_create_many(*, user, rows: list[dict], change_reason: str | None = None) -> list[Household]:
    """New households from rows of model attribute values (`village_id`, ...)."""
    return _create_many(user=user, model=Household, rows=rows, change_reason=change_reason)


@transaction.atomic
def household_update_many(*, user, changes: list[tuple[Household | str, dict]],
                          change_reason: str | None = None) -> list[Household]:
    """Each (household, values) written as given; returns the households that changed."""
    return _update_many(user=user, model=Household, changes=changes, fields=HOUSEHOLD_UPDATE_FIELDS,
                        change_reason=change_reason)


@transaction.atomic
def person_create_many(*, user, rows: list[dict], change_reason: str | None = None) -> list[Person]:
    from neisheng.registry.names import search_keys

    # Bulk inserts bypass Person.save(), which keeps the search keys of single writes.
    rows = [{**row, **search_keys(row.get("name"), row.get("person_id"))} for row in rows]
    return _create_many(user=user, model=Person, rows=rows, change_reason=change_reason)


@transaction.atomic
def person_update_many(*, user, changes: list[tuple[Person | str, dict]],
                       change_reason: str | None = None) -> list[Person]:
    return _update_many(user=user, model=Person, changes=changes, fields=PERSON_UPDATE_FIELDS,
                        change_reason=change_reason)


@transaction.atomic
def ledger_item_create_many(*, user, rows: list[dict], change_reason: str | None = None) -> list[IncomeItem]:
    return _create_many(user=user, model=IncomeItem, rows=rows, change_reason=change_reason)


@transaction.atomic
def ledger_item_update_many(*, user, changes: list[tuple[IncomeItem | int, dict]],
                            change_reason: str | None = None) -> list[IncomeItem]:
    return _update_many(user=user, model=IncomeItem, changes=changes, fields=EDITABLE_LEDGER_FIELDS,
                        change_reason=change_reason)


UPDATE_FIELDS = {Household: HOUSEHOLD_UPDATE_FIELDS, Person: PERSON_UPDATE_FIELDS, IncomeItem: EDITABLE_LEDGER_FIELDS}


def records_problems(*, model, rows: list[dict], changes: list[tuple[object, dict]]
                     ) -> tuple[list[RowProblem], list[RowProblem]]:
    """What the `*_create_many` and `*_update_many` services would refuse of `rows` and
    `changes` by the model's and the contract's rules, without writing anything: an
    upload's preview says so before anyone applies it. Keys, foreign keys and scope are
    the caller's to check (the upload check does so against the uploader's scope)."""
    import copy

    create_problems: list[RowProblem] = []
    _validate_many([model(**values) for values in rows], create_problems)
    update_problems: list[RowProblem] = []
    changed = []
    for record, values in changes:
        record = copy.copy(record)  # the caller's instance stays as read
        _apply(record, values, UPDATE_FIELDS[model])
        changed.append(record)
    _validate_many(changed, update_problems)
    return create_problems, update_problems
