"""Versions of registry records, so that two people editing the same record never
silently undo each other's change (optimistic locking), and where a record's history
begins.

Every change made through the platform leaves a simple_history record, so a record's
version is the id of its latest history record since the registry was last loaded from
a snapshot (0 when there is none). A form or an API client sends back the version it
read. When the record has changed since, the state at that version tells which fields
each side changed: fields only one side changed are merged, and a field both changed
to different values is refused, naming who set it to what and when.

A snapshot load (`import-snapshot`, `--replace` included) gives every record a new
beginning: a household number may then name another family, so its history before the
load is not that household's. Those records stay in the database for auditors; pages
and versions count only what came after.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

# The change reason of the record that keeps a bulk-loaded row's state before its first
# change (registry.services); the change history shows it as the kind of change.
BASELINE_REASON = "导入时状态"
VERSION_ANNOTATION = "history_version"


def history_start() -> dt.datetime | None:
    """When the registry was last loaded whole from a snapshot (None: never through the
    platform). Every snapshot load is audited once, after its rows are in."""
    from neisheng.accounts.models import AuditEvent

    return (AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT, object_type="snapshot")
            .order_by("-id").values_list("at", flat=True).first())


def history_of(model, pk, *, start: dt.datetime | None):
    """The history records of one row since `start`."""
    records = model.history.filter(**{model._meta.pk.attname: pk})
    return records.filter(history_date__gte=start) if start is not None else records


def record_version(record, *, start: dt.datetime | None = None, known_start: bool = False) -> int:
    """The version of `record` as a client should send it back: from the list query's
    annotation when there is one, otherwise one indexed query."""
    annotated = getattr(record, VERSION_ANNOTATION, None)
    if annotated is not None:
        return annotated
    if not known_start:
        start = history_start()
    latest = (history_of(type(record), record.pk, start=start).order_by("-history_id")
              .values_list("history_id", flat=True).first())
    return latest or 0


def with_versions(queryset):
    """`queryset` with each row's version, so a page of fifty costs no extra queries."""
    model = queryset.model
    latest = (history_of(model, OuterRef("pk"), start=history_start()).order_by("-history_id")
              .values("history_id")[:1])
    return queryset.annotate(**{VERSION_ANNOTATION: Coalesce(Subquery(latest, output_field=IntegerField()), 0)})


# --------------------------------------------------------------------------- conflicts


@dataclass
class Conflict:
    field: str
    label: str
    yours: object
    theirs: object
    yours_shown: str
    theirs_shown: str
    by: str
    at: dt.datetime | None

    def sentence_zh(self) -> str:
        who = self.by or "其他用户"
        when = f"于 {timezone.localtime(self.at):%Y-%m-%d %H:%M} " if self.at else ""
        return f"{self.label}:您填写“{self.yours_shown}”,{who} {when}已改为“{self.theirs_shown}”"

    def as_json(self) -> dict:
        return {"field": self.field, "yours": _json(self.yours), "theirs": _json(self.theirs),
                "changed_by": self.by, "changed_at": self.at.isoformat() if self.at else None}


class EditConflict(Exception):
    """A save refused because someone else changed the same field since the form or the
    API client read the record. `record` is the record as it now is, `version` its
    version, `yours` the fields the refused save changed (to offer them again)."""

    message_zh = "未保存:您打开后,其他人修改了同一项目,请核对下列内容后再保存"
    message_en = "not saved: someone else changed the same field since you read the record"

    def __init__(self, *, record, version: int, conflicts: list[Conflict], yours: dict):
        self.record, self.version, self.conflicts, self.yours = record, version, conflicts, yours
        super().__init__(f"{self.message_zh} / {self.message_en}")


def _json(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def plain(value):
    """A submitted value as the row stores it (a division object as its code)."""
    return getattr(value, "pk", value) if hasattr(value, "_meta") else value


def _state(model, row, fields: list[str]) -> dict:
    return {name: getattr(row, model._meta.get_field(name).attname) for name in fields}


def _label(model, name: str) -> str:
    # Verbose names read "住房安全 housing": the form page shows the Chinese part.
    return str(model._meta.get_field(name).verbose_name).split(" ", 1)[0]


def _shown(model, name: str, value) -> str:
    if value is None or value == "":
        return "空"
    field = model._meta.get_field(name)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _base_state(model, pk, version: int, start, fields: list[str]) -> dict | None:
    """The row as the client read it at `version`; None when that cannot be known (a
    version of another record, or a row changed by an upload before any edit)."""
    if version:
        record = model.history.filter(history_id=version, **{model._meta.pk.attname: pk}).first()
    else:
        record = history_of(model, pk, start=start).order_by("history_id").first()
        if record is not None and record.history_change_reason != BASELINE_REASON:
            record = None
    return _state(model, record, fields) if record is not None else None


def values_to_write(record, *, values: dict, fields: list[str], version: int) -> dict:
    """The part of `values` to write on `record` (locked by the caller), given that the
    client read it at `version`: everything when nothing changed since; otherwise only
    the fields the client changed, refusing (EditConflict) when someone else changed
    one of them too, to another value."""
    model = type(record)
    start = history_start()
    current_version = record_version(record, start=start, known_start=True)
    if version == current_version:
        return values
    current = _state(model, record, fields)
    base = _base_state(model, record.pk, version, start, fields)
    yours = {name: value for name, value in values.items()
             if name in fields and (base is None or plain(value) != base[name])}
    theirs = {name for name in fields if base is None or base[name] != current[name]}
    clashing = [name for name in yours if name in theirs and plain(yours[name]) != current[name]]
    if clashing:
        changed_by = _who_changed(model, record.pk, version, start, fields)
        conflicts = []
        for name in clashing:
            who, when = changed_by.get(name, ("", None))
            conflicts.append(Conflict(
                field=name, label=_label(model, name), yours=plain(yours[name]), theirs=current[name],
                yours_shown=_shown(model, name, plain(yours[name])),
                theirs_shown=_shown(model, name, current[name]), by=who, at=when,
            ))
        raise EditConflict(record=record, version=current_version, conflicts=conflicts, yours=yours)
    return yours


def _who_changed(model, pk, version: int, start, fields: list[str]) -> dict[str, tuple[str, dt.datetime]]:
    """For each field, who last changed it after `version`, and when."""
    records = history_of(model, pk, start=start).filter(history_id__gt=version)
    previous = None
    if version:
        previous = model.history.filter(history_id=version, **{model._meta.pk.attname: pk}).first()
    found: dict[str, tuple[str, dt.datetime]] = {}
    for record in records.select_related("history_user").order_by("history_id"):
        for name in fields:
            attname = model._meta.get_field(name).attname
            if previous is None or getattr(previous, attname) != getattr(record, attname):
                found[name] = (str(record.history_user) if record.history_user else "系统", record.history_date)
        previous = record
    return found
