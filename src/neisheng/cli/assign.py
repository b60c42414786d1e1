"""`neisheng assign-cadres`: grid.md's automatic assignment on files, no database.

The files are read by the snapshot reader (engine.catalog.read_file_data: Parquet, CSV
in UTF-8 or GB18030, Excel), the town and county costs come from the built-in policy,
and the one engine function the platform's "assign" button uses decides.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from neisheng.console import UserError


def _read(path: Path):
    from neisheng.engine.catalog import SnapshotFileError, read_file_data

    try:
        return read_file_data(path)
    except SnapshotFileError as exc:
        raise UserError(f"{path}: {exc.message_en}") from exc


def _write(pairs, out: Path) -> None:
    """Written beside `out` and renamed, so a failed run leaves no half-written file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    partial = out.with_name(f".{out.name}.partial")
    try:
        pq.write_table(pairs, partial, compression="zstd")
        os.replace(partial, out)
    except (OSError, pa.ArrowException) as exc:
        partial.unlink(missing_ok=True)
        raise UserError(f"{out}: cannot write the output ({getattr(exc, 'strerror', None) or exc})") from exc


@click.command("assign-cadres")
@click.option("--households", "households_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              required=True, help="households needing a cadre: household_id, village_code")
@click.option("--cadres", "cadres_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              required=True, help="cadres: cadre_id, division_code[, capacity]")
@click.option("--pairs", "pairs_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="existing pairs, kept: cadre_id, household_id")
@click.option("--max-per-cadre", type=click.IntRange(min=0), default=None,
              help="households per cadre without a capacity of its own (default: the policy's, 5)")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Parquet file of cadre_id, household_id, kept")
def assign_cadres_command(households_path: Path, cadres_path: Path, pairs_path: Path | None,
                          max_per_cadre: int | None, out_path: Path) -> None:
    """Assign a cadre to every household that needs one (grid.md): kept pairs stay,
    as many households as possible are assigned, at the least total cost."""
    from neisheng.engine.assignment import AssignmentInputError, assign_cadres
    from neisheng.policy import load_policy

    policy = load_policy()
    households = _read(households_path)
    cadres = _read(cadres_path)
    pairs = _read(pairs_path) if pairs_path is not None else None
    try:
        result = assign_cadres(
            households, cadres, pairs,
            max_per_cadre=policy.grid_max_per_cadre if max_per_cadre is None else max_per_cadre,
            town_cost=policy.grid_town_cost, county_cost=policy.grid_county_cost,
            sources=(str(households_path), str(cadres_path), str(pairs_path)),
        )
    except AssignmentInputError as exc:
        raise UserError(str(exc)) from exc
    _write(result.pairs, out_path)
    click.echo(f"assigned {result.assigned}, kept {result.kept}, unassigned {result.unassigned.num_rows}, "
               f"total cost {result.total_cost}")


COMMANDS: list[click.Command] = [assign_cadres_command]
