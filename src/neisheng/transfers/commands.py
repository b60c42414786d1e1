"""CLI commands of the transfers workflow (listed in neisheng.cli.COMMAND_MODULES).
Django is imported inside each command so other commands start fast."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from neisheng.console import UserError, django_ready, stderr_console

COMMANDS: list[click.Command] = []


def _counts_line(counts: dict[str, int]) -> str:
    return (
        f"{counts.get('divisions', 0)} 区划 divisions, {counts.get('households', 0)} 户 households, "
        f"{counts.get('persons', 0)} 人 persons, {counts.get('income_items', 0)} 条台账 ledger rows"
    )


LABELS = {
    "validating": "校验 validating",
    "households": "农户 households",
    "persons": "家庭成员 persons",
    "income_items": "收支台账 ledger",
    "indexes": "建索引 indexes and keys",
}


@click.command("import-snapshot")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--replace", is_flag=True, help="empty the registry first and load the snapshot in its place")
def import_snapshot(directory: Path, replace: bool) -> None:
    """Load a registry snapshot folder into the platform's database, all or nothing."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    django_ready()
    from neisheng.engine.validation import SnapshotInvalid
    from neisheng.transfers.services import SnapshotImportError, snapshot_import

    if not directory.is_dir():
        raise UserError(f"{directory}: 快照目录不存在 / the snapshot folder does not exist")
    started = time.perf_counter()
    tasks: dict[str, int] = {}
    with Progress(
        "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), transient=True, disable=not sys.stderr.isatty(),
        console=stderr_console(),
    ) as bar:
        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(LABELS.get(stage, stage), total=total)
            bar.update(tasks[stage], completed=done, total=total)

        try:
            counts = snapshot_import(directory=directory, replace=replace, progress=progress)
        except SnapshotInvalid as exc:
            for issue in exc.issues[:20]:
                click.echo(str(issue), err=True)
            raise UserError(
                f"{exc.issues[0]}; 共 {len(exc.issues)} 个问题,未写入任何数据 / "
                f"{len(exc.issues)} problems in total, nothing written (see `neisheng validate`)"
            ) from exc
        except SnapshotImportError as exc:
            raise UserError(str(exc)) from exc
    click.echo(f"已导入 / imported {directory}: {_counts_line(counts)} "
               f"({time.perf_counter() - started:.1f} s)")


@click.command("export-snapshot")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["parquet", "csv", "xlsx"]), default="parquet",
              show_default=True)
@click.option("--headers", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="column headers (and labels) of CSV or Excel output")
def export_snapshot(directory: Path, fmt: str, headers: str) -> None:
    """Write the platform's whole registry as a snapshot folder."""
    django_ready()
    from neisheng.engine.catalog import SnapshotFileError
    from neisheng.registry.snapshots import snapshot_export

    started = time.perf_counter()
    try:
        counts = snapshot_export(directory=directory, fmt=fmt, headers=headers)
    except SnapshotFileError as exc:
        raise UserError(f"{exc.path}: {exc.message_zh} / {exc.message_en}") from exc
    except OSError as exc:
        raise UserError(f"{directory}: 无法写入 / cannot write: {exc.strerror or exc}") from exc
    click.echo(f"已导出 / exported {directory} ({fmt}, {headers}): {_counts_line(counts)} "
               f"({time.perf_counter() - started:.1f} s)")


@click.command("purge-uploads")
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False, path_type=Path),
              help="policy YAML whose uploads.retention_days applies (default: the built-in policy)")
def purge_uploads(policy_path: Path | None) -> None:
    """Delete uploaded files past their retention period (they hold full ID numbers);
    the record of each upload stays. Run it daily, e.g. from cron."""
    from neisheng.policy import PolicyError, load_policy

    try:
        policy = load_policy(policy_path)
    except PolicyError as exc:
        raise UserError(str(exc)) from exc
    django_ready()
    from neisheng.transfers.services import import_batch_files_purge

    purged = import_batch_files_purge(retention_days=policy.upload_retention_days)
    click.echo(f"已删除 {purged} 个超过 {policy.upload_retention_days} 天的上传文件 / "
               f"deleted {purged} uploaded file(s) older than {policy.upload_retention_days} days")


COMMANDS.extend([import_snapshot, export_snapshot, purge_uploads])
