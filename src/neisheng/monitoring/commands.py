"""CLI commands of monitoring (listed in neisheng.cli.COMMAND_MODULES). Django is
imported inside each command so other commands start fast."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import click

from neisheng.console import UserError, django_ready, stderr_console

STEP_LABELS = {
    "export": "导出台账 exporting the registry",
    "engine": "计算 monitoring",
    "store": "保存结果 storing the results",
    "done": "完成 done",
}


@click.command("run-monitoring")
@click.option("--year", type=click.IntRange(2000, 2100), required=True)
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False, path_type=Path),
              help="policy YAML (default: the year's active policy in the platform, else the built-in one)")
def run_monitoring(year: int, policy_path: Path | None) -> None:
    """Run monitoring on the platform's registry and keep the run with its results, as a
    run started on the monitoring pages does (but here, waiting for it to finish)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    django_ready()
    from neisheng.monitoring.services import FAILED_SENTENCE, MonitoringError, monitoring_run

    if policy_path is not None and not policy_path.is_file():
        raise UserError(f"{policy_path}: 政策文件不存在 / the policy file does not exist")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="neisheng-run-") as work_dir, Progress(
        "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        transient=True, disable=not sys.stderr.isatty(), console=stderr_console(),
    ) as bar:
        task = bar.add_task("", total=3)

        def progress(step: str, done: int, total: int) -> None:
            bar.update(task, description=STEP_LABELS.get(step, step), completed=done, total=total)

        try:
            run = monitoring_run(year=year, policy_path=policy_path, work_dir=Path(work_dir), progress=progress)
        except MonitoringError as exc:
            raise UserError(str(exc)) from exc
        except Exception as exc:  # one sentence at the terminal; the run keeps FAILED_SENTENCE
            first_line = (str(exc).splitlines() or [""])[0][:200]
            raise UserError(f"{FAILED_SENTENCE} ({type(exc).__name__}: {first_line})") from exc
    click.echo(
        f"监测运行 run #{run.pk} ({run.year}, {run.policy}): {run.households} 户 households — "
        f"红 red {run.red}, 黄 yellow {run.yellow}, 绿 green {run.green} "
        f"({time.perf_counter() - started:.1f} s)"
    )


COMMANDS: list[click.Command] = [run_monitoring]
