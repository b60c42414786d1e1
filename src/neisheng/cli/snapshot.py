"""The commands on snapshot folders, no database needed: synth, validate, convert and
monitor. Heavy libraries are imported inside each command, so `neisheng --help` and a
monitoring run do not pay for what they do not use."""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import click

from neisheng.console import UserError, cell, synthesize, width
from neisheng.engine import schema

MAX_ISSUES_SHOWN_DEFAULT = 200


@click.command()
@click.option("--households", type=click.IntRange(min=1), default=20_000, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--year", type=click.IntRange(2000, 2100), default=2026, show_default=True)
@click.option("--county", "county_code", default="500237", show_default=True,
              help="GB/T 2260 county code (default 500237 巫山县, 重庆市)")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--format", "fmt", type=click.Choice(["parquet", "csv", "xlsx"]), default="parquet",
              show_default=True)
@click.option("--headers", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="column headers (and labels) of CSV or Excel output")
@click.option("--effect", "effects", multiple=True, metavar="MEASURE=SHARE",
              help="plant a known effect: households receiving MEASURE in the year before --year "
                   "gain SHARE (0-1) of last year's net income (repeatable); writes "
                   "measures_received.parquet beside the tables")
def synth(households: int, seed: int, year: int, county_code: str, out_dir: Path, fmt: str,
          headers: str, effects: tuple[str, ...]) -> None:
    """Build a synthetic county's registry snapshot (deterministic for a seed)."""
    from neisheng.synth.divisions import CountyTooLarge

    planted = _effects_parse(effects)
    try:
        tables = synthesize(households=households, seed=seed, year=year, county_code=county_code)
    except CountyTooLarge as exc:
        raise UserError(f"--households {households}: 一个县的区划代码编不下这么多户,请分成几个县生成 / "
                        f"{exc}; synthesize a province as several counties") from exc
    received = None
    if planted:
        from neisheng.synth.effects import plant_effects

        tables, received = plant_effects(tables, effects=planted, seed=seed, year=year)
    _write(tables, out_dir, fmt, headers, received=received)
    more = f", {received.num_rows} 项植入措施 planted measures" if received is not None else ""
    click.echo(
        f"已生成 / written {out_dir}: {tables['households'].num_rows} 户 households, "
        f"{tables['persons'].num_rows} 人 persons, {tables['income_items'].num_rows} 条台账 ledger rows"
        f"{more}"
    )


def _effects_parse(effects: tuple[str, ...]) -> dict[str, float]:
    from neisheng.synth.effects import EffectError, effects_check

    planted: dict[str, float] = {}
    for text in effects:
        measure, sep, share_text = text.partition("=")
        try:
            share = float(share_text)
        except ValueError:
            share = None
        if not sep or share is None:
            raise UserError(f"--effect {text}: 应写作 措施=比例,如 skills_training=0.15 / "
                            "write MEASURE=SHARE, e.g. skills_training=0.15")
        if measure.strip() in planted:
            raise UserError(f"--effect {text}: 同一措施只能给一次 / give each measure once")
        planted[measure.strip()] = share
    try:
        effects_check(planted)
    except EffectError as exc:
        raise UserError(f"--effect {exc}") from exc
    return planted


def _write(tables, out_dir: Path, fmt: str, headers: str, *, received=None) -> None:
    from neisheng.engine.catalog import SnapshotFileError, write_snapshot

    with _staged(out_dir) as staging:
        try:
            write_snapshot(tables, staging, fmt=fmt, headers=headers)
        except SnapshotFileError as exc:
            raise UserError(f"{out_dir / exc.path.name}: {exc.message_zh} / {exc.message_en}") from exc
        if received is not None:
            import pyarrow.parquet as pq

            from neisheng.synth.effects import RECEIVED_FILE

            # Always Parquet: it is the truth to check an evaluation against, not a
            # registry table anyone edits, and `validate` looks only for the four tables.
            pq.write_table(received, staging / RECEIVED_FILE)


@contextmanager
def _staged(out_dir: Path):
    """A hidden folder in or beside `out_dir` to write into; its files move into `out_dir` only
    when the block succeeds, so a failed run leaves nothing behind (no half-written folder,
    no earlier results overwritten by a partial set)."""
    import shutil
    import tempfile

    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"{out_dir}: 已存在同名文件,不是文件夹 / exists and is not a folder")
    # Inside an existing folder, or beside a new one: on the same file system either way,
    # so the final moves are renames.
    parent = out_dir if out_dir.is_dir() else out_dir.absolute().parent
    created = [d for d in (parent, *parent.parents) if not d.exists()]
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.partial-", dir=parent))
    except OSError as exc:
        raise UserError(f"{out_dir}: 无法写入 / cannot write here ({exc.strerror})") from exc
    try:
        yield staging
        out_dir.mkdir(exist_ok=True)
        for path in sorted(staging.iterdir()):
            os.replace(path, out_dir / path.name)
    except BaseException:
        if created:
            # Folders made for this run go too; the outermost of them holds the others.
            shutil.rmtree(created[-1], ignore_errors=True)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@click.command()
@click.argument("snapshot", type=click.Path(path_type=Path))
@click.option("--max-shown", type=click.IntRange(min=0), default=None,
              help="print at most this many problems (all by default); the count is always printed")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              help="also write every problem to this CSV file (file,row,column,value,reason,中文,English)")
def validate(snapshot: Path, max_shown: int | None, report_path: Path | None) -> None:
    """Check a snapshot folder against the data contract; list every problem."""
    from neisheng.engine.validation import validate_snapshot

    # Only the problems and the row counts: holding a million households' tables would
    # take gigabytes that a check does not need.
    report = validate_snapshot(snapshot, tables=False)
    if report_path is not None and report_path.is_dir():
        raise UserError(f"{report_path}: 是文件夹,不能写报告 / is a folder; give a file for --report")
    if report.ok:
        click.echo(report.summary())
        return
    shown = report.issues if max_shown is None else report.issues[:max_shown]
    for issue in shown:
        click.echo(str(issue))
    if report_path is not None:
        try:
            _write_issue_report(report.issues, report_path)
        except OSError as exc:
            raise UserError(f"{report_path}: 无法写入报告 / cannot write the report ({exc.strerror})") from exc
    hidden = len(report.issues) - len(shown)
    more = f" ({hidden} 条未显示 / not shown)" if hidden else ""
    click.echo(
        f"快照无效 / snapshot invalid: {len(report.issues)} 个问题 problems{more}", err=True
    )
    sys.exit(1)


def _write_issue_report(issues, path: Path) -> None:
    import csv

    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(["file", "row", "column", "value", "reason", "说明", "message"])
        for i in issues:
            writer.writerow([i.file, i.row, i.column, i.value, i.reason, i.message_zh, i.message_en])


@click.command()
@click.argument("snapshot", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["parquet", "csv", "xlsx"]), default="parquet",
              show_default=True)
@click.option("--headers", type=click.Choice(["en", "zh"]), default="en", show_default=True)
def convert(snapshot: Path, out_dir: Path, fmt: str, headers: str) -> None:
    """Convert a valid snapshot between Parquet, CSV and Excel (English or Chinese headers)."""
    tables = _load_or_fail(snapshot)
    _write(tables, out_dir, fmt, headers)
    click.echo(f"已写入 / written {out_dir} ({fmt}, {headers})")


def _load_or_fail(snapshot: Path):
    from neisheng.engine.catalog import SnapshotFileError
    from neisheng.engine.validation import SnapshotInvalid, load_snapshot

    try:
        return load_snapshot(snapshot)
    except SnapshotFileError as exc:
        raise UserError(str(exc)) from exc
    except SnapshotInvalid as exc:
        for issue in exc.issues[:MAX_ISSUES_SHOWN_DEFAULT]:
            click.echo(str(issue), err=True)
        raise UserError(
            f"{snapshot}: {len(exc.issues)} 个问题,请先运行 neisheng validate / "
            f"{len(exc.issues)} problems; run `neisheng validate` for the full list"
        ) from exc


@click.command()
@click.argument("snapshot", type=click.Path(path_type=Path))
@click.option("--year", type=click.IntRange(2000, 2100), required=True)
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False, path_type=Path),
              help="policy YAML (default: the built-in policy of monitoring.md)")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--engine", type=click.Choice(["duckdb", "spark"]), default="duckdb", show_default=True)
@click.option("--validate/--no-validate", "full_validation", default=False, show_default=True,
              help="run every check of `neisheng validate` first (always done for CSV and Excel)")
def monitor(snapshot: Path, year: int, policy_path: Path | None, out_dir: Path, engine: str,
            full_validation: bool) -> None:
    """Run monitoring: risk, monitoring type, stability, motivation index, measures and
    the region summary, written as Parquet to --out."""
    from neisheng.policy import PolicyError, load_policy

    try:
        policy = load_policy(policy_path)
    except PolicyError as exc:
        raise UserError(str(exc)) from exc
    if policy.year != year:
        where = policy_path or "默认政策 default policy"
        raise UserError(
            f"{where}: year = {policy.year},与 --year {year} 不符 / does not match --year {year}"
        )
    if not snapshot.is_dir():
        raise UserError(f"{snapshot}: 快照目录不存在 / the snapshot folder does not exist")
    _run_monitoring(snapshot, policy, out_dir, engine=engine, full_validation=full_validation)


def _run_monitoring(snapshot: Path, policy, out_dir: Path, *, engine: str = "duckdb",
                    full_validation: bool = False) -> None:
    import duckdb
    import pyarrow as pa

    from neisheng.engine import backend, catalog
    from neisheng.engine import monitor as run
    from neisheng.engine.validation import SnapshotInvalid

    started = time.perf_counter()
    con = backend.connect(engine)
    with _staged(out_dir) as staging:
        try:
            tables, divisions = backend.open_snapshot(con, snapshot, validate=full_validation)
            results = run(tables, divisions, policy)
            written = backend.write_results(con, results, staging)
        except SnapshotInvalid as exc:
            for issue in exc.issues[:MAX_ISSUES_SHOWN_DEFAULT]:
                click.echo(str(issue), err=True)
            first = exc.issues[0]
            raise UserError(
                f"{first}; {len(exc.issues)} 个问题 problems in total, nothing written"
            ) from exc
        except catalog.SnapshotFileError as exc:
            raise UserError(f"{exc}; nothing written") from exc
        except (duckdb.Error, pa.ArrowException, OSError) as exc:
            # Parquet read in place is only decoded while monitoring runs: a file with a
            # sound footer and damaged pages fails here. Name the file, not the query.
            damaged = _damaged_parquet(snapshot)
            if damaged is not None:
                raise UserError(f"{damaged}: Parquet 文件已损坏,未写入任何结果 / the Parquet file is "
                                "damaged; nothing written") from exc
            raise UserError(f"{snapshot}: 无法读取快照,未写入任何结果 / cannot read the snapshot "
                            f"({_short_error(exc)}); nothing written") from exc
        summary = _town_summary(written["region_summary"], policy)
    written = {name: out_dir / path.name for name, path in written.items()}
    click.echo(summary)
    click.echo(
        f"已写入 / written {out_dir}: {', '.join(p.name for p in written.values())} "
        f"({time.perf_counter() - started:.1f} s)"
    )


def _short_error(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


def _damaged_parquet(snapshot: Path) -> Path | None:
    """The first Parquet file of the snapshot that cannot be decoded to its end (read a
    batch at a time, so memory stays flat)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    for path in sorted(Path(snapshot).glob("*.parquet")):
        try:
            for _ in pq.ParquetFile(path).iter_batches(batch_size=65_536):
                pass
        except (pa.ArrowException, OSError, ValueError):
            return path
    return None


# Headers and codes from the contract (engine.schema), as on every page.
SUMMARY_COLUMNS = (
    ("户数", "households"), *((label, f"risk_{r}") for r, label in schema.RISK_SHORT.items()),
    *((label, f"monitor_{t}") for t, label in schema.MONITOR_TYPE_SHORT.items()),
    *((label, f"stability_{s}") for s, label in schema.STABILITY.items()),
    ("H", "motivation_H"), ("A", "motivation_A"), ("M0", "motivation_M0"),
)


def _town_summary(region_summary_path: Path, policy) -> str:
    """The county and each town: counts by risk, monitoring type and stability, and the
    motivation index, as a county officer reads them on a Monday morning."""
    import pyarrow.parquet as pq

    from neisheng.engine.schema import VILLAGE_LEVEL

    town_level = VILLAGE_LEVEL - 1
    rows = pq.read_table(region_summary_path).to_pylist()
    shown = sorted((r for r in rows if 3 <= r["level"] <= town_level),
                   key=lambda r: (r["level"], r["code"]))
    widths = [max(width(label), 7) + 1 for label, _ in SUMMARY_COLUMNS]
    lines = [
        (
            f"监测年度 year {policy.year}, 政策 policy {policy.source}; risk 红/黄/绿, "
            "type 脱贫不稳定/边缘易致贫/突发困难, stability 稳定/巩固/临界, motivation H/A/M0"
        ),
        cell("区划 division", 20, left=True)
        + "".join(cell(label, w) for (label, _), w in zip(SUMMARY_COLUMNS, widths)),
    ]
    for r in shown:
        name = ("  " if r["level"] == town_level else "") + r["name"]
        lines.append(
            cell(name, 20, left=True)
            + "".join(cell(r[key], w) for (_, key), w in zip(SUMMARY_COLUMNS, widths))
        )
    return "\n".join(lines)


COMMANDS: list[click.Command] = [synth, validate, convert, monitor]
