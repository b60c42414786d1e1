"""Writes of the transfers workflow: uploads applied whole, and the registry moved
between the database and the snapshot form."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone

from neisheng.accounts.services import audit_record
from neisheng.transfers.checks import UploadCheck, check_upload
from neisheng.transfers.models import ISSUES_KEPT, ImportBatch

logger = logging.getLogger(__name__)

CLI_ACTOR = SimpleNamespace(username="cli", is_authenticated=False)
HISTORY_BATCH = 1_000
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
    batch.table = check.table or batch.table
    batch.rows = check.rows
    batch.issues = check.issue_dicts(limit=ISSUES_KEPT)
    batch.issues_total = len(check.issues)
    batch.to_create = len(check.to_create)
    batch.to_update = len(check.to_update)
    batch.unchanged = check.unchanged
    batch.status = ImportBatch.Status.PENDING if check.ok else ImportBatch.Status.REJECTED


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


def _model_for(table: str):
    from neisheng.registry.models import Household, IncomeItem, Person

    return {"households": Household, "persons": Person, "income_items": IncomeItem}[table]


def import_batch_apply(*, batch: ImportBatch, user, request=None) -> dict[str, int]:
    """Write every row of a clean batch in one transaction, with a history record per row
    created or changed. The file is checked again first: the registry, or the user's
    scope, may have changed since the preview."""
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
            counts = _apply(check, locked, user, request)
    if not check.ok:
        _record_check(batch, check)
        batch.save()
        raise ImportRefused(ERRORS_MESSAGE, batch.issues)
    batch.refresh_from_db()
    return counts


def _apply(check: UploadCheck, batch: ImportBatch, user, request) -> dict[str, int]:
    from simple_history.utils import bulk_create_with_history

    model = _model_for(check.table)
    reason = f"import {batch.pk}"
    bulk_create_with_history([model(**values) for values in check.to_create], model,
                             batch_size=HISTORY_BATCH, default_user=user, default_change_reason=reason)
    # Updates go one row at a time so each change gets its own history record.
    for instance, values in check.to_update:
        for name, value in values.items():
            setattr(instance, name, value)
        instance._history_user = user
        instance._change_reason = reason
        instance.save()
    counts = {"created": len(check.to_create), "updated": len(check.to_update),
              "unchanged": check.unchanged}
    _record_check(batch, check)
    batch.status = ImportBatch.Status.APPLIED
    batch.applied_at = timezone.now()
    batch.save()
    audit_record(user=user, action="import", object_type=check.table, object_id=str(batch.pk),
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


def snapshot_export(*, directory: Path, user=None, fmt: str = "parquet", headers: str = "en") -> dict[str, int]:
    """Write the four contract tables from the database (everything, or what lies under
    `user`'s division) as a snapshot folder; returns rows per table."""
    from neisheng.engine.catalog import write_snapshot
    from neisheng.transfers.selectors import registry_tables

    tables = registry_tables(user=user)
    write_snapshot(tables, Path(directory), fmt=fmt, headers=headers)
    counts = {name: t.num_rows for name, t in tables.items()}
    audit_record(user=user or CLI_ACTOR, action="export", object_type="snapshot",
                 detail={"directory": str(directory), "format": fmt, "headers": headers, **counts})
    return counts


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
        audit_record(user=user or CLI_ACTOR, action="import", object_type="snapshot",
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
