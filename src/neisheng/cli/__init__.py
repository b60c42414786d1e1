"""The `neisheng` command: one entry point for every job.

Each app adds its commands in its own command module (a list `COMMANDS` of click
commands); the modules are named below as strings and loaded by path, so this package
imports no app and no app imports it. What the commands share at the terminal is in
neisheng.console.
"""

from __future__ import annotations

from importlib import import_module

import click

from neisheng.console import Project, UserError

# Where the commands are: one module per app (a new app appends its own).
COMMAND_MODULES = (
    "neisheng.cli.snapshot",
    "neisheng.cli.assign",
    "neisheng.web.commands",
    "neisheng.transfers.commands",
    "neisheng.accounts.commands",
    "neisheng.monitoring.commands",
    "neisheng.cli.feed",
    "neisheng.cli.survey",
)

__all__ = ["COMMAND_MODULES", "UserError", "main"]


def _django_setup(*, migrate: bool = True) -> None:
    """The web project's settings (NEISHENG_HOME / DATABASE_URL) and, with `migrate`, a
    new database migrated first, so the commands work on a fresh install."""
    from neisheng.web.config import setup_django

    setup_django()
    if not migrate:
        return
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", verbosity=0)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="neisheng")
@click.pass_context
def main(ctx: click.Context) -> None:
    """内生 Neisheng — 防返贫监测与内生动力帮扶 (monitoring households at risk of
    falling back into poverty, and their motivation to prosper)."""
    ctx.obj = Project(django_setup=_django_setup)


def _add_commands() -> None:
    for module_path in COMMAND_MODULES:
        for command in import_module(module_path).COMMANDS:
            main.add_command(command)


_add_commands()
