"""What applying an upload changes, field by field, for the preview (old → new per record).

The check (transfers.checks) knows every record to create or change; the preview pages
through them. They are kept beside the uploaded file as JSON lines, one record a line,
written as the check runs and read a page at a time, so neither a large file nor a
large batch is ever held whole by a page (the batch row keeps only counts). The file
goes with the upload when its retention ends (services.import_batch_files_purge): it
holds what the upload held. Person ID numbers are written masked.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from pathlib import Path

from django.utils.translation import gettext

from neisheng.accounts.masking import mask_id_number
from neisheng.engine.schema import ITEM_LABELS, TABLES

SUFFIX = ".changes.jsonl"
# Model attribute names that differ from the contract's column names.
COLUMN_OF = {"village_id": "village_code"}


def changes_path(batch) -> Path | None:
    """Where the batch's changes are kept (None once its file is gone)."""
    if not batch.file.name or batch.file_purged_at is not None:
        return None
    return Path(batch.file.path + SUFFIX)


def _plain(value):
    if isinstance(value, (dt.date, Decimal)):
        return str(value)
    return value


def _record_name(table: str, values: dict) -> list:
    """The record as a cadre knows it: a household number, a member's name and masked ID
    number, a ledger row's household, year and item (named on display, in its language)."""
    if table == "persons":
        return [values.get("name") or "", mask_id_number(values.get("person_id") or "")]
    if table == "income_items":
        return [values.get("household_id"), values.get("year"), values.get("item")]
    return [values.get("household_id") or ""]


def _record_shown(table: str, parts: list) -> str:
    if table == "persons":
        return f"{parts[0]}({parts[1]})"
    if table == "income_items":
        label = ITEM_LABELS.get(parts[2])
        return f"{parts[0]} {parts[1]} {gettext(label) if label else parts[2]}"
    return str(parts[0])


def _entries(check) -> Iterator[dict]:
    """Each record to create (every value given) or change (the fields that differ), in
    file order."""
    table = check.table
    columns = TABLES[table].column_names
    planned = [(row, "create", None, values) for row, values in zip(check.create_rows, check.to_create)]
    planned += [(row, "update", instance, values)
                for row, (instance, values) in zip(check.update_rows, check.to_update)]
    planned.sort(key=lambda entry: entry[0])
    for row, action, instance, values in planned:
        fields = []
        for attname, new in values.items():
            column = COLUMN_OF.get(attname, attname)
            if column not in columns or column == "person_id":
                continue
            old = getattr(instance, attname) if instance is not None else None
            if instance is not None and old == new:
                continue
            if instance is None and new in (None, ""):
                continue
            fields.append([column, _plain(old), _plain(new)])
        shown = {COLUMN_OF.get(k, k): v for k, v in values.items()}
        if instance is not None:
            shown = {**{c: getattr(instance, c, None) for c in ("name", "person_id", "household_id")}, **shown}
        yield {"row": row, "action": action, "record": _record_name(table, shown), "fields": fields}


def changes_write(batch, check) -> None:
    """Keep what applying `check` would do, replacing what was kept before."""
    path = changes_path(batch)
    if path is None:
        return
    if not check.ok or check.table is None:
        path.unlink(missing_ok=True)
        return
    with path.open("w", encoding="utf-8") as out:
        for entry in _entries(check):
            out.write(json.dumps(entry, ensure_ascii=False, default=str))
            out.write("\n")


def changes_delete(batch) -> None:
    path = changes_path(batch)
    if path is not None:
        path.unlink(missing_ok=True)


@dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class RecordChange:
    row: int
    action: str  # create | update
    record: str  # the household number, member or ledger row (data, the item in the page's language)
    fields: list[FieldChange]


def _shown(table: str, column: str, value) -> str:
    if value is None or value == "":
        return "—"
    spec = TABLES[table].column(column)
    if column == "item":
        label = ITEM_LABELS.get(value)
        return gettext(label) if label else str(value)
    if spec.choices and value in spec.choices:
        return gettext(spec.choices[value])
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    return str(value)


def changes_page(batch, *, start: int, count: int) -> list[RecordChange]:
    """Records `start` to `start + count` (0-based), in the page's language. Reads the
    lines before `start` without keeping them: memory stays one page."""
    path = changes_path(batch)
    if path is None or not path.exists():
        return []
    table = batch.table
    shown = []
    with path.open(encoding="utf-8") as lines:
        for line in islice(lines, start, start + count):
            entry = json.loads(line)
            shown.append(RecordChange(
                row=entry["row"], action=entry["action"], record=_record_shown(table, entry["record"]),
                fields=[FieldChange(gettext(TABLES[table].column(column).zh), _shown(table, column, old),
                                    _shown(table, column, new))
                        for column, old, new in entry["fields"]],
            ))
    return shown
