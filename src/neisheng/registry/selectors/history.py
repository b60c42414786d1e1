"""Who changed which field of a household, its members and ledger rows, and when."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from neisheng.engine import schema
from neisheng.registry.models import Household, IncomeItem, Person


@dataclass
class Change:
    at: dt.datetime
    user: str
    what: str
    kind: str
    fields: list[tuple[str, str, str]]


def _shown(model, field_name: str, value) -> str:
    if value is None or value == "":
        return "—"
    try:
        model_field = model._meta.get_field(field_name)
    except Exception:  # noqa: BLE001 - history-only fields have no label
        return str(value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _label(model, field_name: str) -> str:
    try:
        return str(model._meta.get_field(field_name).verbose_name)
    except Exception:  # noqa: BLE001
        return field_name


HISTORY_LIMIT = 200
HIDDEN_FIELDS = {"person_id", "key"}


def change_history(household: Household, *, mask=lambda s: s) -> list[Change]:
    """Who changed which field of the household, its members and ledger rows, from
    what to what and when, newest first. Consecutive versions of each record are
    compared in Python, so the whole history costs three queries.

    The history starts at the latest snapshot load: after `import-snapshot --replace` a
    household number may name another family, whose page must not show the replaced
    family's members. Their records stay in the database for auditors."""
    from neisheng.registry.versions import history_start

    start = history_start()
    sources = [
        (Household, Household.history.filter(household_id=household.household_id), lambda r: "农户信息"),
        (Person, Person.history.filter(household_id=household.household_id),
         lambda r: f"成员 {r.name}({mask(r.person_id)})"),
        (IncomeItem, IncomeItem.history.filter(household_id=household.household_id),
         lambda r: f"台账 {r.year} {schema.ITEM_LABELS.get(r.item, r.item)}"),
    ]
    changes: list[Change] = []
    for model, records, describe in sources:
        if start is not None:
            records = records.filter(history_date__gte=start)
        records = list(records.select_related("history_user").order_by("history_date", "history_id")[:HISTORY_LIMIT])
        previous: dict = {}
        fields = [f.name for f in model._meta.concrete_fields
                  if f.name not in HIDDEN_FIELDS and not f.primary_key]
        key_field = model._meta.pk.attname
        for record in records:
            key = getattr(record, key_field)
            before = previous.get(key)
            diffs = []
            if record.history_type == "~" and before is not None:
                for name in fields:
                    attname = model._meta.get_field(name).attname
                    old, new = getattr(before, attname), getattr(record, attname)
                    if old != new:
                        diffs.append((_label(model, name), _shown(model, name, old), _shown(model, name, new)))
                if not diffs:
                    previous[key] = record
                    continue
            kind = {"+": "新增", "~": "修改", "-": "删除"}[record.history_type]
            if record.history_change_reason:
                kind = record.history_change_reason
            user = record.history_user
            changes.append(Change(
                at=record.history_date,
                user=(str(user) if user else "系统"),
                what=describe(record),
                kind=kind,
                fields=diffs,
            ))
            previous[key] = record
    changes.sort(key=lambda c: c.at, reverse=True)
    return changes
