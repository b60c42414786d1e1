"""What every command module shares at the terminal: the one-sentence error, a stderr
console for progress bars, column widths of Chinese text, and Django for commands that
need the web project. No Django here and no app: every command module may import it,
and it imports none of them."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass

import click


class UserError(click.ClickException):
    """One clear sentence for the person at the terminal, and exit code 1."""

    def show(self, file=None):
        click.echo(f"错误 / error: {self.message}", err=True)


def stderr_console():
    from rich.console import Console

    return Console(stderr=True)


def width(text: str) -> int:
    """Columns `text` takes on a terminal: Chinese characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def cell(value, columns: int, left: bool = False) -> str:
    """A column of a terminal table; Chinese characters take two columns."""
    text = "—" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)
    pad = " " * max(columns - width(text), 0)
    return text + pad if left else pad + text


def synthesize(*, households: int, seed: int, year: int, county_code: str):
    """A synthetic county's tables (neisheng.synth), with a progress bar on a terminal;
    an unknown county code is one sentence."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from neisheng import divisions, synth

    try:
        divisions.county(county_code)
    except KeyError as exc:
        raise UserError(f"--county {county_code}: 不是已知的县级区划代码 / not a known county code") from exc
    with Progress(
        "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), transient=True, disable=not sys.stderr.isatty(),
        console=stderr_console(),
    ) as progress:
        task = progress.add_task("生成农户 households", total=households)
        return synth.generate_county(
            households=households, seed=seed, year=year, county_code=county_code,
            progress=lambda done: progress.update(task, completed=done),
        )


@dataclass(frozen=True)
class Project:
    """How the entry point (neisheng.cli) sets the web project up for a command: the
    settings live in the layer above every app, which the apps' command modules must not
    import, so the entry point lends this through the click context."""

    django_setup: Callable[..., None]  # (migrate: bool) -> None


def django_ready(*, migrate: bool = True) -> None:
    """Django configured for the running command and, with `migrate`, a new database
    brought up to date, so a command works on a fresh install. A setting refused at
    start-up is one sentence (UserError), not a traceback."""
    context = click.get_current_context(silent=True)
    project = context.find_object(Project) if context is not None else None
    if project is None:
        raise RuntimeError("run this command through the `neisheng` entry point (neisheng.cli:main)")
    project.django_setup(migrate=migrate)
