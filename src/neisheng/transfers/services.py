"""Writes of the transfers workflow: uploads applied whole, and the registry moved
between the database and the snapshot form."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable
from pathlib import Path

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone

from neisheng.accounts.services import audit_record
from neisheng.registry.snapshots import CLI_ACTOR
from neisheng.transfers.changes import changes_delete, changes_write
from neisheng.transfers.checks import UploadCheck, check_upload
from neisheng.transfers.models import ISSUES_KEPT, ImportBatch

logger = logging.getLogger(__name__)

ERRORS_MESSAGE = "文件有错误,未导入任何数据 / the file has errors; nothing was imported"
# Files purged in passing by each new upload: enough to keep up with a county's uploads,
# few enough that an upload never waits on a backlog (`neisheng purge-uploads` clears it).
PURGE_ON_UPLOAD = 20


class ImportRefused(Exception):
    """The batch cannot be applied; `issues` says why (empty when it was already decided)."""

    def __init__(self, message: str, issues: list[dict] | None = None):
        self.issues = issues or []
        super().__init__(message)


def _record_check(batch: ImportBatch, check: UploadCheck) -> None:
    """The check's counts and problems on the batch, and its changes beside the file
    (transfers.changes) for the preview to page through."""
    batch.table = check.table or batch.table
    batch.rows = check.rows
    batch.issues = without_nul(check.issue_dicts(limit=ISSUES_KEPT))
    batch.issues_total = len(check.issues)
    batch.to_create = len(check.to_create)
    batch.to_update = len(check.to_update)
    batch.unchanged = check.unchanged
    batch.status = ImportBatch.Status.PENDING if check.ok else ImportBatch.Status.REJECTED
    changes_write(batch, check)


def without_nul(value):
    """A problem quotes the bad bytes it saw; PostgreSQL's jsonb refuses the NUL character
    (SQLite keeps it), so it is written as the two characters "\\0" on every database."""
    if isinstance(value, str):
        return value.replace("\x00", "\\0")
    if isinstance(value, list):
        return [without_nul(v) for v in value]
    if isinstance(value, dict):
        return {k: without_nul(v) for k, v in value.items()}
    return value


def import_batch_create(*, uploaded_file: UploadedFile, user, table: str | None = None) -> ImportBatch:
    """Keep the uploaded file and check it; nothing in the registry changes. Files past
    their retention are deleted in passing (a few per upload)."""
    import_batch_files_purge(limit=PURGE_ON_UPLOAD)
    batch = ImportBatch(original_name=uploaded_file.name[:255], table=table or "", uploaded_by=user)
    batch.file.save(Path(uploaded_file.name).name, uploaded_file, save=False)
    with batch.file.open("rb") as stored:
        batch.checksum = hashlib.file_digest(stored, "sha256").hexdigest()
    _record_check(batch, check_upload(path=Path(batch.file.path), user=user, table=table or None))
    batch.save()
    return batch


def _writers(table: str):
    """The registry's bulk services for one uploaded table: (create many, update many)."""
    from neisheng.registry import services

    return {
        "households": (services.household_create_many, services.household_update_many),
        "persons": (services.person_create_many, services.person_update_many),
        "income_items": (services.ledger_item_create_many, services.ledger_item_update_many),
    }[table]


def import_batch_apply(*, batch: ImportBatch, user, request=None) -> dict[str, int]:
    """Write every row of a clean batch in one transaction, through the registry's
    services (the pages' write path): the same validation, the state before the first
    change kept, a history record per row created or changed. The file is checked again
    first: the registry, or the user's scope, may have changed since the preview."""
    with transaction.atomic():
        # Lock the batch row so a double click cannot apply it twice.
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.issues or locked.issues_total:
            raise ImportRefused(ERRORS_MESSAGE, locked.issues)
        if locked.status != ImportBatch.Status.PENDING or locked.file_purged_at is not None:
            raise ImportRefused("该批次已处理,不能再次导入 / this upload has already been decided")
        # Checked against the uploader's scope: whoever may open the batch has the
        # uploader within their own division (selectors.import_batches_of), so this is
        # the narrower of the two and the rows were previewed against it.
        check = check_upload(path=Path(batch.file.path), user=locked.uploaded_by,
                             table=batch.table or None)
        if check.ok:
            try:
                # A savepoint: rows a service refuses leave nothing of this batch behind.
                with transaction.atomic():
                    counts = _apply(check, locked, user, request)
            except _RowsRefused as exc:
                check.issues = exc.issues
    if not check.ok:
        _record_check(batch, check)
        batch.save()
        raise ImportRefused(ERRORS_MESSAGE, batch.issues)
    batch.refresh_from_db()
    return counts


class _RowsRefused(Exception):
    """Rows the registry's services refused, as upload problems."""

    def __init__(self, issues: list):
        self.issues = issues
        super().__init__(f"{len(issues)} row(s) refused")


def _row_issues(rows: list[int], problems: list) -> list:
    """The services' refusals as upload problems, each at its spreadsheet row."""
    from neisheng.transfers.checks import UploadIssue, mask_person_ids

    issues = [UploadIssue(rows[p.index], p.column, None if p.value is None else str(p.value),
                          "invalid_value", (p.message_zh, p.message_en))
              for p in problems]
    return sorted(mask_person_ids(issues), key=lambda i: (i.row or 0, i.column or ""))


def _apply(check: UploadCheck, batch: ImportBatch, user, request) -> dict[str, int]:
    from neisheng.registry.services import RowsRefused

    create_many, update_many = _writers(check.table)
    reason = f"import {batch.pk}"
    for write, items, rows in ((create_many, {"rows": check.to_create}, check.create_rows),
                               (update_many, {"changes": check.to_update}, check.update_rows)):
        try:
            write(user=user, change_reason=reason, **items)
        except RowsRefused as exc:
            raise _RowsRefused(_row_issues(rows, exc.problems)) from exc
    counts = {"created": len(check.to_create), "updated": len(check.to_update),
              "unchanged": check.unchanged}
    _record_check(batch, check)
    batch.status = ImportBatch.Status.APPLIED
    batch.applied_at = timezone.now()
    batch.save()
    # The batch lies in its uploader's division (the scope it is opened and checked in).
    audit_record(user=user, action="import", division_code=getattr(batch.uploaded_by, "division_id", None) or "",
                 object_type=check.table, object_id=str(batch.pk),
                 detail={"file": batch.original_name, "table": check.table, **counts}, request=request)
    return counts


def import_batch_discard(*, batch: ImportBatch) -> ImportBatch:
    if batch.status == ImportBatch.Status.PENDING:
        batch.status = ImportBatch.Status.REJECTED
        batch.save(update_fields=["status"])
    return batch


@transaction.atomic
def import_batch_files_purge(*, now: dt.datetime | None = None, retention_days: int | None = None,
                             limit: int | None = None) -> int:
    """Delete the files of uploads decided more than `retention_days` ago (the policy's
    uploads.retention_days by default): applied ones counted from when they were applied,
    rejected ones from their upload. A pending upload left that long is abandoned: it is
    rejected and its file deleted too. The batch row stays, with who, when, the counts
    and the checksum; only the file goes, because it holds full ID numbers. Returns how
    many files were deleted."""
    if retention_days is None:
        from neisheng.policy import load_policy

        retention_days = load_policy().upload_retention_days
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=retention_days)
    due = ImportBatch.objects.filter(file_purged_at__isnull=True).filter(
        Q(status=ImportBatch.Status.APPLIED, applied_at__lt=cutoff)
        | Q(status__in=[ImportBatch.Status.REJECTED, ImportBatch.Status.PENDING], created_at__lt=cutoff)
    ).only("pk", "file", "status").order_by("pk")
    # A batch being applied right now is left for the next run rather than waited for.
    due = due.select_for_update(skip_locked=True)
    purged = 0
    for batch in due[:limit] if limit else due:
        if batch.file.name:
            try:
                changes_delete(batch)
                batch.file.delete(save=False)
            except OSError as exc:
                # Left for the next run; one unreadable folder must not stop an upload.
                logger.warning("upload %s: file not deleted: %s", batch.pk, exc)
                continue
        batch.file = ""
        batch.file_purged_at = now
        if batch.status == ImportBatch.Status.PENDING:
            batch.status = ImportBatch.Status.REJECTED
        batch.save(update_fields=["file", "file_purged_at", "status"])
        purged += 1
    return purged


# ---- The whole registry as a snapshot ----------------------------------------------

class SnapshotImportError(Exception):
    """A snapshot that may not be loaded; the message is one sentence for the user."""


Progress = Callable[[str, int, int], None]


def registry_is_empty() -> bool:
    from neisheng.registry.models import Division, Household

    return not Household.objects.exists() and not Division.objects.exists()


def snapshot_import(*, directory: Path, replace: bool = False, progress: Progress | None = None,
                    user=None) -> dict[str, int]:
    """Validate a snapshot folder (every problem, raising SnapshotInvalid, before anything
    is written) and load it, all or nothing. `progress(table, done, total)` is called as
    rows go in. Without `replace` the database must not hold a registry yet."""
    from neisheng.engine.validation import load_snapshot
    from neisheng.registry.services import registry_load_tables

    # Refused before validating: a county's snapshot takes a while to check.
    if not replace and not registry_is_empty():
        raise SnapshotImportError(
            "数据库中已有登记数据,如需整体替换请使用 --replace / "
            "the database already holds a registry; use --replace"
        )
    if progress:
        progress("validating", 0, 1)
    tables = load_snapshot(Path(directory))
    if progress:
        progress("validating", 1, 1)
    totals = {name: t.num_rows for name, t in tables.items()}

    def report(table: str, done: int) -> None:
        if progress:
            progress(table, done, totals.get(table, done))

    with transaction.atomic():
        assignments = _detach_users(tables) if replace else {}
        try:
            counts = registry_load_tables(tables=tables, replace=replace, progress=report)
        except ProtectedError as exc:
            blockers = sorted({type(o)._meta.verbose_name for o in exc.protected_objects})
            raise SnapshotImportError(
                f"其他记录仍引用现有登记数据,无法整体替换 / records of {', '.join(map(str, blockers))} "
                "still refer to the registry, so it cannot be replaced"
            ) from exc
        _reattach_users(assignments)
        # The whole registry: no one division.
        audit_record(user=user or CLI_ACTOR, action="import", division_code="", object_type="snapshot",
                     detail={"directory": str(directory), "replace": replace, **counts})
    return counts


def _detach_users(tables) -> dict[int, str]:
    """Users keep their division across a replace, provided the new snapshot still has it;
    their division link is lifted while the old divisions are deleted."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.exclude(division__isnull=True)
    assignments = dict(users.values_list("pk", "division_id"))
    new_codes = set(tables["divisions"].column("code").to_pylist())
    lost = sorted({code for code in assignments.values() if code not in new_codes})
    if lost:
        raise SnapshotImportError(
            f"{len(lost)} 个用户所属区划不在新快照中(如 {lost[0]}),请先调整用户 / "
            f"users are assigned to {len(lost)} division(s) missing from the snapshot "
            f"(e.g. {lost[0]}); reassign them first"
        )
    users.update(division=None)
    return assignments


def _reattach_users(assignments: dict[int, str]) -> None:
    from django.contrib.auth import get_user_model

    by_division: dict[str, list[int]] = {}
    for pk, code in assignments.items():
        by_division.setdefault(code, []).append(pk)
    for code, pks in by_division.items():
        get_user_model().objects.filter(pk__in=pks).update(division_id=code)
