"""Who changed which field of a household, its members and ledger rows, and when."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext

from neisheng.engine import schema
from neisheng.registry.models import Household, IncomeItem, Person

# Uploads name their batch as the change reason (transfers.services: "import <batch id>").
IMPORT_REASON = re.compile(r"import (\d+)")
# Activities that carry measures out name themselves "<活动名> #<id>" (assistance.services):
# the name is a msgid of context "change", the number the activity's.
ACTIVITY_REASON = re.compile(r"(\S+) #(\d+)")


@dataclass
class Change:
    at: dt.datetime
    user: str
    what: str  # what_label and what_data together, in the page's language
    kind: str  # a msgid of context "change": 新增, 修改, 删除, 导入, 导入时状态
    fields: list[tuple[str, str, str]]  # (label, old, new) in the page's language; "—" for none
    what_label: str = ""  # 农户信息, 成员, 台账 (translated)
    what_data: str = ""  # the member's name and masked ID number, the ledger row's year and item
    batch: int | None = None  # the upload that made the change
    activity: int | None = None  # the activity (training, placement ...) that made the change


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
        return gettext("是") if value else gettext("否")
    return str(value)


def _label(model, field_name: str) -> str:
    try:
        return str(model._meta.get_field(field_name).verbose_name)
    except Exception:  # noqa: BLE001
        return field_name


HISTORY_LIMIT = 200
# The ID number is the key (shown masked in the record's name); the person's opaque key and
# the derived search keys (given name, the ID number's last digits reversed) are not facts
# anyone changed, and the reversed digits would show six digits of the ID number unmasked.
HIDDEN_FIELDS = {"person_id", "key", "given_name", "id_suffix_reversed"}
KIND_OF = {"+": "新增", "~": "修改", "-": "删除"}


def _describe(model, record, mask) -> tuple[str, str]:
    """(label, data) naming the record: 成员 + name and masked ID, 台账 + year and item."""
    if model is Household:
        return gettext("农户信息"), ""
    if model is Person:
        return gettext("成员"), f"{record.name}({mask(record.person_id)})"
    item = schema.ITEM_LABELS.get(record.item)
    return gettext("台账"), f"{record.year} {gettext(item) if item else record.item}"


def _values(model, record, fields: list[str], *, created: bool) -> list[tuple[str, str, str]]:
    """A created record's values as (label, —, value), a deleted one's as (label, value, —):
    the history names what a row held when it appeared or went, not only that it did."""
    shown = []
    for name in fields:
        value = getattr(record, model._meta.get_field(name).attname)
        if value is None or value == "":
            continue
        text = _shown(model, name, value)
        shown.append((_label(model, name), "—", text) if created else (_label(model, name), text, "—"))
    return shown


def change_history(household: Household, *, mask=lambda s: s) -> list[Change]:
    """Who changed which field of the household, its members and ledger rows, from
    what to what and when, newest first: a created record with the values it was given,
    a deleted one with the values it held, an upload's changes as 导入 with its batch.
    Consecutive versions of each record are compared in Python, so the whole history
    costs three queries.

    The history starts at the latest snapshot load: after `import-snapshot --replace` a
    household number may name another family, whose page must not show the replaced
    family's members. Their records stay in the database for auditors."""
    from neisheng.registry.versions import BASELINE_REASON, history_start

    start = history_start()
    sources = [
        (Household, Household.history.filter(household_id=household.household_id)),
        (Person, Person.history.filter(household_id=household.household_id)),
        (IncomeItem, IncomeItem.history.filter(household_id=household.household_id)),
    ]
    changes: list[Change] = []
    for model, records in sources:
        if start is not None:
            records = records.filter(history_date__gte=start)
        records = list(records.select_related("history_user").order_by("history_date", "history_id")[:HISTORY_LIMIT])
        previous: dict = {}
        fields = [f.name for f in model._meta.concrete_fields
                  if f.name not in HIDDEN_FIELDS and not f.primary_key
                  and not (model is not Household and f.name == "household")]
        key_field = model._meta.pk.attname
        for record in records:
            key = getattr(record, key_field)
            before = previous.get(key)
            reason = record.history_change_reason or ""
            if record.history_type == "~" and reason != BASELINE_REASON:
                diffs = []
                if before is not None:
                    for name in fields:
                        attname = model._meta.get_field(name).attname
                        old, new = getattr(before, attname), getattr(record, attname)
                        if old != new:
                            diffs.append((_label(model, name), _shown(model, name, old), _shown(model, name, new)))
                    if not diffs:
                        previous[key] = record
                        continue
            elif record.history_type in "+-" and reason != BASELINE_REASON:
                diffs = _values(model, record, fields, created=record.history_type == "+")
            else:
                diffs = []
            kind = KIND_OF[record.history_type]
            batch = activity = None
            imported = IMPORT_REASON.fullmatch(reason)
            by_activity = ACTIVITY_REASON.fullmatch(reason)
            if imported:
                kind, batch = "导入", int(imported.group(1))
            elif by_activity:
                kind, activity = by_activity.group(1), int(by_activity.group(2))
            elif reason:
                kind = reason
            user = record.history_user
            label, data = _describe(model, record, mask)
            changes.append(Change(
                at=record.history_date,
                user=(str(user) if user else gettext("系统")),
                what=f"{label} {data}".strip(),
                kind=kind,
                fields=diffs,
                what_label=label,
                what_data=data,
                batch=batch,
                activity=activity,
            ))
            previous[key] = record
    changes.sort(key=lambda c: c.at, reverse=True)
    return changes
