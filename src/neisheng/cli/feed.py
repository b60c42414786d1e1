"""`neisheng feed match`: a department feed linked to a registry snapshot and screened
(feeds.md), on files, without the database.

The feed is read by the one feed reader (engine.feeds.feed_read), the snapshot by the
snapshot reader, and the rows are linked and screened by the same engine functions the
platform's apply button runs, so a county can check a feed before uploading it.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import click

from neisheng.console import UserError
from neisheng.engine.feeds import FEED_TYPES, MATCH_KINDS

MAX_PROBLEMS_SHOWN = 200

# feeds.md's output files: only these columns, in this order.
MATCH_COLUMNS = ("row", "person_id", "household_id", "match_kind", "match_probability")
FINDING_COLUMNS = ("rule", "household_id", "person_id", "rows", "evidence")


def _output_schemas():
    import pyarrow as pa

    matches = pa.schema([("row", pa.int64()), ("person_id", pa.string()), ("household_id", pa.string()),
                         ("match_kind", pa.string()), ("match_probability", pa.float64())])
    findings = pa.schema([("rule", pa.string()), ("household_id", pa.string()), ("person_id", pa.string()),
                          ("rows", pa.list_(pa.int64())), ("evidence", pa.string())])
    return matches, findings


def _problem_line(problem) -> str:
    return f"{problem.sentence('zh')} / {problem.sentence('en')}"


def _read_feed(path: Path, feed_type: str):
    from neisheng.engine.feeds import FeedFileError, feed_read

    if not path.is_file():
        raise UserError(f"{path}: 文件不存在 / the file does not exist")
    try:
        return feed_read(path, feed_type, file_name=str(path))
    except FeedFileError as exc:
        # Every bad row a clerk must fix, then the one sentence that ends the run.
        for problem in exc.problems[1:MAX_PROBLEMS_SHOWN]:
            click.echo(_problem_line(problem), err=True)
        raise UserError(f"{exc.sentence('zh')} / {exc.sentence('en')}; nothing written") from exc


def _read_snapshot(snapshot: Path) -> dict:
    """The four tables: Parquet already in the contract's types read as it is (as
    `neisheng monitor` does, so a province's snapshot is not validated on every feed),
    any other snapshot validated in full."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from neisheng.engine.backend import parquet_in_contract_types
    from neisheng.engine.catalog import SnapshotFileError
    from neisheng.engine.validation import SnapshotInvalid, load_snapshot

    paths = parquet_in_contract_types(snapshot)
    if paths is not None:
        try:
            return {name: pq.read_table(path) for name, path in paths.items()}
        except (pa.ArrowException, OSError) as exc:
            raise UserError(f"{snapshot}: 无法读取快照,未写入任何结果 / cannot read the snapshot "
                            f"({str(exc).strip().splitlines()[0][:200]}); nothing written") from exc
    try:
        return load_snapshot(snapshot)
    except SnapshotFileError as exc:
        raise UserError(f"{exc}; nothing written") from exc
    except SnapshotInvalid as exc:
        raise UserError(
            f"{exc.issues[0]}; {len(exc.issues)} 个问题 problems in the snapshot (see `neisheng validate`), "
            "nothing written"
        ) from exc


def _write(tables: dict, out_dir: Path) -> None:
    """Each file written beside its final name and renamed once all are written, so a
    failed run leaves no half-written file and no mix of old and new results."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"{out_dir}: 已存在同名文件,不是文件夹 / exists and is not a folder")
    partials = {name: out_dir / f".{name}.partial" for name in tables}
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, table in tables.items():
            pq.write_table(table, partials[name], compression="zstd")
        for name in tables:
            os.replace(partials[name], out_dir / name)
    except (OSError, pa.ArrowException) as exc:
        for partial in partials.values():
            partial.unlink(missing_ok=True)
        raise UserError(f"{out_dir}: 无法写入 / cannot write the output "
                        f"({getattr(exc, 'strerror', None) or exc})") from exc


@click.group("feed")
def feed_group() -> None:
    """部门比对 department feeds (feeds.md): link a feed to a registry snapshot and screen it."""


@feed_group.command("match")
@click.argument("feed_path", metavar="FEED", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--type", "feed_type", required=True,
              type=click.Choice(list(FEED_TYPES)),
              help="the feed's layout (feeds.md)")
@click.option("--snapshot", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="registry snapshot folder (persons, households, divisions, income_items)")
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False, path_type=Path),
              help="policy YAML (default: the built-in policy; its feeds: section)")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="folder for matches.parquet and findings.parquet")
def match(feed_path: Path, feed_type: str, snapshot: Path, policy_path: Path | None, out_dir: Path) -> None:
    """Link each row of FEED to a registry person (exact, probable, review or unmatched)
    and raise the screening rules' findings, as the platform does on upload; `today` is
    the day the command runs."""
    import logging

    import pyarrow.compute as pc

    from neisheng.engine.linkage import link_feed
    from neisheng.engine.screening import screen_feed
    from neisheng.policy import PolicyError, load_policy

    try:
        policy = load_policy(policy_path)
    except PolicyError as exc:
        raise UserError(str(exc)) from exc
    if not snapshot.is_dir():
        raise UserError(f"{snapshot}: 快照目录不存在 / the snapshot folder does not exist")
    feed = _read_feed(feed_path, feed_type)
    tables = _read_snapshot(snapshot)
    # Splink reports its timings on stderr unless the "splink" logger has a handler of
    # its own; the terminal gets the one line of counts (warnings still reach it).
    logging.getLogger("splink").addHandler(logging.NullHandler())
    linkage = link_feed(
        feed, persons=tables["persons"], households=tables["households"], divisions=tables["divisions"],
        auto_accept=policy.feeds_auto_accept, review=policy.feeds_review,
    )
    findings = screen_feed(
        feed_type, feed, linkage.matches, persons=tables["persons"], households=tables["households"],
        income_items=tables["income_items"], policy=policy, today=dt.date.today(),
    )
    match_schema, finding_schema = _output_schemas()
    matches = linkage.matches.select(list(MATCH_COLUMNS)).cast(match_schema)
    findings = findings.select(list(FINDING_COLUMNS)).cast(finding_schema)
    _write({"matches.parquet": matches, "findings.parquet": findings}, out_dir)
    kinds = matches.column("match_kind")
    counts = {kind: pc.sum(pc.equal(kinds, kind)).as_py() or 0 for kind in MATCH_KINDS}
    click.echo(
        f"{matches.num_rows} rows: {counts['exact']} exact, {counts['probable']} probable, "
        f"{counts['review']} review, {counts['unmatched']} unmatched; {findings.num_rows} findings "
        f"(written to {out_dir})"
    )


COMMANDS: list[click.Command] = [feed_group]
